"""Slash commands: /checkins (and its subcommands), /goals, /feedback."""

import re
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond

from domain import cadence_settings, checkins, feedback, goals, holidays, summaries
from domain.core import channels, delivery
from domain.core.refusals import NotAllowed, NotInOrg
from domain.core.services import Services
from domain.core.slack import SlackError
from domain.file_export import ExportError, for_slack
from message_templates.render import render_message, render_view
from storage.types import utcnow

PAUSE = re.compile(r"^pause\s+(?:until\s+)?(\S+)$")
HOLIDAY = re.compile(r"^holiday\s+(add|remove)\s+(\S+)\s*(.*)$", re.IGNORECASE)
HELP = (
    "`/checkins` your check-in and how you are set up · `/checkins skip` skip this period's check-in · "
    "`/checkins pause until YYYY-MM-DD` · `/checkins resume` · "
    "`/checkins settings [TEAM]` (managers, HR admins) · "
    "`/checkins holidays`, `/checkins holiday add|remove YYYY-MM-DD [NAME]` (HR admins) · "
    "`/checkins summary channel #channel` where each team's figures go (HR admins) · "
    "`/checkins export [@person] [md|json|csv|html]` your file (managers: a report's) as a file in your DM"
)


def register(app: App) -> None:
    app.command("/checkins")(checkins_command)
    app.command("/goals")(goals_command)
    app.command("/feedback")(feedback_command)


def checkins_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    services = context["services"]
    user_id = command["user_id"]
    words = command.get("text", "").split()
    text = " ".join(words).lower()
    argument = " ".join(words[1:])  # as typed: team names keep their case
    now = utcnow()
    if words and words[0].lower() == "export":
        _export(services, user_id, argument, respond, now)
        return
    try:
        with services.session() as session:
            if text in ("", "status", "help"):
                overview = checkins.overview(session, slack_user_id=user_id, now=now)
                respond(render_message("checkins_status.json.j2", overview=overview))
                return
            if words and text.split()[0] == "settings":
                try:
                    view = render_view(
                        "checkins_settings_modal.json.j2",
                        form=cadence_settings.form(session, slack_user_id=user_id, team=argument or None),
                    )
                except NotAllowed as err:
                    respond(render_message("notice.json.j2", message=str(err)))
                    return
                services.gateway.open_view(command["trigger_id"], view)
                return
            if text == "skip":
                label = checkins.skip(session, slack_user_id=user_id, now=now)
                notice = f"Skipped your check-in of {label}. See you next time."
            elif match := PAUSE.match(text):
                until = _date(match.group(1))
                if until is None:
                    notice = f"I could not read {match.group(1)!r} as a date: write it as YYYY-MM-DD."
                else:
                    checkins.pause(session, slack_user_id=user_id, until=until, now=now)
                    notice = (
                        f"Check-ins paused until {until:%A %-d %B %Y}. `/checkins resume` ends the pause."
                    )
            elif text == "holidays":
                days = holidays.upcoming(session, today=now.date())
                listed = ", ".join(f"{h.day} {h.name}".strip() for h in days) or "none"
                notice = f"Upcoming company holidays: {listed}."
            elif match := HOLIDAY.match(" ".join(words)):
                action, day, name = match.group(1).lower(), _date(match.group(2)), match.group(3)
                if day is None:
                    notice = f"I could not read {match.group(2)!r} as a date: write it as YYYY-MM-DD."
                elif action == "add":
                    holidays.add(session, slack_user_id=user_id, day=day, name=name)
                    notice = f"Company holiday on {day} added: no check-in prompts or reminders that day."
                else:
                    removed = holidays.remove(session, slack_user_id=user_id, day=day)
                    notice = f"Holiday on {day} removed." if removed else f"There is no holiday on {day}."
            elif text.startswith("summary channel"):
                channel = summaries.set_hr_channel(session, slack_user_id=user_id, channel_text=argument)
                notice = f"Team figures (no individual answers) now go to <#{channel}> as periods close."
            elif text == "resume":
                resumed = checkins.resume(session, slack_user_id=user_id)
                notice = "Check-ins resumed." if resumed else "Your check-ins were not paused."
            else:
                notice = f"I don't know `/checkins {text}`. {HELP}"
    except NotInOrg:
        respond(render_message("not_in_org.json.j2"))
        return
    except (checkins.CheckinError, channels.ChannelError, NotAllowed) as err:
        notice = str(err)
    respond(render_message("notice.json.j2", message=notice))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _export(services: Services, user_id: str, request: str, respond: Respond, now: datetime) -> None:
    """The file goes to the requester's own DM, whoever's file it is; the domain decides whose it may be."""
    try:
        with services.session() as session:  # the look is recorded even if the upload then fails
            export = for_slack(session, slack_user_id=user_id, request=request, now=now)
            comment = render_message("file_export_ready.json.j2", export=export)
    except NotInOrg:
        respond(render_message("not_in_org.json.j2"))
        return
    except (ExportError, NotAllowed) as err:
        respond(render_message("notice.json.j2", message=str(err)))
        return
    title = f"Performance file of {export.person.name}"
    try:
        services.gateway.upload_to_dm(
            user_id, filename=export.filename, content=export.content, title=title, message=comment
        )
    except SlackError as err:
        respond(render_message("notice.json.j2", message=f"The export could not be sent: {err}."))
        return
    respond(render_message("file_export_ready.json.j2", export=export, sent=True))


GOALS_HELP = (
    "`/goals` your goals, with progress and buttons to update them · `/goals new` propose a goal to your "
    "manager · `/goals @report` a report's goals (managers, HR admins) · `/goals new @report` propose a goal "
    "to a report · `/goals new team` (managers), `/goals new company` (HR admins): goals others align to. "
    "New goals and changes to agreed ones count once the other side agrees; progress needs no approval."
)


def goals_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    services = context["services"]
    user_id, text = command["user_id"], command.get("text", "").strip()
    words = text.lower().split()
    whom = next(iter(feedback.mentioned(text)), None)
    today = utcnow().date()
    try:
        with services.session() as session:
            if words[:1] == ["help"]:
                message = render_message("notice.json.j2", message=GOALS_HELP)
            elif words[:1] == ["new"]:
                level = goals.GoalLevel(words[1]) if words[1:2] in (["team"], ["company"]) else None
                form = goals.form(
                    session,
                    actor_slack_id=user_id,
                    today=today,
                    person_slack_id=whom,
                    level=level or goals.GoalLevel.person,
                )
                services.gateway.open_view(
                    command["trigger_id"], render_view("goal_modal.json.j2", form=form)
                )
                return
            elif not words or whom:
                overview = goals.overview(session, viewer_slack_id=user_id, person_slack_id=whom, today=today)
                message = render_message("goals_list.json.j2", overview=overview)
            else:
                message = render_message(
                    "notice.json.j2", message=f"I don't know `/goals {text}`. {GOALS_HELP}"
                )
    except NotInOrg:
        message = render_message("not_in_org.json.j2")
    except (goals.GoalError, NotAllowed) as err:
        message = render_message("notice.json.j2", message=str(err))
    respond(message)


FEEDBACK_HELP = (
    "`/feedback` what you received and gave · `/feedback @colleague text` give feedback · "
    "`/feedback @colleague` open the form (visibility, praise) · `/feedback request @a @b` ask for feedback "
    "on yourself · `/feedback request @a about @report` (managers) · `/feedback channel #praise` (HR admins)"
)


def feedback_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    services = context["services"]
    user_id, text = command["user_id"], command.get("text", "").strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    now = utcnow()
    posts: list[delivery.Post] = []
    try:
        with services.session() as session:
            if not text:
                recent = feedback.recent(session, slack_user_id=user_id)
                respond(render_message("feedback_recent.json.j2", recent=recent))
                return
            if first == "help":
                notice = FEEDBACK_HELP
            elif first == "channel":
                channel = feedback.set_praise_channel(session, slack_user_id=user_id, channel_text=text)
                notice = f"Praise marked public now also goes to <#{channel}>."
            elif first == "request":
                asked, _, about = text[len(first) :].partition(" about ")
                outcome = feedback.request(
                    session,
                    requester_slack_id=user_id,
                    asked_slack_ids=feedback.mentioned(asked),
                    about_slack_id=next(iter(feedback.mentioned(about)), None),
                    now=now,
                )
                notice, posts = outcome.notice, outcome.posts
            else:
                target = feedback.MENTION.match(text)
                words = text[target.end() :].strip() if target else ""
                if target is None or not words or first == "give":
                    form = feedback.form(
                        session,
                        slack_user_id=user_id,
                        request_id=None,
                        recipient_slack_id=target.group(1) if target else None,
                        text=words,
                    )
                    services.gateway.open_view(
                        command["trigger_id"], render_view("feedback_modal.json.j2", form=form)
                    )
                    return
                outcome = feedback.give(
                    session, giver_slack_id=user_id, recipient_slack_id=target.group(1), text=words, now=now
                )
                notice, posts = " ".join(outcome.errors.values()) or outcome.notice, outcome.posts
    except NotInOrg:
        respond(render_message("not_in_org.json.j2"))
        return
    except (feedback.FeedbackError, NotAllowed) as err:
        respond(render_message("notice.json.j2", message=str(err)))
        return
    respond(render_message("notice.json.j2", message=notice))
    delivery.deliver(services, posts)
