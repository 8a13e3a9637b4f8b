"""Workspace-wide settings an HR admin changes from Slack (the praise channel, the HR summary channel)."""

from sqlmodel import Session

from storage.models import AppSetting


def setting(session: Session, *, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row else None


def set_setting(session: Session, *, key: str, value: str) -> None:
    session.merge(AppSetting(key=key, value=value))
