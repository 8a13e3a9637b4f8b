"""Goals: `/goals`, the goal buttons (new, edit, counter, progress, decisions, drop) and the goal modals.
Which modal opens comes from the button pressed; who may, from who pressed it."""

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from domain.core import directory
from domain.core.clock import utcnow
from domain.core.refusals import Refusal
from domain.core.services import Services
from domain.core.slack import SlackError
from domain.goals import decisions, flows, modal, proposals, reading, tracking
from domain.goals import export as goal_export
from domain.goals import tree as goal_tree
from domain.goals.errors import GoalError
from domain.goals.outcome import Outcome
from handlers.listeners import (
    act,
    answer_submission,
    input_values,
    int_or_none,
    notice,
    open_modal,
    refusals_told,
    tell,
)
from message_templates.ids import ActionId, CallbackId
from message_templates.render import render_message, render_view

HELP = (
    "`/goals` your goals, with progress and buttons to update them · `/goals new` propose a goal to your "
    "manager · `/goals @report` a report's goals (managers, HR admins) · `/goals new @report` propose a goal "
    "to a report · `/goals new team` (managers), `/goals new company` (HR admins): goals others align to. "
    "`/goals tree [company | team NAME | @person]` the goals aligned, with progress and owners. "
    "New goals and changes to agreed ones count once the other side agrees; progress needs no approval."
)
DECISIONS = {ActionId.goal_approve, ActionId.goal_reject, ActionId.goal_changes, ActionId.goal_accept}
# Where a refusal shows in each goal modal (a block each has), and the title of its done view.
MODALS = {
    CallbackId.goal_submit: ("title", "Goal"),
    CallbackId.goal_progress_submit: ("status", "Goal progress"),
    CallbackId.goal_decision_submit: ("comment", "Goal"),
}


# Choices inside the goal modal that reshape it (views.update), by what they change.
MODAL_CHOICES = {
    ActionId.goal_kind: "kind",
    ActionId.goal_period: "period",
    ActionId.goal_parent: "parent",
    ActionId.goal_add_kr: "add_kr",
}


def register(app: App) -> None:
    app.command("/goals")(goals_command)
    for action_id in (
        ActionId.goal_new,
        ActionId.goal_edit,
        ActionId.goal_counter,
        ActionId.goal_progress,
        ActionId.goal_breakdown,
        ActionId.goal_menu,
    ):
        app.action(action_id)(open_goal_modal)
    for action_id in DECISIONS:
        app.action(action_id)(open_goal_modal)
    app.action(ActionId.goal_drop)(drop_goal)
    app.action(re.compile(f"^{ActionId.goal_tree_page}"))(turn_tree_page)
    app.action(ActionId.goal_tree_png)(send_tree_png)
    for action_id in MODAL_CHOICES:
        app.action(action_id)(reshape_goal_modal)
    app.action(ActionId.goal_progress_mode)(reshape_progress_modal)
    for callback_id in MODALS:
        app.view(callback_id)(submit_goal_modal)


def goals_command(ack: Ack, command: dict[str, Any], respond: Respond, services: Services) -> None:
    ack()
    user_id, text = command["user_id"], command.get("text", "").strip()
    words = text.lower().split()
    whom = next(iter(directory.mentioned(text)), None)
    today = utcnow().date()
    view = message = None
    with refusals_told(respond):
        with services.session() as session:
            if words[:1] == ["tree"]:
                rest = text.split(maxsplit=1)[1] if len(words) > 1 else ""
                scope, name = ("person", whom) if whom else goal_tree.read_scope(rest)
                message = tree_page(session, user_id, scope, name, 0)
            elif words[:1] == ["new"]:
                level = words[1] if words[1:2] in (["team"], ["company"]) else "person"
                form = modal.form(
                    session,
                    actor_slack_id=user_id,
                    today=today,
                    person_slack_id=whom,
                    level=level,
                )
                view = render_view("goals/modal.json.j2", form=form)
            elif words[:1] != ["help"] and (not words or whom):
                overview = reading.overview(
                    session, viewer_slack_id=user_id, person_slack_id=whom, today=today
                )
                message = render_message("goals/list.json.j2", overview=overview)
            else:
                known = words[:1] == ["help"]
                message = notice(HELP if known else f"I don't know `/goals {text}`. {HELP}")
        if view is not None:
            services.gateway.open_view(command["trigger_id"], view)
        else:
            respond(message)


def open_goal_modal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    user_id, action_id = body["user"]["id"], ActionId(action["action_id"])
    value = action.get("value") or ""
    if action_id == ActionId.goal_menu:  # a shared goal's overflow: "progress:<id>" or "breakdown:<id>"
        chosen, _, value = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        action_id = ActionId.goal_progress if chosen == "progress" else ActionId.goal_breakdown
    number = int_or_none(value) or 0

    def build(session) -> dict:
        if action_id == ActionId.goal_progress:
            form = tracking.progress_form(session, actor_slack_id=user_id, goal_id=number)
            return render_view("goals/progress_modal.json.j2", form=form)
        if action_id in DECISIONS:
            decision = action_id.removeprefix("goal_")
            form = decisions.decision_form(
                session, actor_slack_id=user_id, proposal_id=number, decision=decision
            )
            return render_view("goals/decision_modal.json.j2", form=form)
        target = {
            ActionId.goal_new: {"person_slack_id": value or None},
            ActionId.goal_edit: {"goal_id": number},
            ActionId.goal_counter: {"counter_proposal_id": number},
            ActionId.goal_breakdown: {"parent_id": number},
        }[action_id]
        form = modal.form(session, actor_slack_id=user_id, today=utcnow().date(), **target)
        return render_view("goals/modal.json.j2", form=form)

    open_modal(services, body["trigger_id"], respond, build)


def reshape_goal_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services) -> None:
    """A kind or period chosen, a key result added: the same modal with that kind's fields, what was typed
    kept."""
    ack()
    view = body["view"]

    def build(session) -> dict:
        form = modal.refresh(
            session,
            actor_slack_id=body["user"]["id"],
            metadata=view.get("private_metadata", ""),
            values=input_values(view),
            today=utcnow().date(),
            changed=MODAL_CHOICES[ActionId(action["action_id"])],
        )
        return render_view("goals/modal.json.j2", form=form)

    _reshape(services, view, "Goal", build)


def reshape_progress_modal(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """Progress entered by hand or computed from the goals aligned to it: the input shows only for the
    first, what was typed kept."""
    ack()
    view = body["view"]

    def build(session) -> dict:
        goal_id = int_or_none(view.get("private_metadata")) or 0
        form = tracking.progress_form(
            session, actor_slack_id=body["user"]["id"], goal_id=goal_id, typed=input_values(view)
        )
        return render_view("goals/progress_modal.json.j2", form=form)

    _reshape(services, view, "Goal progress", build)


def _reshape(services: Services, view: dict[str, Any], title: str, build) -> None:
    """The open modal replaced (views.update) by what `build` renders; a refusal (the goal dropped since,
    say) replaces it with what happened."""
    try:
        with services.session() as session:
            updated = build(session)
    except Refusal as refusal:
        updated = render_view("shared/modal_done.json.j2", title=title, notice=str(refusal))
    services.gateway.update_view(view["id"], updated, hash=view.get("hash"))


def tree_page(session, user_id: str, scope: str, name: str, page: int) -> dict:
    tree = goal_tree.build(session, viewer_slack_id=user_id, scope=scope, name=name, today=utcnow().date())
    page = min(max(page, 0), tree.pages - 1)
    return render_message(
        "goals/tree.json.j2", tree=tree, page=page, lines_a_section=goal_tree.LINES_A_SECTION
    )


def turn_tree_page(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    """Previous / next: the page replaces the one clicked. Built again, so what it shows is current."""
    ack()
    scope, _, rest = str(action.get("value") or "").partition(":")
    page, _, name = rest.partition(":")
    with refusals_told(respond):
        if scope not in goal_tree.SCOPES:
            raise GoalError("That page could not be read.")
        with services.session() as session:
            message = tree_page(session, body["user"]["id"], scope, name, int_or_none(page) or 0)
        respond({**message, "response_type": "ephemeral", "replace_original": True})


def send_tree_png(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    """The tree the person sees, as a PNG in their DM: what they may see, nothing more."""
    ack()
    scope, _, rest = str(action.get("value") or "").partition(":")
    name = rest.partition(":")[2]
    user_id = body["user"]["id"]
    with refusals_told(respond):
        if scope not in goal_tree.SCOPES:
            raise GoalError("That tree could not be read.")
        with services.session() as session:
            tree = goal_tree.build(
                session, viewer_slack_id=user_id, scope=scope, name=name, today=utcnow().date()
            )
            content = goal_export.to_png(tree)
        comment = notice(f"{tree.title}: goal tree, {len(tree.nodes)} goals.")
        try:
            services.gateway.upload_to_dm(
                user_id,
                filename="goal-tree.png",
                content=content,
                title=f"{tree.title}: goal tree",
                message=comment,
            )
        except SlackError as err:
            respond(notice(f"The image could not be sent: {err}."))
            return
        tell(respond, notice("The goal tree is in your DM with me, as an image."))


def drop_goal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, services: Services
) -> None:
    ack()
    user_id, goal_id = body["user"]["id"], int_or_none(action.get("value")) or 0

    def run(session) -> Outcome:
        return proposals.propose_drop(session, actor_slack_id=user_id, goal_id=goal_id, now=utcnow())

    act(services, respond, run=run, deliver=flows.deliver)


def submit_goal_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    callback = CallbackId(view["callback_id"])
    refusal_block, title = MODALS[callback]
    user_id, values, metadata = body["user"]["id"], input_values(view), view.get("private_metadata", "")

    def run(session) -> Outcome:
        now = utcnow()
        if callback == CallbackId.goal_submit:
            return proposals.save(session, actor_slack_id=user_id, metadata=metadata, values=values, now=now)
        if callback == CallbackId.goal_progress_submit:
            goal_id = int_or_none(metadata) or 0
            return tracking.update_progress(
                session, actor_slack_id=user_id, goal_id=goal_id, values=values, now=now
            )
        comment = values.get("comment", "")
        return decisions.decide(session, actor_slack_id=user_id, metadata=metadata, comment=comment, now=now)

    outcome = answer_submission(ack, services, run=run, refusal_block=refusal_block, done_title=title)
    if outcome is not None:
        flows.deliver(services, outcome)
