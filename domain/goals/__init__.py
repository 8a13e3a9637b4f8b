"""Goals agreed between partners: the employee proposes, the manager agrees, and either may start.

A new goal, a change to an agreed goal's terms, or dropping it is a proposal. Until the other side agrees,
the agreed version stays in force. When the person proposes, their manager (or an HR admin) decides; when
their manager or an admin proposes, the person accepts or counters. Progress updates need no agreement.
Company and team goals, set by admins and managers, are what personal goals align to. Any goal breaks down
into goals in periods within its own (year → quarters → months); its progress is entered by its owner or
rolled up from them by weight.

Units of work (each takes a `session`): `reading` (views, overview), `modal` (the goal modal),
`proposals` (save, drop), `decisions`, `tracking` (progress, also from check-ins), `tree` (the goal tree),
`rollup` (progress and status up the tree). Rules: `periods`, `nesting`, `form_values`, `terms`, `progress`,
`permissions`, `labels`; `export` (the tree as PNG, CSV, JSON). `flows.deliver` posts an outcome to Slack.
"""
