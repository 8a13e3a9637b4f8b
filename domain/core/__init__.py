"""The shared core every feature builds on: people and who may do what, the delivery ledger, refusals,
the port to Slack, bounds on what comes from outside, and the services a process holds."""
