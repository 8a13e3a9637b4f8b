"""What people see after an ack, as the sandbox recorded it: each request's visible answer and when.

A `/checkins` is answered by a post to its own response_url (matched by the URL's token), a `/goals new` by
the modal opened with its own trigger_id (matched by the trigger; a trigger used after its 3 s is refused
as Slack refuses it, and counted), a click on the Home tab by the view published for that person. A
publish names only the person, so each person's clicks and publishes are paired in order; the bench's
people click far apart (a second or more) compared with the answers' latency, so the pairing holds.
Latencies count from when a request was due (open loop) or sent (closed loop), as its ack does.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from sandbox.workspace import Call

TRIGGER_TTL = 3.0  # seconds: Slack's, and the sandbox's


@dataclass(frozen=True)
class Sent:
    kind: str  # "command" (response_url), "action" (Home publish), "modal" (views.open)
    ref: str  # the response_url's token, the person's id, or the trigger_id
    at: float  # wall clock (time.time()) when the request was due or sent
    measured: bool  # in the measured round (else the warm-up, whose answers still pair with clicks)


@dataclass
class Visible:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    missing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    expired: int = 0  # views.open refused: the trigger was older than 3 s
    modal_late: int = 0  # modals opened more than 3 s after their click (the sandbox should refuse them)

    @property
    def all(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)


def answers(sent: list[Sent], calls: list[Call]) -> Visible:
    """Pairs each request with the call that made its answer visible."""
    by_token = {c.ref: c for c in calls if c.method == "response_url" and c.ok}
    opens = {c.args.get("trigger_id"): c for c in calls if c.method == "views.open"}
    publishes: dict[str, list[float]] = defaultdict(list)
    first = min((s.at for s in sent), default=0.0)
    for c in calls:
        if c.method == "views.publish" and c.ok and c.time >= first:
            publishes[str(c.args.get("user_id"))].append(c.time)
    for times in publishes.values():
        times.sort()
    clicks: dict[str, int] = defaultdict(int)  # the person's clicks paired so far
    out = Visible()
    for s in sorted(sent, key=lambda s: s.at):
        at: float | None = None
        if s.kind == "command":
            call = by_token.get(s.ref)
            at = call.time if call else None
        elif s.kind == "modal":
            call = opens.get(s.ref)
            if call is not None and call.error == "expired_trigger_id":
                out.expired += s.measured
            elif call is not None and call.ok:
                at = call.time
        else:
            index = clicks[s.ref]
            clicks[s.ref] += 1
            times = publishes.get(s.ref, [])
            at = times[index] if index < len(times) else None
        if not s.measured:
            continue
        if at is None:
            out.missing[s.kind] += 1
            continue
        out.latencies[s.kind].append(at - s.at)
        if s.kind == "modal" and at - s.at > TRIGGER_TTL:
            out.modal_late += 1
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]
