"""SQLModel tables. Alembic migrations (storage/migrations) are the only source of the schema."""

from datetime import date, datetime
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
    one_on_one = "one_on_one"


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
    # No prompts or reminders through this day (in the person's own time zone).
    paused_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


DM_KINDS = "slack_channel IS NOT NULL AND slack_ts IS NOT NULL AND kind IN ('message', 'manager_reply')"


class FileEntry(SQLModel, table=True):
    """One entry of a person's performance file: an append-only log, read in (created_at, id) order."""

    __tablename__ = "file_entries"
    __table_args__ = (
        sa.Index("ix_file_entries_person_created", "person_id", "created_at", "id"),
        # A DM enters a file once, however often its job runs (migration 0009).
        sa.Index(
            "uq_file_entries_slack_message",
            "slack_channel",
            "slack_ts",
            unique=True,
            sqlite_where=sa.text(DM_KINDS),
            postgresql_where=sa.text(DM_KINDS),
        ),
    )

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
    # For the person's eyes only (feedback its giver kept from the manager): hidden from any other reader.
    private: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )


class ProcessedEvent(SQLModel, table=True):
    """Event ids already handled: Slack retries an event, possibly to another instance."""

    __tablename__ = "processed_events"

    event_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class TeamCadence(SQLModel, table=True):
    """A team's check-in rhythm; teams without a row use the default (weekly, Friday 10:00)."""

    __tablename__ = "team_cadences"

    team: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    frequency: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    weekday: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    at_minute: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))  # minutes after local midnight
    first_reminder_hours: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    last_reminder_hours: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    updated_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class CheckinStatus(StrEnum):
    prompted = "prompted"
    submitted = "submitted"
    skipped = "skipped"


class CheckinTemplate(SQLModel, table=True):
    """One version of a check-in template: rows are never changed, an edit adds the next version, so a
    check-in keeps the exact questions it answered."""

    __tablename__ = "checkin_templates"
    __table_args__ = (sa.UniqueConstraint("slug", "version", name="uq_checkin_templates_slug_version"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    questions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONData, nullable=False)
    )
    archived: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class TeamTemplate(SQLModel, table=True):
    """The template a team's check-ins ask (by slug: its latest version); teams without a row ask the
    weekly one."""

    __tablename__ = "team_templates"

    team: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    slug: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    # The manager's own questions (up to 3), asked after the template's.
    extra: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONData, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class TeamChannel(SQLModel, table=True):
    """Where a team's check-in digest goes: one message a period, each person's team answers in its thread."""

    __tablename__ = "team_channels"

    team: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class TeamDigest(SQLModel, table=True):
    """A team's digest message of one period: the first answer elects who posts it (through the ledger)."""

    __tablename__ = "team_digests"
    __table_args__ = (sa.UniqueConstraint("team", "period_key", name="uq_team_digests_team_period"),)

    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    period_key: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    # whose ledger row (kind digest) posts the message: any later process posts it there if its elector died
    poster_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )


class AnonymousAnswer(SQLModel, table=True):
    """An answer to an anonymous question: kept apart from the check-in and the file, with nothing naming
    who gave it (no person, no time). Only counts and averages of MIN_ANONYMOUS or more are ever shown."""

    __tablename__ = "anonymous_answers"
    __table_args__ = (sa.Index("ix_anonymous_answers_team_period", "team", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    period_key: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    template_id: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    question_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    value: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))


class Checkin(SQLModel, table=True):
    """One person's check-in for one period, and where it lives in Slack."""

    __tablename__ = "checkins"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "period_key", name="uq_checkins_person_period"),
        sa.Index("ix_checkins_prompt", "prompt_channel", "prompt_ts"),
        sa.Index("ix_checkins_manager_thread", "manager_channel", "manager_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False))
    period_key: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    opens_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    closes_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    status: str = Field(
        default=CheckinStatus.prompted.value, sa_column=sa.Column(sa.String(16), nullable=False)
    )
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONData, nullable=False))
    mood: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    prompt_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    prompt_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    manager_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    manager_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    # The manager the check-in went to: after a reorg, nothing more reaches them.
    manager_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("people.id", name="fk_checkins_manager_id_people"), nullable=True
        ),
    )
    submitted_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    edited_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    manager_replied_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    # The template version it asks (checkin_templates.id; versions are never deleted, so no foreign key to
    # classify for erasure). NULL only before migration 0012 filled it.
    template_id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))


class SendKind(StrEnum):
    prompt = "prompt"
    first_reminder = "first_reminder"
    last_reminder = "last_reminder"
    digest = "digest"  # a team's digest message of the period, in its channel
    digest_reply = "digest_reply"  # a person's team answers, in the digest's thread
    digest_problem = "digest_problem"  # a team's managers told its digest channel is gone (key: the channel)
    dm_filed = "dm_filed"  # "kept in your file", once per DM outside a check-in thread (key: its entry)


class Send(SQLModel, table=True):
    """The ledger: one row per person, period and kind of message, claimed before it is sent."""

    __tablename__ = "sends"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "period_key", "kind", name="uq_sends_person_period_kind"),
        sa.Index("ix_sends_kind_period_state", "kind", "period_key", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False))
    period_key: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    state: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # claimed, sent, failed, cancelled
    claimed_by: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    claimed_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    attempts: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False, server_default="1"))
    channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))


class Holiday(SQLModel, table=True):
    __tablename__ = "holidays"

    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True))
    name: str = Field(default="", sa_column=sa.Column(sa.String(200), nullable=False, server_default=""))


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler: APScheduler's job store must never be shared by two."""

    __tablename__ = "scheduler_leases"

    name: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    holder: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


# APScheduler's job store table, made by our migrations (the job store only creates it when missing).
apscheduler_jobs = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)


class Visibility(StrEnum):
    recipient_and_manager = "recipient_and_manager"
    recipient_only = "recipient_only"


class Feedback(SQLModel, table=True):
    """Feedback or praise from one colleague about another."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    # NULL once the giver is erased (`checkins file delete`): the feedback stays its recipient's.
    giver_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True)
    )
    recipient_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True)
    )
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    praise: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    visibility: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    request_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("feedback_requests.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class FeedbackRequest(SQLModel, table=True):
    """One colleague asked for feedback about someone: by that person, or by their manager."""

    __tablename__ = "feedback_requests"

    id: int | None = Field(default=None, primary_key=True)
    # NULL once the requester is erased: a manager's request about a report stays the report's.
    requester_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    subject_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False))
    asked_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


class AppSetting(SQLModel, table=True):
    """Workspace-wide settings an admin changes from Slack (e.g. the praise channel)."""

    __tablename__ = "app_settings"

    key: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    value: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))


class GoalLevel(StrEnum):
    company = "company"
    team = "team"
    person = "person"


class GoalKind(StrEnum):
    result = "result"  # a KPI: metric, baseline, target, current value
    objective = "objective"  # an OKR objective, with up to 5 key results
    process = "process"
    growth = "growth"


class GoalStatus(StrEnum):
    draft = "draft"
    pending = "pending"  # proposed, not yet agreed
    active = "active"
    at_risk = "at_risk"
    done = "done"
    dropped = "dropped"


class Goal(SQLModel, table=True):
    """A goal as agreed (or, before the first agreement, as proposed). Proposals hold the changes."""

    __tablename__ = "goals"

    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(default=GoalLevel.person.value, sa_column=sa.Column(sa.String(16), nullable=False))
    person_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True)
    )
    team: str = Field(default="", sa_column=sa.Column(sa.String(100), nullable=False, server_default=""))
    title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    metric: str = Field(default="", sa_column=sa.Column(sa.String(100), nullable=False, server_default=""))
    baseline: float | None = Field(default=None, sa_column=sa.Column(sa.Float, nullable=True))
    target: float | None = Field(default=None, sa_column=sa.Column(sa.Float, nullable=True))
    current: float | None = Field(default=None, sa_column=sa.Column(sa.Float, nullable=True))
    weight: int = Field(default=10, sa_column=sa.Column(sa.Integer, nullable=False, server_default="10"))
    period: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # 2026, 2026-Q4, 2026-11
    starts_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    due_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    parent_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("goals.id"), nullable=True, index=True)
    )
    # Progress from 0 to 1, kept so a parent rolls up its children's in the same transaction.
    progress: float = Field(default=0.0, sa_column=sa.Column(sa.Float, nullable=False, server_default="0"))
    # True: progress is computed from the children, weighted; False: entered by the owner.
    rollup: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    # True: the owner set the status; else it follows progress against the time elapsed.
    status_by_hand: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    status: str = Field(default=GoalStatus.draft.value, sa_column=sa.Column(sa.String(16), nullable=False))
    # Bumped by every agreement: a proposal made against an older version is stale.
    version: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    created_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class KeyResult(SQLModel, table=True):
    __tablename__ = "key_results"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("goals.id"), nullable=False, index=True)
    )
    position: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    baseline: float = Field(default=0.0, sa_column=sa.Column(sa.Float, nullable=False, server_default="0"))
    target: float = Field(sa_column=sa.Column(sa.Float, nullable=False))
    current: float = Field(default=0.0, sa_column=sa.Column(sa.Float, nullable=False, server_default="0"))


class ProposalStatus(StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    superseded = "superseded"


class GoalProposal(SQLModel, table=True):
    """A new goal, a change to an agreed one, or dropping it: in force only once the other side agrees."""

    __tablename__ = "goal_proposals"
    __table_args__ = (sa.Index("ix_goal_proposals_goal_status", "goal_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("goals.id"), nullable=False))
    proposer_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    action: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # new, change, drop
    base_version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    terms: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONData, nullable=False))
    previous: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONData, nullable=False))
    status: str = Field(default=ProposalStatus.open.value, sa_column=sa.Column(sa.String(24), nullable=False))
    comment: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    decided_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    decided_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    # The DM that asked for a decision, updated once it is made.
    notice_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    notice_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class ReviewStatus(StrEnum):
    invited = "invited"  # waiting for the person's self-assessment
    self_assessed = "self_assessed"  # waiting for the manager's assessment
    assessed = "assessed"  # the diagnosis and plan wait for the person's agreement
    revising = "revising"  # the person asked the manager to revise them
    agreed = "agreed"


class Review(SQLModel, table=True):
    """One person's end-of-cycle review: their self-assessment, their manager's, and the plan both agreed."""

    __tablename__ = "reviews"
    __table_args__ = (sa.UniqueConstraint("person_id", "cycle", name="uq_reviews_person_cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False))
    # The manager at the time (set again when the self-assessment goes to them); NULL once erased.
    manager_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("people.id", name="fk_reviews_manager_id_people"), nullable=True
        ),
    )
    cycle: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # a quarter: 2026-Q4
    status: str = Field(
        default=ReviewStatus.invited.value, sa_column=sa.Column(sa.String(16), nullable=False)
    )
    # Bumped by every assessment the manager sends: an answer to an older one is stale.
    version: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    self_assessment: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONData, nullable=False)
    )
    manager_assessment: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(JSONData, nullable=False)
    )
    diagnosis: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    plan: list[str] = Field(default_factory=list, sa_column=sa.Column(JSONData, nullable=False))
    # What the person asked to revise, last time they did.
    revision_comment: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    # The draft goals the agreed plan became.
    draft_goal_ids: list[int] = Field(default_factory=list, sa_column=sa.Column(JSONData, nullable=False))
    # The manager's DM asking for their assessment, and the person's DM asking for agreement.
    manager_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    manager_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    plan_channel: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    plan_ts: str | None = Field(default=None, sa_column=sa.Column(sa.String(32), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    self_assessed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    assessed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    agreed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


# --- 1:1s (domain/one_on_ones) ----------------------------------------------------------------------------


class OneOnOneSeries(SQLModel, table=True):
    """A manager's regular 1:1 with a report: only its rhythm (no calendar); ended by a manager change."""

    __tablename__ = "one_on_one_series"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    # NULL once the manager is erased: the series (and the report's agenda) stays the report's.
    manager_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True, index=True)
    )
    report_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True)
    )
    created_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    frequency: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # weekly, biweekly, monthly
    weekday: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))  # 0 = Monday
    at_minute: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))  # after local midnight
    timezone: str = Field(
        sa_column=sa.Column(sa.String(64), nullable=False)
    )  # whose local time: the setter's
    starts_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))  # the first meeting's local day
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    end_reason: str = Field(default="", sa_column=sa.Column(sa.String(32), nullable=False, server_default=""))


class OneOnOnePoint(SQLModel, table=True):
    """A talking point on a series' shared agenda: it carries over until marked discussed."""

    __tablename__ = "one_on_one_points"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("one_on_one_series.id"), nullable=False, index=True)
    )
    author_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    source: str = Field(default="command", sa_column=sa.Column(sa.String(16), nullable=False))
    # A suggestion accepted (or dismissed: a point born discussed) is not suggested again.
    suggestion_key: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    discussed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
    discussed_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )


class OneOnOneAction(SQLModel, table=True):
    """An action item agreed in a 1:1: an owner (either side) and a due date, open until done."""

    __tablename__ = "one_on_one_actions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("one_on_one_series.id"), nullable=False, index=True)
    )
    owner_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    created_by_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    due_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


class OneOnOnePrivateNote(SQLModel, table=True):
    """A note only its author ever reads: kept apart from the performance file, so no file read, HR look
    or export can reach it."""

    __tablename__ = "one_on_one_private_notes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("one_on_one_series.id"), nullable=False, index=True)
    )
    author_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True)
    )
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime, nullable=False))


class HomeView(SQLModel, table=True):
    """What a person's Home tab shows: whose file, which page, and which render of it Slack has. A row
    exists once they opened Home (Slack shows Home only to those who did): only they get refreshes."""

    __tablename__ = "home_views"

    person_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), primary_key=True))
    # NULL: their own file, with the to-do list. Someone else's is a manager's or an HR admin's look.
    subject_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.Integer, sa.ForeignKey("people.id"), nullable=True)
    )
    page: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    as_of: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))
    # The app's own words when the file asked for cannot be shown (someone not in checkins): no names.
    refusal: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), nullable=True))
    # Slack's time of the request that chose what is shown (µs): an older request, run late, changes nothing.
    chosen_at: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))
    wanted: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    published: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    # One publisher at a time per person, so renders reach Slack in the order they were made.
    publishing_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))
