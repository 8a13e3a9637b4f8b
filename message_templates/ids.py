"""Action and callback ids: the contract between what templates render and what handlers listen for."""

from enum import StrEnum


class ActionId(StrEnum):
    home_file_page = "home_file_page"
