"""End-of-cycle reviews: each quarter looked back on by both partners, and a plan that seeds the next.

When a quarter ends where a person is, they are invited (once, through the send ledger) to assess it: for
each agreed goal of the quarter a result and a rating, what went well, what to improve (assessment). Their
manager (or an HR admin) then assesses it too, with a short diagnosis and an improvement plan of up to 5
items. The person agrees, or asks for a revision, which goes back to the manager to revise and resend
(agreement). Once agreed, the plan items become draft growth goals for the next quarter (plan) and come up in
check-ins. Every step enters the person's performance file. Who may act is decided from who clicked, never
from what a payload carries. Quarters as keys: cycles; the modals' fields: forms; Slack: flows.
"""
