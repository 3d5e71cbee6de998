"""Frozen domain types that flow through the pipeline. No I/O here.

Every datetime is timezone-aware UTC; every calendar day is a ``date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from monitor.models.sources import Capture as Capture
from monitor.models.sources import Listing as Listing
from monitor.models.sources import Source as Source
from monitor.models.sources import SourceFormat as SourceFormat
from monitor.models.sources import SourceKind as SourceKind

Clock = Callable[[], datetime]
"""Returns the current time (UTC, aware). Injected everywhere so tests can live in 2024."""


class Severity(StrEnum):
    """Ordered from least to most urgent; compare with ``rank``."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class ElectionType(StrEnum):
    PARLIAMENTARY = "parliamentary"
    PRESIDENTIAL = "presidential"
    RUNOFF = "runoff"
    REFERENDUM = "referendum"
    LOCAL = "local"
    EUROPEAN = "european"


class Extraction(StrEnum):
    """Where an article's text came from."""

    PAGE = "page"  # the linked page, through trafilatura
    FEED_CONTENT = "feed_content"  # the entry's full content in the feed
    FEED_SUMMARY = "feed_summary"  # the entry's summary / description
    TITLE = "title"  # nothing but the title was available
    PASTED = "pasted"  # text given to `monitor score`


class ElectionStatus(StrEnum):
    HELD = "held"
    SCHEDULED = "scheduled"
    EXPECTED = "expected"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    ANNULLED = "annulled"

    @property
    def called_off(self) -> bool:
        """Postponed (to a date entered on its own), cancelled before polling day or annulled after it."""
        return self in (ElectionStatus.POSTPONED, ElectionStatus.CANCELLED, ElectionStatus.ANNULLED)


class Field(StrEnum):
    """The part of an article a matcher looks at."""

    TITLE = "title"
    LEAD = "lead"  # the first paragraph of the text
    TEXT = "text"


@dataclass(frozen=True)
class Election:
    country: str
    type: ElectionType
    date: date
    name: str
    status: ElectionStatus
    source: str | None = None
    # `dt.date` below: inside this class, `date` names the field above, not the type.
    end_date: dt.date | None = None  # the last day of a vote held over several days
    cancelled_on: dt.date | None = None  # the day a postponed, cancelled or annulled vote was called off

    @property
    def last_day(self) -> dt.date:
        return self.end_date or self.date


@dataclass(frozen=True)
class ElectionNear:
    """An election seen from a publication day: ``days_until`` > 0 means the vote is ahead."""

    election: Election
    days_until: int  # to the first polling day

    @property
    def days_until_end(self) -> int:
        """To the last polling day; negative once the vote is over."""
        return self.days_until + (self.election.last_day - self.election.date).days

    def as_dict(self) -> dict[str, object]:
        e = self.election
        return {"country": e.country, "type": str(e.type), "date": e.date.isoformat(), "name": e.name, "days_until": self.days_until}


@dataclass(frozen=True)
class FeedEntry:
    source_id: str
    guid: str | None
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    content: str
    published: datetime | None

    @property
    def keys(self) -> tuple[str, ...]:
        """Identities under which this entry is remembered (any one seen = already processed)."""
        keys = []
        if self.canonical_url:
            keys.append(f"url:{self.canonical_url}")
        if self.guid:
            keys.append(f"guid:{self.source_id}:{self.guid}")
        return tuple(keys)


@dataclass(frozen=True)
class Article:
    entry: FeedEntry
    text: str
    title: str
    author: str | None
    language: str | None
    published: datetime
    extraction: Extraction
    site_name: str | None = None
    extraction_error: str | None = None
    captures: tuple[Capture, ...] = ()  # the bytes it was read from, kept as evidence when it alerts


Places = Mapping[str, tuple[tuple[int, int], ...]]  # concept -> (start, end) in a normalised field


@dataclass(frozen=True)
class Concepts:
    """Where each concept occurs in a document's title and text (normalised offsets)."""

    title: Places = field(default_factory=dict)
    text: Places = field(default_factory=dict)  # the lead is a prefix of the text: its places are the text's

    def places(self, concept: str, which: Field) -> tuple[tuple[int, int], ...]:
        return tuple((self.title if which is Field.TITLE else self.text).get(concept, ()))

    def holds(self, clauses: tuple[frozenset[str], ...]) -> bool:
        """Every clause names at least one concept found in the title or the text."""
        return all(not clause.isdisjoint(self.title.keys()) or not clause.isdisjoint(self.text.keys()) for clause in clauses)


# A country is the target of a text when its vote lies at most this far ahead or behind: the
# widest window of the content rules (rules narrow it further with `election_window`).
TARGET_BEFORE_DAYS = 180
TARGET_AFTER_DAYS = 60


@dataclass(frozen=True)
class Context:
    """What scoring needs to know beyond the text itself."""

    language: str | None
    countries_mentioned: tuple[str, ...]  # most mentioned first
    countries_about: tuple[str, ...]  # those the text is about, not only mentions in passing
    elections_near: tuple[ElectionNear, ...]  # in any mentioned country, in the widest window
    source: Source
    published: datetime
    # (country, field, start, end): where each mentioned country is named (normalised offsets)
    places: tuple[tuple[str, Field, int, int], ...] = ()
    concepts: Concepts = field(default_factory=Concepts)  # filled by the rule set's lexicon when a text is scored

    def target_places(self, which: Field) -> tuple[tuple[int, int], ...]:
        """Where a country whose vote is near (not the source's own) is named in the title or text."""
        voting = {n.election.country for n in self.elections_near if -TARGET_AFTER_DAYS <= n.days_until <= TARGET_BEFORE_DAYS} - {self.source.country}
        looked_in = Field.TITLE if which is Field.TITLE else Field.TEXT
        return tuple((start, end) for code, where, start, end in self.places if where is looked_in and code in voting)


@dataclass(frozen=True)
class Evidence:
    quote: str
    start: int  # offsets into the original text of ``field``
    end: int
    field: Field = Field.TEXT

    def as_dict(self) -> dict[str, object]:
        return {"quote": self.quote, "start": self.start, "end": self.end, "field": str(self.field)}


@dataclass(frozen=True)
class Match:
    rule_id: str
    title: str
    weight: float
    severity: Severity
    tags: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    elections: tuple[ElectionNear, ...] = ()


@dataclass(frozen=True)
class Suppressed:
    """A rule that matched but does not count, because a filter of known false positives applies."""

    rule_id: str
    filter_id: str


@dataclass(frozen=True)
class Assessment:
    score: float
    severity: Severity
    alert: bool
    matches: tuple[Match, ...]
    elections: tuple[ElectionNear, ...]
    countries: tuple[str, ...]
    language: str | None
    base_score: float = 0.0  # the sum of the weights, before the closeness factor
    proximity_factor: float = 1.0  # how much the closeness of the vote raised the score
    suppressed: tuple[Suppressed, ...] = ()
    review: bool = False  # below the alert score, but worth an analyst's look (see scoring.for_review)


class Fate(StrEnum):
    """What becomes of an assessed item: decided once (``monitor.notify.decision``), recorded by the store."""

    NOTHING = "nothing"  # stored, no alert
    REVIEW = "review"  # a near miss: stored with an alert for analysts, sent only in digests
    ALERT = "alert"  # a new alert, sent to its channels
    SILENCED = "silenced"  # a new alert a silence holds back: stored and shown, not sent
    COPY = "copy"  # a copy of a story that alerted recently: listed on that story's alert, no alert of its own


@dataclass(frozen=True)
class Decision:
    fate: Fate
    silenced_by: int | None = None  # the silence that holds a SILENCED alert back
    story: int | None = None  # the alert of the story a COPY joins

    def __post_init__(self) -> None:
        if (self.silenced_by is not None) != (self.fate is Fate.SILENCED) or (self.story is not None) != (self.fate is Fate.COPY):
            raise ValueError(f"a {self.fate} decision with silence {self.silenced_by} and story {self.story}")

    @property
    def new_alert(self) -> bool:
        """An alert of the item's own, sent or held back by a silence."""
        return self.fate in (Fate.ALERT, Fate.SILENCED)


@dataclass(frozen=True)
class Thresholds:
    """How a score is read: severity bands (below the lowest: LOW), the severity that alerts,
    and the factor by which the closeness of the vote raises the score."""

    bands: tuple[tuple[Severity, float], ...] = (
        (Severity.MEDIUM, 4.0),
        (Severity.HIGH, 7.0),
        (Severity.CRITICAL, 10.0),
    )
    alert_at: Severity = Severity.MEDIUM
    proximity: tuple[tuple[int, float], ...] = ((7, 1.5), (21, 1.25))  # (within days, factor)

    def proximity_factor(self, days: int | None) -> float:
        """The factor for a vote ``days`` away (either side); 1 when no election is involved."""
        if days is None:
            return 1.0
        return next((factor for within, factor in sorted(self.proximity) if abs(days) <= within), 1.0)

    @property
    def alert_score(self) -> float:
        """The lowest score that alerts."""
        return next((threshold for severity, threshold in self.bands if severity is self.alert_at), 0.0)

    def severity(self, score: float) -> Severity:
        reached = Severity.LOW
        for severity, threshold in sorted(self.bands, key=lambda b: b[1]):
            if score >= threshold:
                reached = severity
        return reached


@dataclass(frozen=True)
class RetryPolicy:
    """How long the outbox keeps trying a channel."""

    longest_wait: timedelta = timedelta(hours=1)  # between two attempts
    max_age: timedelta = timedelta(hours=24)  # after this, a delivery is failed for good


@dataclass(frozen=True)
class HealthPolicy:
    """When a source's trouble is worth an operational alert."""

    failures: int = 5  # consecutive failed polls
    quiet_factor: float = 5.0  # quiet for this many times its usual gap between items ...
    quiet_floor: timedelta = timedelta(hours=24)  # ... and at least this long
    min_items: int = 5  # the rhythm of a source with fewer items is unknown


@dataclass(frozen=True)
class WatchPolicy:
    """How long, and how often, an alerted page is looked at again for edits and removal."""

    period: timedelta = timedelta(days=14)  # after its alert
    every: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class SilenceRule:
    id: int
    rule_id: str | None
    source_id: str | None
    country: str | None
    until: datetime
    reason: str

    def describe(self) -> str:
        what = [f"rule {self.rule_id}" if self.rule_id else "", f"source {self.source_id}" if self.source_id else "", f"country {self.country}" if self.country else ""]
        return f"#{self.id} {' and '.join(w for w in what if w)} until {self.until:%Y-%m-%d %H:%M} UTC: {self.reason}"


class PollStatus(StrEnum):
    OK = "ok"  # the feed was read and its entries processed
    NOT_MODIFIED = "not_modified"  # the server answered 304 to the conditional request
    UNCHANGED = "unchanged"  # the feed's bytes were those of the last poll
    FAILED = "failed"
    SKIPPED = "skipped"  # not polled: the monitor is stopping, or another worker polls it


@dataclass(frozen=True)
class PollReport:
    """What one poll of one source did. Returned, never kept on a long-lived object."""

    source_id: str
    status: PollStatus
    entries: int = 0
    new_items: int = 0
    alerts: int = 0
    errors: tuple[str, ...] = field(default=())
    deferred: int = 0  # entries left unread for the next poll (the per-poll cap or deadline was reached)


class TroubleKind(StrEnum):
    """A source's trouble worth an operational alert (see ``HealthPolicy``)."""

    FAILING = "failing"  # its polls keep failing
    SILENT = "silent"  # no new item for far longer than its usual rhythm


class AlertKind(StrEnum):
    ITEM = "item"  # an item that scored an alert
    REVIEW = "review"  # a near miss: stored for analysts, never sent
    OPERATIONAL = "operational"  # about the monitor itself (a failing source, a rejected rule change, ...)
    DIGEST = "digest"  # a summary of the alerts since the last one
    UPDATE = "update"  # an alerted page the source edited or removed since


class DeliveryState(StrEnum):
    """Where one alert stands on one channel, in the outbox."""

    PENDING = "pending"  # due at its next attempt
    SENDING = "sending"  # claimed by a worker (retried once its lease expires: the worker may have died)
    SENT = "sent"
    FAILED = "failed"  # retries ended after the maximum age
    SILENCED = "silenced"  # stored under a silence: shown, never sent


class Verdict(StrEnum):
    """An analyst's judgement of an alert."""

    TP = "tp"  # a true positive
    FP = "fp"  # a false positive

    def describe(self) -> str:
        return "true positive" if self is Verdict.TP else "false positive"
