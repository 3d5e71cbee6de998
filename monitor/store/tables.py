"""SQLModel tables. Only ``store.repo`` maps them to and from domain types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, LargeBinary, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.models import AlertKind, DeliveryState, Severity


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; gives back aware datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class SourceState(SQLModel, table=True):
    __tablename__ = "source_state"

    source_id: str = Field(primary_key=True)
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_polled_at: datetime | None = _when()
    last_success_at: datetime | None = _when()
    last_error_at: datetime | None = _when()
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_warning: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    next_poll_at: datetime | None = _when()
    health_alert: str | None = None  # the TroubleKind last reported by an operational alert


class Item(SQLModel, table=True):
    __tablename__ = "item"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(index=True)
    # The source's facts when the item was stored, so history can be re-scored (backtests)
    # even after the source changes or leaves the sources file.
    source_kind: str | None = None
    source_country: str | None = None
    guid: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    author: str | None = None
    language: str | None = None
    site_name: str | None = None
    published_at: datetime = _when(nullable=False, index=True)
    fetched_at: datetime = _when(nullable=False)
    extraction: str
    extraction_error: str | None = Field(default=None, sa_column=Column(Text))
    score: float = 0.0
    severity: str = Severity.LOW
    countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    elections: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ItemKey(SQLModel, table=True):
    """Every identity of an item (canonical URL, guid, title hash); the primary key dedupes."""

    __tablename__ = "item_key"

    key: str = Field(primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    seen_at: datetime = _when(nullable=False)


class RuleMatch(SQLModel, table=True):
    __tablename__ = "rule_match"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    rule_id: str = Field(index=True)
    title: str
    weight: float
    severity: str
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Alert(SQLModel, table=True):
    """An alert on an item, or an operational alert (a broken rule change, ...) with no item."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", unique=True)
    kind: str = Field(default=AlertKind.ITEM, index=True)
    created_at: datetime = _when(nullable=False, index=True)
    silenced_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("silence.id", name="fk_alert_silenced_by")))  # stored, shown, not sent
    # One story, one alert: later copies of the same statement (republished, translated) are
    # listed here instead of raising alerts of their own.
    copies: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    last_copy_at: datetime | None = _when()
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # what the templates render
    score: float
    severity: str
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))


class Delivery(SQLModel, table=True):
    """One alert on one channel: the outbox row the delivery job works from."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("alert_id", "channel", name="uq_delivery_alert_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    channel: str
    state: str = Field(default=DeliveryState.PENDING, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime = _when(nullable=False, index=True)
    claimed_at: datetime | None = _when()
    sent_at: datetime | None = _when()


class VerdictRevision(SQLModel, table=True):
    """An analyst's judgement of an alert: a true or a false positive. The latest one counts.

    Each row is one change of an alert's verdict, numbered per alert (1, 2, ...): the unique key
    lets only one of two concurrent marks (a double click, two workers) write the next revision.
    """

    __tablename__ = "verdict"
    __table_args__ = (UniqueConstraint("alert_id", "revision", name="uq_verdict_alert_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    revision: int
    verdict: str  # a Verdict
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _when(nullable=False)


class Silence(SQLModel, table=True):
    """Alerts that match (a rule, a source or a target country) until a date are stored, not sent."""

    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str | None = None
    source_id: str | None = None
    country: str | None = None
    until: datetime = _when(nullable=False, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _when(nullable=False)
    removed_at: datetime | None = _when()


class Evidence(SQLModel, table=True):
    """The bytes an alerting item was read from (its feed document, its page), compressed, as
    they were fetched: what the source said, should it edit or delete it."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id", name="fk_evidence_item"), nullable=False, index=True))
    kind: str  # "feed" or "page"
    url: str = Field(sa_column=Column(Text, nullable=False))
    final_url: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str  # of the bytes as fetched (before compression)
    headers: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fetched_at: datetime = _when(nullable=False)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib-compressed


class PageWatch(SQLModel, table=True):
    """An alerted page looked at again now and then: when last, and whether it is gone."""

    __tablename__ = "page_watch"

    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id", name="fk_page_watch_item"), primary_key=True))
    last_checked_at: datetime = _when(nullable=False)
    gone: bool = False


class PageRevision(SQLModel, table=True):
    """A change found in an alerted page: its text edited (with the diff), or the page removed."""

    __tablename__ = "page_revision"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id", name="fk_page_revision_item"), nullable=False, index=True))
    found_at: datetime = _when(nullable=False)
    change: str  # "edited" or "removed"
    text: str = Field(sa_column=Column(Text, nullable=False))  # the page's text now ("" once removed)
    diff: str = Field(sa_column=Column(Text, nullable=False))


class ItemFeatures(SQLModel, table=True):
    """An item's analysis that no rule changes (normalised texts, words, language, countries),
    as ``monitor.detect.prepared`` encodes it: re-scoring reads it instead of computing it again.
    A missing or stale row is computed afresh, so the table is a cache of the item's text."""

    __tablename__ = "item_features"

    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id", name="fk_item_features_item"), primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Lease(SQLModel, table=True):
    """A piece of work held by one worker until it is released or ``expires_at`` passes (a dead
    worker's leases lapse on their own): a source being polled, a page being fetched, a
    housekeeping run."""

    __tablename__ = "lease"

    key: str = Field(primary_key=True)
    holder: str  # the worker's id: host, process, and a random part
    expires_at: datetime = _when(nullable=False, index=True)
