"""SQLModel tables. Alembic migrations (storage/migrations) are the only source of the schema."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import JSONData, UTCDateTime, utcnow


class Role(StrEnum):
    employee = "employee"
    manager = "manager"
    admin = "admin"


class EntryKind(StrEnum):
    """Kinds of entries in a performance file; later features add theirs."""

    note = "note"
    org_change = "org_change"
    checkin = "checkin"
    checkin_edit = "checkin_edit"
    message = "message"
    manager_reply = "manager_reply"
    goal_proposal = "goal_proposal"
    goal_decision = "goal_decision"
    goal_progress = "goal_progress"
    feedback = "feedback"
    review = "review"
    file_view = "file_view"


class Person(SQLModel, table=True):
    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(sa_column=sa.Column(sa.String(32), unique=True, nullable=False))
    email: str = Field(sa_column=sa.Column(sa.String(320), unique=True, nullable=False))
    name: str = Field(default="", sa_column=sa.Column(sa.String(200), nullable=False, server_default=""))
    timezone: str = Field(default="UTC", sa_column=sa.Column(sa.String(64), nullable=False))
    # Set from the org CSV: `org sync` then keeps it instead of the Slack profile's zone.
    timezone_pinned: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    manager_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True)
    )
    team: str = Field(default="", sa_column=sa.Column(sa.String(100), nullable=False, server_default=""))
    role: Role = Field(
        default=Role.employee,
        sa_column=sa.Column(sa.String(16), nullable=False, server_default=Role.employee.value),
    )
    active: bool = Field(
        default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true())
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class FileEntry(SQLModel, table=True):
    """One entry of a person's performance file: an append-only log, read in (created_at, id) order."""

    __tablename__ = "file_entries"
    __table_args__ = (sa.Index("ix_file_entries_person_created", "person_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False))
    author_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    text: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONData, nullable=False))
    slack_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    slack_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))


class ProcessedEvent(SQLModel, table=True):
    """Event ids already handled: Slack retries an event, possibly to another instance."""

    __tablename__ = "processed_events"

    event_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
