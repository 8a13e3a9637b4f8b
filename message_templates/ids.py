"""Action and callback ids: the contract between what templates render and what handlers listen for."""

from enum import StrEnum


class ActionId(StrEnum):
    home_file_page = "home_file_page"
    checkin_open = "checkin_open"
    checkin_reply = "checkin_reply"
    feedback_give = "feedback_give"


class CallbackId(StrEnum):
    checkin_submit = "checkin_submit"
    checkin_reply_submit = "checkin_reply_submit"
    checkins_settings_submit = "checkins_settings_submit"
    feedback_submit = "feedback_submit"
