"""Cycle summaries: how each manager's team is doing, when a check-in period (and a month, a quarter) closes.

A manager's summary covers their direct reports: who answered, mood and its trend, blockers and help asked
for, check-ins still waiting for a reply, goal progress and goals at risk, proposals waiting for them, how
much feedback the team received, 1:1s held and open action items (meetings), the company's and the team's
goals with what is at risk under the team's (goals), and, by name to the manager only, a mood drop or
blockers three periods running (flags); for a manager of managers, each sub-team in aggregate (service,
from the pure rules in figures; cycles names what a summary covers). The HR summary has the same figures
per team and no individual answers. Each is sent once, through the send ledger (flows), a manager's with
its chart: the team's mood, a line per report, and goal progress (chart).
"""
