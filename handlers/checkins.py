"""Check-ins: `/checkins` (and its subcommands), the check-in modal, the manager's reply, the team's settings,
and what people write to the app in their DM (the conversation around a check-in)."""

import re
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond

from domain.checkins import conversation, digest, flows, holidays, periods, service, settings, templates
from domain.core import delivery
from domain.core.clock import utcnow
from domain.core.services import Services
from domain.reviews import completion as review_completion
from handlers import one_on_ones, performance_file, summaries
from handlers.listeners import answer_submission, input_values, int_or_none, notice, open_modal, refusals_told
from message_templates.ids import ActionId, CallbackId
from message_templates.render import render_message, render_view

PAUSE = re.compile(r"^pause\s+(?:until\s+)?(\S+)$")
HOLIDAY = re.compile(r"^holiday\s+(add|remove)\s+(\S+)\s*(.*)$", re.IGNORECASE)
HELP = (
    "`/checkins` your check-in and how you are set up · `/checkins now` answer now, or early for the next "
    "period · `/checkins skip` skip this period's check-in · "
    "`/checkins pause until YYYY-MM-DD` · `/checkins resume` · "
    "`/checkins settings [TEAM]` (managers, HR admins) · "
    "`/checkins channel #channel [TEAM]` where a team's digest goes (managers, HR admins) · "
    "`/checkins templates`, "
    "`/checkins template new NAME|copy SLUG [NAME]|edit SLUG|archive SLUG` (HR admins) · "
    "`/checkins holidays`, `/checkins holiday add|remove YYYY-MM-DD [NAME]` (HR admins) · "
    "`/checkins summary channel #channel` where each team's figures go (HR admins) · "
    "`/checkins reviews [2026-Q4]` each team's review completion (HR admins) · "
    "`/checkins export [@person] [md|json|csv|html]` your file (managers: a report's) as a file in your DM; "
    "`/checkins export team NAME [FORMAT]` a team's files in a zip (HR admins) · "
    "`/checkins 1on1 help` 1:1s: their rhythm, the agenda both sides keep, notes and action items"
)


def register(app: App) -> None:
    app.command("/checkins")(checkins_command)
    app.action(ActionId.checkin_open)(open_checkin)
    app.action(ActionId.checkin_reply)(open_reply)
    app.view(CallbackId.checkin_submit)(submit_checkin)
    app.view(CallbackId.checkin_reply_submit)(submit_reply)
    app.view(CallbackId.checkins_settings_submit)(submit_settings)
    app.view(CallbackId.checkin_template_submit)(submit_template)
    app.event({"type": "message", "channel_type": "im"})(direct_message)


def checkins_command(ack: Ack, command: dict[str, Any], respond: Respond, services: Services) -> None:
    ack()
    user_id = command["user_id"]
    words = command.get("text", "").split()
    text = " ".join(words).lower()
    argument = " ".join(words[1:])  # as typed: team names keep their case
    now = utcnow()
    if words and words[0].lower() == "export":
        performance_file.export(services, user_id, argument, respond, now)
        return
    if words and words[0].lower() == "1on1":
        one_on_ones.command(services, command, command.get("text", "").strip()[4:], respond, now)
        return
    if text == "now":
        _open_early(services, command, respond)
        return
    with refusals_told(respond), services.session() as session:
        if text in ("", "status", "help"):
            overview = service.overview(session, slack_user_id=user_id, now=now)
            respond(render_message("checkins/status.json.j2", overview=overview))
            return
        if words and text.split()[0] == "settings":
            form = settings.form(session, slack_user_id=user_id, team=argument or None)
            services.gateway.open_view(
                command["trigger_id"], render_view("checkins/settings_modal.json.j2", form=form)
            )
            return
        if words and words[0].lower() == "template" and len(words) > 1 and words[1].lower() != "archive":
            form = templates.form(
                session,
                slack_user_id=user_id,
                action=words[1].lower(),
                slug=words[2].lower() if len(words) > 2 and words[1].lower() != "new" else "",
                name=" ".join(words[2:] if words[1].lower() == "new" else words[3:]),
            )
            services.gateway.open_view(
                command["trigger_id"], render_view("checkins/template_modal.json.j2", form=form)
            )
            return
        if text == "skip":
            label = service.skip(session, slack_user_id=user_id, now=now)
            answer = f"Skipped your check-in of {label}. See you next time."
        elif text in ("pause", "pause until"):
            example = now.date() + timedelta(days=14)
            answer = f"Pause until when? Give the day you are back, e.g. `/checkins pause {example}`."
        elif match := PAUSE.match(text):
            until = _date(match.group(1))
            if until is None:
                answer = f"I could not read {match.group(1)!r} as a date: write it as YYYY-MM-DD."
            else:
                service.pause(session, slack_user_id=user_id, until=until, now=now)
                answer = f"Check-ins paused until {until:%A %-d %B %Y}. `/checkins resume` ends the pause."
        elif text == "holidays":
            days = holidays.upcoming(session, today=now.date())
            listed = ", ".join(f"{h.day} {h.name}".strip() for h in days) or "none"
            answer = f"Upcoming company holidays: {listed}."
        elif match := HOLIDAY.match(" ".join(words)):
            answer = _holiday(session, user_id, match.group(1).lower(), match.group(2), match.group(3))
        elif text == "templates":
            answer = templates.listing(session, slack_user_id=user_id)
        elif len(words) == 3 and text.startswith("template archive"):
            answer = templates.archive(session, slack_user_id=user_id, slug=words[2].lower(), now=now)
        elif words and words[0].lower() == "channel":
            team, channel, previous = digest.choose_channel(
                session, services.gateway, slack_user_id=user_id, text=argument, now=now
            )
            session.commit()
            answer = digest.welcome(services, team=team, channel=channel, previous=previous)
        elif text.startswith("summary channel"):
            answer = summaries.choose_hr_channel(session, services.gateway, user_id, argument)
        elif words and words[0].lower() == "reviews":
            answer = review_completion.completion(session, slack_user_id=user_id, cycle=argument or None)
        elif text == "resume":
            resumed = service.resume(session, slack_user_id=user_id)
            answer = "Check-ins resumed." if resumed else "Your check-ins were not paused."
        else:
            answer = f"I don't know `/checkins {text}`. {HELP}"
        session.commit()  # stored before the person reads that it is
        respond(notice(answer))


def _open_early(services: Services, command: dict[str, Any], respond: Respond) -> None:
    def build(session) -> dict:
        user_id, now = command["user_id"], utcnow()
        checkin_id = service.early(session, slack_user_id=user_id, now=now)
        form = service.form(session, slack_user_id=user_id, checkin_id=checkin_id, now=now)
        return render_view("checkins/modal.json.j2", form=form)

    open_modal(services, command["trigger_id"], respond, build)


def _holiday(session, user_id: str, action: str, day_text: str, name: str) -> str:
    day = _date(day_text)
    if day is None:
        return f"I could not read {day_text!r} as a date: write it as YYYY-MM-DD."
    if action == "add":
        added = holidays.add(session, slack_user_id=user_id, day=day, name=name)
        if added.verb == "renamed":
            return f"Company holiday on {day} renamed from {added.before} to {added.after}."
        return f"Company holiday on {day} {added.verb}: no check-in prompts or reminders that day."
    removed = holidays.remove(session, slack_user_id=user_id, day=day)
    return f"Holiday on {day} removed." if removed else f"There is no holiday on {day}."


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def open_checkin(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()

    def build(session) -> dict:
        form = service.form(
            session,
            slack_user_id=body["user"]["id"],
            checkin_id=int_or_none(action.get("value")),
            now=utcnow(),
        )
        return render_view("checkins/modal.json.j2", form=form)

    open_modal(services, body["trigger_id"], respond, build)


def submit_checkin(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    def run(session):
        return service.submit(
            session,
            slack_user_id=body["user"]["id"],
            checkin_id=int_or_none(view.get("private_metadata")) or 0,
            answers=input_values(view),
            now=utcnow(),
        )

    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]
    result = answer_submission(ack, services, run=run, refusal_block=inputs[0] if inputs else "progress")
    if result is not None:
        flows.share_with_manager(services, checkin_id=result.checkin_id)
        digest.share_with_team(services, checkin_id=result.checkin_id, now=utcnow())


def open_reply(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()

    def build(session) -> dict:
        checkin, person = conversation.reply_context(
            session, slack_user_id=body["user"]["id"], checkin_id=int_or_none(action.get("value")) or 0
        )
        label = periods.period_label(checkin, person)
        return render_view("checkins/reply_modal.json.j2", checkin=checkin, person=person, label=label)

    open_modal(services, body["trigger_id"], respond, build)


def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    def run(session):
        return conversation.reply(
            session,
            slack_user_id=body["user"]["id"],
            checkin_id=int_or_none(view.get("private_metadata")) or 0,
            text=input_values(view).get("reply", ""),
            now=utcnow(),
        )

    result = answer_submission(ack, services, run=run, refusal_block="reply")
    if result is not None:
        delivery.deliver(services, result)


def submit_settings(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    def run(session):
        return settings.save(
            session,
            slack_user_id=body["user"]["id"],
            values={**input_values(view), "team": view.get("private_metadata", "")},
            now=utcnow(),
        )

    answer_submission(ack, services, run=run, refusal_block="team")


def submit_template(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    def run(session):
        values = input_values(view)
        return templates.save(
            session,
            slack_user_id=body["user"]["id"],
            slug=view.get("private_metadata", ""),
            name=values.get("name", ""),
            text=values.get("questions", ""),
            now=utcnow(),
        )

    answer_submission(ack, services, run=run, refusal_block="questions", done_title="Template saved")


def direct_message(event: dict[str, Any], services: Services) -> None:
    # The bot's own posts and edits come back as events too.
    if event.get("bot_id") or event.get("subtype"):
        return
    with services.session() as session:
        outcome = conversation.on_direct_message(
            session,
            slack_user_id=event["user"],
            text=event.get("text") or "",
            channel=event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts"),
            now=utcnow(),
        )
    delivery.deliver(services, outcome)
    if isinstance(outcome, conversation.Filed):
        conversation.tell_filed(services, outcome, now=utcnow())
