"""What people read for a goal's kind, status and fields."""

from storage.models import GoalKind, GoalStatus

KIND_LABELS = {
    GoalKind.result: "Result (KPI)",
    GoalKind.objective: "Objective with key results",
    GoalKind.process: "Process",
    GoalKind.growth: "Growth",
}
STATUS_LABELS = {
    GoalStatus.draft: "draft",
    GoalStatus.pending: "waiting for agreement",
    GoalStatus.active: "on track",
    GoalStatus.at_risk: "at risk",
    GoalStatus.done: "done",
    GoalStatus.dropped: "dropped",
}
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "kind": "Kind",
    "metric": "Metric",
    "baseline": "Baseline",
    "target": "Target",
    "weight": "Weight",
    "period": "Period",
    "due_on": "Due",
    "parent_id": "Aligned to",
    "key_results": "Key results",
}
# What a proposal is about, by its action, as in "approved the change to: ...".
WHAT = {"new": "the new goal", "change": "the change to", "drop": "dropping"}
