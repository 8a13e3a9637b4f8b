"""A team's channel digest: one message a period ("Platform check-ins, Friday 20 November: 7 of 9 so far"),
each person's *team* answers as a reply in its thread, updated when they edit, and the count updated as
answers come in. Every post goes out once, through the send ledger. Answers for the manager alone never go
there."""

import logging
import time
from datetime import datetime

from sqlmodel import Session

from domain.checkins import templates
from domain.checkins.due import gets_checkins
from domain.checkins.periods import period_label
from domain.checkins.questions import answered
from domain.checkins.settings import teams_for
from domain.core import delivery
from domain.core.channels import CHANNEL
from domain.core.directory import person_for
from domain.core.refusals import NotAllowed, Refusal
from domain.core.services import Services
from domain.core.slack import SlackError
from message_templates.render import render_message
from storage import checkins as store
from storage import people, sends
from storage.models import Checkin, Person, SendKind

log = logging.getLogger(__name__)

HEADER_WAIT = 5.0  # seconds another answer's process may take to post the period's digest message


class DigestError(Refusal):
    """Refused by this feature; the message is what the person reads."""


def choose_channel(session: Session, *, slack_user_id: str, text: str, now: datetime) -> tuple[str, str]:
    """`/checkins channel #channel [TEAM]` by the team's manager or an HR admin: (team, channel id)."""
    person = person_for(session, slack_user_id)
    teams = teams_for(session, person)
    if not teams:
        raise NotAllowed("Only managers and HR admins can give a team its channel.")
    match = CHANNEL.search(text)
    if match is None:
        raise DigestError("Name the channel as #channel, then the team if you have several.")
    team = text[match.end() :].strip() or (person.team if person.team in teams else teams[0])
    if team not in teams:
        raise NotAllowed(f"You can give a channel to {', '.join(teams)} only.")
    store.save_team_channel(session, team=team, channel=match.group(1), now=now)
    log.info("%s gave team %s the digest channel %s", person.email, team, match.group(1))
    return team, match.group(1)


def welcome(services: Services, *, team: str, channel: str) -> str:
    """Says so in the channel; what to tell the person who chose it (the app may not be in it)."""
    try:
        services.gateway.post(channel, render_message("checkins/digest_welcome.json.j2", team=team))
    except SlackError as err:
        if err.code in ("not_in_channel", "channel_not_found", "is_archived"):
            return (
                f"The app is not in <#{channel}> ({err.code}): invite it there (`/invite @checkins`), "
                f"and {team}'s digest will be posted there."
            )
        raise
    return f"{team}'s check-in digest will be posted in <#{channel}>."


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


def share_with_team(services: Services, *, checkin_id: int, now: datetime) -> None:
    """The person's team answers into their team's digest, once; an edit updates their reply."""
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
        channel, team, key = row.channel, person.team, checkin.period_key
        poster = store.claim_digest(session, team=team, period_key=key, channel=channel)
        reply = render_message(
            "checkins/digest_reply.json.j2", person=person, answered=shown, edited=bool(checkin.edited_at)
        )
    try:
        header_ts = _header_ts(services, person, checkin, poster=poster, now=now)
        if header_ts is None:
            log.warning("the %s digest of %s has no message yet: %s's reply waits", team, key, person.email)
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
        log.warning("the %s digest in %s: %s", team, channel, err)


def _header_ts(
    services: Services, person: Person, checkin: Checkin, *, poster: bool, now: datetime
) -> str | None:
    key = checkin.period_key
    if poster:  # the first answer of the period posts its message
        with services.session() as session:
            header = _header(session, person, checkin)
            channel = store.digest(session, team=person.team, period_key=key).channel
        sent = delivery.send_once(
            services,
            person=person,
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
    deadline = time.monotonic() + HEADER_WAIT
    while True:
        with services.session() as session:
            row = store.digest(session, team=person.team, period_key=key)
            if row is not None and row.ts:
                return row.ts
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)
