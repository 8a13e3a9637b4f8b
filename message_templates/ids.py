"""Action and callback ids: the contract between what templates render and what handlers listen for."""

from enum import StrEnum


class ActionId(StrEnum):
    home_file_page = "home_file_page"
    home_file_switch = "home_file_switch"
    checkin_open = "checkin_open"
    checkin_reply = "checkin_reply"
    feedback_give = "feedback_give"
    goal_new = "goal_new"
    goal_edit = "goal_edit"
    goal_drop = "goal_drop"
    goal_progress = "goal_progress"
    goal_approve = "goal_approve"
    goal_reject = "goal_reject"
    goal_changes = "goal_changes"
    goal_accept = "goal_accept"
    goal_counter = "goal_counter"
    goal_kind = "goal_kind"
    goal_period = "goal_period"
    goal_add_kr = "goal_add_kr"
    goal_parent = "goal_parent"
    goal_progress_mode = "goal_progress_mode"  # entered by hand or rolled up: reshapes the progress modal
    goal_breakdown = "goal_breakdown"
    goal_tree_page = "goal_tree_page"  # + _prev / _next: two buttons in one block need two ids
    goal_tree_png = "goal_tree_png"
    goal_menu = "goal_menu"  # a shared goal's overflow: update progress, break down
    review_self_open = "review_self_open"
    review_assess_open = "review_assess_open"
    review_agree = "review_agree"
    review_revise = "review_revise"
    one_on_one_add = "one_on_one_add"
    one_on_one_discussed = "one_on_one_discussed"
    one_on_one_done = "one_on_one_done"
    one_on_one_accept = "one_on_one_accept"
    one_on_one_dismiss = "one_on_one_dismiss"


class CallbackId(StrEnum):
    checkin_submit = "checkin_submit"
    checkin_reply_submit = "checkin_reply_submit"
    checkins_settings_submit = "checkins_settings_submit"
    checkin_template_submit = "checkin_template_submit"
    feedback_submit = "feedback_submit"
    goal_submit = "goal_submit"
    goal_progress_submit = "goal_progress_submit"
    goal_decision_submit = "goal_decision_submit"
    review_self_submit = "review_self_submit"
    review_assess_submit = "review_assess_submit"
    review_revise_submit = "review_revise_submit"
    one_on_one_add_submit = "one_on_one_add_submit"
    one_on_one_shortcut = "one_on_one_add_to_agenda"  # the message shortcut "Add to 1:1" (app_manifest.yml)
