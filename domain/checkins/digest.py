"""A team's channel digest: one message a period ("Platform check-ins, Friday 20 November: 7 of 9 so far"),
each person's *team* answers as a reply in its thread, updated when they edit, and the count updated as
answers come in. Every post goes out once, through the send ledger. Answers for the manager alone never go
there.

When Slack refuses a post for now, or a reply stops waiting for the period's message (another process is
posting it), the tick tries it again (`catch_up`, the ledger's retry rule); when the channel is gone for the
app (not in it, removed, archived), the team's managers are told once per channel, and the answers stay
kept. A period's digest stays in the channel it started in, its thread holding the answers so far: a channel
chosen mid-period gets the next period's."""

import logging
import time
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.checkins import templates
from domain.checkins.due import gets_checkins
from domain.checkins.periods import period_label
from domain.checkins.questions import answered
from domain.checkins.settings import teams_for
from domain.core import delivery
from domain.core.channels import CHANNEL, check_app_in
from domain.core.delivery import TRANSIENT_ERRORS
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.services import Services
from domain.core.slack import Slack, SlackError
from message_templates.render import Markup, channel_mention, markup, render_message
from storage import checkins as store
from storage import people, sends
from storage.models import Checkin, Person, Send, SendKind

log = logging.getLogger(__name__)

HEADER_WAIT = 5.0  # seconds another answer's process may take to post the period's digest message
CHANNEL_GONE = ("not_in_channel", "channel_not_found", "is_archived")  # for good, until someone acts
GONE_KEY = "ch:"  # + the channel's id: the ledger's key of the notice that a team's channel is gone
# The longest channel id the ledger's key leaves room for: 13 (Slack's, such as C024BE91L, are shorter).
CHANNEL_ID_MAX = Send.__table__.c.period_key.type.length - len(GONE_KEY)  # type: ignore[attr-defined]


class DigestError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def choose_channel(
    session: Session, gateway: Slack, *, slack_user_id: str, text: str, now: datetime
) -> tuple[str, str, str | None]:
    """`/checkins channel #channel [TEAM]` by the team's manager or an HR admin: (team, channel id, the
    channel it had before). Refused now rather than at the first digest: a channel the app cannot post to,
    and one its chooser may not post to (a private channel they are not in: the team's answers would go to
    people they cannot see)."""
    person = person_for(session, slack_user_id)
    teams = teams_for(session, person)
    if not teams:
        raise NotAllowed("Only managers and HR admins can give a team its channel.")
    match = CHANNEL.search(text)
    if match is None:
        raise DigestError("Name the channel as #channel, then the team if you have several.")
    channel = match.group(1)
    if len(channel) > CHANNEL_ID_MAX:
        raise DigestError("That is not a channel Slack would name: choose it as #channel.")
    team = text[match.end() :].strip() or (person.team if person.team in teams else teams[0])
    if team not in teams:
        raise NotAllowed(f"You can give a channel to {', '.join(teams)} only.")
    check_app_in(gateway, channel)
    if not gateway.may_post(channel, slack_user_id):
        raise NotAllowed(
            markup(
                "You are not in ",
                channel_mention(channel),
                f", a private channel: choose one you are in for {team}'s digest.",
            )
        )
    before = store.team_channel(session, team=team)
    previous = before.channel if before else None
    store.save_team_channel(session, team=team, channel=channel, now=now)
    log.info("person %s gave a team the digest channel %s", person.id, channel)
    return team, channel, previous


def welcome(services: Services, *, team: str, channel: str, previous: str | None = None) -> Markup:
    """Says so in the channel; what to tell the person who chose it (the app may not be in it)."""
    try:
        services.gateway.post(channel, render_message("checkins/digest_welcome.json.j2", team=team))
    except SlackError as err:
        if err.code in CHANNEL_GONE:
            return markup(
                "The app is not in ",
                channel_mention(channel),
                f" ({err.code}): invite it there (`/invite @checkins`), "
                f"and {team}'s digest will be posted there.",
            )
        raise
    if previous is None or previous == channel:
        return markup(f"{team}'s check-in digest will be posted in ", channel_mention(channel), ".")
    return markup(
        f"{team}'s check-in digest will be posted in ",
        channel_mention(channel),
        " from the next period (a period already under way finishes in ",
        channel_mention(previous),
        ", in its thread).",
    )


def _header(session: Session, person: Person, checkin: Checkin) -> dict:
    members = [p for p in people.in_team(session, team=person.team) if gets_checkins(p)]
    count = store.submitted_in(session, person_ids=[p.id for p in members], period_key=checkin.period_key)
    return render_message(
        "checkins/digest.json.j2",
        team=person.team,
        label=period_label(checkin, person),
        answered=count,
        total=len(members),
    )


def share_with_team(services: Services, *, checkin_id: int, now: datetime, wait: float = HEADER_WAIT) -> None:
    """The person's team answers into their team's digest, once; an edit updates their reply. `wait`: how
    long to wait for another process to post the period's message."""
    with services.session() as session:
        checkin = store.get(session, checkin_id=checkin_id)
        person = people.get(session, person_id=checkin.person_id)
        row = store.team_channel(session, team=person.team) if person.team else None
        if row is None:
            return
        questions = templates.questions_of(templates.of_checkin(session, checkin))
        shown = [(q, text) for q, text in answered(checkin.answers, questions) if q.audience == "team"]
        if not shown:
            return
        team, key = person.team, checkin.period_key
        poster = store.claim_digest(
            session, team=team, period_key=key, channel=row.channel, poster_id=checkin.person_id
        )
        # The period's digest stays where it started: its thread holds the answers so far.
        channel = store.digest(session, team=team, period_key=key).channel
        reply = render_message(
            "checkins/digest_reply.json.j2", person=person, answered=shown, edited=bool(checkin.edited_at)
        )
    try:
        header_ts = _header_ts(services, person, checkin, poster=poster, now=now, wait=wait)
        if header_ts is None:
            log.warning("a digest of %s has no message yet: person %s's reply waits", key, person.id)
            _wait_for_catch_up(services, person=person, key=key, now=now)
            return
        with services.session() as session:
            earlier = sends.rows(session, kind=SendKind.digest_reply, pairs=[(person.id, key)]).get(
                (person.id, key)
            )
        if earlier is not None and earlier.ts:
            services.gateway.update(earlier.channel or channel, earlier.ts, reply)
        else:
            delivery.send_once(
                services,
                person=person,
                key=key,
                kind=SendKind.digest_reply,
                compose=lambda _: reply,
                oldest=checkin.opens_at,
                now=now,
                channel=channel,
                thread_ts=header_ts,
            )
        with services.session() as session:  # the count as it stands now, whoever answered meanwhile
            header = _header(session, person, checkin)
        services.gateway.update(channel, header_ts, header)
    except (delivery.DeliveryFailed, SlackError) as err:
        log.warning("a digest in %s: %s", channel, err.code)
        if err.code in TRANSIENT_ERRORS:
            return
        if err.code in CHANNEL_GONE:
            tell_gone(services, team=team, channel=channel, code=err.code, now=now)
        else:
            log.error("a digest in %s failed for good: %s", channel, err.code)
        with services.session() as session:  # a reply waiting for a message that will never be: not retried
            sends.give_up(
                session, person_id=person.id, period_key=key, kind=SendKind.digest_reply, error=err.code
            )


def _header_ts(
    services: Services, person: Person, checkin: Checkin, *, poster: bool, now: datetime, wait: float
) -> str | None:
    """The period's digest message: posted by the first answer's process, or by a later one when Slack
    refused it for now or that process died before claiming it (under the first answerer's ledger row, so
    it is posted once)."""
    key = checkin.period_key
    with services.session() as session:
        row = store.digest(session, team=person.team, period_key=key)
        if row.ts:
            return row.ts
        owner = person if poster else _header_owner(session, person.team, key, row.poster_id)
        header = _header(session, person, checkin)
        channel = row.channel
    if owner is not None:
        sent = delivery.send_once(
            services,
            person=owner,
            key=key,
            kind=SendKind.digest,
            compose=lambda _: header,
            oldest=checkin.opens_at,
            now=now,
            channel=channel,
        )
        if sent is not None:
            with services.session() as session:
                store.digest(session, team=person.team, period_key=key).ts = sent.posted.ts
            return sent.posted.ts
    deadline = time.monotonic() + wait
    while True:
        with services.session() as session:
            row = store.digest(session, team=person.team, period_key=key)
            if row is not None and row.ts:
                return row.ts
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def _wait_for_catch_up(services: Services, *, person: Person, key: str, now: datetime) -> None:
    """The reply, not posted for want of the period's message, goes in the ledger as failed for now: the
    tick's `catch_up` posts it once the ledger's back-off has passed (unless another run holds it)."""
    with services.session() as session:
        claim = sends.claim(
            session,
            person_id=person.id,
            period_key=key,
            kind=SendKind.digest_reply,
            holder=services.holder,
            now=now,
            stale_after=delivery.STALE_CLAIM,
        )
        if claim is not None:
            sends.mark_failed(
                session, send_id=claim.id, holder=services.holder, error="no_digest_message", permanent=False
            )


def _header_owner(session: Session, team: str, key: str, poster_id: int | None) -> Person | None:
    """Whose ledger row holds the period's message: the first answerer's, named with the digest (None for a
    digest from before that, while its first answer has not claimed it); its refusal for good, raised
    again, so that this answer is not left waiting for it."""
    members = {p.id: p for p in people.in_team(session, team=team)}
    owners = [poster_id] if poster_id is not None else list(members)
    found = sends.rows(session, kind=SendKind.digest, pairs=[(i, key) for i in owners])
    for (person_id, _), row in found.items():
        if row.state == "failed" and row.attempts >= sends.MAX_ATTEMPTS:
            raise delivery.DeliveryFailed(f"the digest message of {key}", row.error or "")
        if poster_id is None:
            return members[person_id]
    return people.get(session, person_id=poster_id) if poster_id is not None else None


def tell_gone(services: Services, *, team: str, channel: str, code: str, now: datetime) -> None:
    """The team's managers (or, without one, the HR admins), once per channel through the ledger: the app
    cannot post there; the answers are kept."""
    with services.session() as session:
        members = people.in_team(session, team=team)
        managers = [
            people.get(session, person_id=i) for i in sorted({p.manager_id for p in members} - {None})
        ]
        told = [m for m in managers if m is not None and m.active] or list(people.admins(session))
        message = render_message(
            "shared/notice.json.j2",
            message=markup(
                f"{team}'s check-in digest cannot be posted in ",
                channel_mention(channel),
                f" ({code}). The answers are kept. Invite the app back (`/invite @checkins`), or choose "
                f"another channel with `/checkins channel #channel {team}`: the next period's digest goes "
                "there.",
            ),
        )
    for person in told:
        try:
            delivery.send_once(
                services,
                person=person,
                key=GONE_KEY + channel,
                kind=SendKind.digest_problem,
                compose=lambda _: message,
                oldest=now - timedelta(days=1),
                now=now,
            )
        except delivery.DeliveryFailed:
            continue  # logged by send_once; the ledger retries a transient failure with the next refusal


def catch_up(services: Services, *, now: datetime) -> int:
    """Each tick: the digests Slack refused for now, tried again when the ledger allows (every 5 minutes, a
    dozen times): every answer of that team and period not yet in the thread. Nothing to do: one query."""
    with services.session() as session:
        due = sends.retries_due(session, kinds=(SendKind.digest, SendKind.digest_reply), now=now)
        ids: set[int] = set()
        for person_id, key in due:
            person = people.get(session, person_id=person_id)
            if person is None or not person.team:
                continue
            members = [p.id for p in people.in_team(session, team=person.team)]
            done = sends.settled(session, kind=SendKind.digest_reply, period_keys=[key])
            ids.update(
                checkin_id
                for checkin_id, member in store.submitted_of(session, person_ids=members, period_key=key)
                if (member, key) not in done
            )
    for checkin_id in sorted(ids):
        share_with_team(services, checkin_id=checkin_id, now=now, wait=0)
    return len(ids)
