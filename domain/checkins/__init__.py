"""Check-ins: the team's cadence and its periods, who is due a prompt, the questions, answers kept and shared
with the manager, the conversation in the DM threads, and company holidays."""
