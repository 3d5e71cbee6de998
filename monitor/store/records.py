"""What the repository hands out and takes in: frozen views, never table rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.models import AlertKind, DeliveryState, Severity, TroubleKind


@dataclass(frozen=True)
class SourceStatus:
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    last_warning: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    health_alert: TroubleKind | None = None  # the trouble last reported by an operational alert


@dataclass(frozen=True)
class NewAlert:
    """The message of an item's alert; whether it is sent, held back or not made is the ``Decision``'s."""

    title: str
    body: str
    channels: tuple[str, ...]
    payload: dict[str, object] | None = None  # structured message, rendered per channel when sent


@dataclass(frozen=True)
class RecentAlert:
    """An item alert of the last hours, with what story matching compares."""

    alert_id: int
    text: str
    language: str | None
    published_at: datetime
    elections: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    alert_id: int
    channel: str
    attempts: int
    title: str
    body: str
    alert_created_at: datetime
    kind: AlertKind  # of the alert
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class RuleStat:
    rule_id: str
    fired: int  # stored items the rule matched
    marked_true: int
    marked_false: int
    last_fired: datetime

    @property
    def precision(self) -> float | None:
        marked = self.marked_true + self.marked_false
        return self.marked_true / marked if marked else None


@dataclass(frozen=True)
class StoredItem:
    """An item as the history keeps it, for re-scoring."""

    id: int
    source_id: str
    source_kind: str | None
    source_country: str | None
    title: str
    text: str
    language: str | None
    published_at: datetime
    url: str | None
    alert_id: int | None
    severity: str | None  # of its alert, if it has one
    rules: tuple[str, ...]


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: AlertKind
    created_at: datetime
    score: float
    severity: Severity
    title: str
    body: str
    source_id: str | None
    url: str | None
    published_at: datetime | None
    deliveries: tuple[tuple[str, DeliveryState, int, str | None], ...]  # channel, state, attempts, last error
    copies: tuple[dict[str, object], ...] = ()  # later copies of the story: source, url, published
    silenced_by: int | None = None
    payload: dict[str, Any] | None = None
