"""The repository: everything the pipeline, the outbox and the CLI ask of the database.

Each public method is one transaction. An item, its identities, its rule matches, its alert
and the alert's deliveries are written together (``save_item``), so a crash leaves either all
of them or none, and the delivery job works from what was committed (the outbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.models import Article, Assessment, Source
from monitor.notify.silences import SilenceRule
from monitor.store.tables import Alert, Delivery, Item, ItemKey, RuleMatch, Silence, SourceState, Verdict

TITLE_KEY_DAYS = 7  # a title hash identifies an item for a week: titles like "Briefing" recur
CLAIM_BATCH = 10  # deliveries claimed at a time: few enough to send well within the lease


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
    health_alert: str | None = None


@dataclass(frozen=True)
class NewAlert:
    title: str
    body: str
    channels: tuple[str, ...]
    silenced_by: int | None = None  # stored with its deliveries marked silenced: shown, not sent
    copy_of: int | None = None  # the alert of the story this item repeats: no new alert
    payload: dict[str, object] | None = None  # structured message, rendered per channel when sent


@dataclass(frozen=True)
class RecentAlert:
    """An item alert of the last hours, with what story matching compares."""

    alert_id: int
    title: str
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
    kind: str  # of the alert: item | operational
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
    kind: str
    created_at: datetime
    score: float
    severity: str
    title: str
    body: str
    source_id: str | None
    url: str | None
    published_at: datetime | None
    deliveries: tuple[tuple[str, str, int, str | None], ...]  # channel, state, attempts, last error
    copies: tuple[dict[str, object], ...] = ()  # later copies of the story: source, url, published
    silenced_by: int | None = None
    payload: dict[str, Any] | None = None


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- sources -------------------------------------------------------------------------

    def source_status(self, source_id: str) -> SourceStatus:
        with Session(self.engine) as session:
            row = session.get(SourceState, source_id)
            return _status(row) if row else SourceStatus(source_id)

    def all_source_status(self) -> dict[str, SourceStatus]:
        with Session(self.engine) as session:
            return {row.source_id: _status(row) for row in session.exec(select(SourceState))}

    def record_poll(self, status: SourceStatus) -> None:
        """Store the whole state of a source after a poll (success or failure)."""
        with Session(self.engine) as session:
            row = session.get(SourceState, status.source_id) or SourceState(source_id=status.source_id)
            for name, value in asdict(status).items():
                if name != "health_alert":  # the health job's to keep; a poll does not touch it
                    setattr(row, name, value)
            session.add(row)
            session.commit()

    def item_times(self, source_id: str, limit: int = 20) -> list[datetime]:
        """Publication times of the source's latest items, newest first: its usual rhythm."""
        with Session(self.engine) as session:
            query = select(Item.published_at).where(Item.source_id == source_id).order_by(col(Item.published_at).desc()).limit(limit)
            return list(session.exec(query).all())

    def set_health_alert(self, source_id: str, trouble: str | None) -> None:
        with Session(self.engine) as session:
            row = session.get(SourceState, source_id) or SourceState(source_id=source_id)
            row.health_alert = trouble
            session.add(row)
            session.commit()

    def items_per_source(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.exec(select(Item.source_id, func.count()).group_by(Item.source_id)).all()
            return {source_id: int(count) for source_id, count in rows}

    # -- items ---------------------------------------------------------------------------

    def seen(self, keys: tuple[str, ...], title_key: str | None, now: datetime) -> bool:
        """Whether any identity of an entry is already stored (a title only within a week)."""
        conditions = [col(ItemKey.key).in_(keys)] if keys else []
        if title_key:
            conditions.append((col(ItemKey.key) == title_key) & (col(ItemKey.seen_at) >= now - timedelta(days=TITLE_KEY_DAYS)))
        if not conditions:
            return False
        with Session(self.engine) as session:
            return session.exec(select(ItemKey.key).where(or_(*conditions)).limit(1)).first() is not None

    def save_item(
        self,
        article: Article,
        source: Source,
        assessment: Assessment,
        alert: NewAlert | None,
        keys: tuple[str, ...],
        title_key: str | None,
        now: datetime,
    ) -> int | None:
        """Write the item with its identities, matches, alert and deliveries in one transaction.

        Returns the item id, or None if another worker stored the same item first.
        """
        with Session(self.engine) as session:
            try:
                item_id = _add_item(session, article, source, assessment, alert, keys, title_key, now)
                session.commit()
            except IntegrityError:
                session.rollback()
                if self.seen(keys, title_key, now):  # another poll stored it first
                    return None
                raise
            return item_id

    def add_operational_alert(self, title: str, body: str, channels: tuple[str, ...], now: datetime) -> int:
        """An alert about the monitor itself (a rule change that failed to load, ...), through the outbox."""
        return self.add_message("operational", title, body, channels, now)

    def add_message(self, kind: str, title: str, body: str, channels: tuple[str, ...], now: datetime) -> int:
        """A message with no item (operational, digest), delivered through the outbox like any alert."""
        with Session(self.engine) as session:
            row = Alert(item_id=None, kind=kind, created_at=now, score=0.0, severity="high" if kind == "operational" else "low", title=title, body=body)
            session.add(row)
            session.flush()
            assert row.id is not None
            for channel in channels:
                session.add(Delivery(alert_id=row.id, channel=channel, next_attempt_at=now))
            session.commit()
            return row.id

    # -- outbox --------------------------------------------------------------------------

    def claim_due_deliveries(self, now: datetime, lease: timedelta, limit: int = CLAIM_BATCH) -> list[PendingDelivery]:
        """Claim due deliveries for sending and return them.

        Each row is claimed by a conditional update that only one worker can win, so two
        workers (a daemon and a manual `run --once`, or several PostgreSQL workers) never send
        the same delivery. A delivery left "sending" by a dead worker is due again once its
        lease expires.
        """
        due = (col(Delivery.state) == "pending") & (col(Delivery.next_attempt_at) <= now)
        stale = (col(Delivery.state) == "sending") & (col(Delivery.claimed_at) <= now - lease)
        with Session(self.engine) as session:
            query = select(Delivery.id).where(due | stale).order_by(col(Delivery.id)).limit(limit)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)  # workers take different rows
            candidates = session.exec(query).all()
            claimed = []
            for delivery_id in candidates:
                won = session.execute(
                    update(Delivery).where(col(Delivery.id) == delivery_id, due | stale).values(state="sending", claimed_at=now)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(delivery_id)
            session.commit()
            rows = session.exec(
                select(Delivery, Alert).join(Alert, col(Alert.id) == col(Delivery.alert_id)).where(col(Delivery.id).in_(claimed)).order_by(col(Delivery.id))
            ).all()
            return [
                PendingDelivery(d.id, d.alert_id, d.channel, d.attempts, a.title, a.body, a.created_at, a.kind, a.payload)
                for d, a in rows
                if d.id is not None
            ]

    def delivery_sent(self, delivery_id: int, now: datetime) -> None:
        self._update_delivery(delivery_id, state="sent", sent_at=now, last_error=None, attempts_delta=1)

    def delivery_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        self._update_delivery(delivery_id, state="pending", next_attempt_at=retry_at, last_error=error, attempts_delta=1)

    def delivery_given_up(self, delivery_id: int, error: str) -> None:
        """No more retries: the delivery is failed, for `alerts list --failed` to show."""
        self._update_delivery(delivery_id, state="failed", last_error=error, attempts_delta=1)

    def release(self, delivery_id: int) -> None:
        """Give back a claimed delivery that was not attempted (the worker is stopping)."""
        self._update_delivery(delivery_id, state="pending", attempts_delta=0)

    def _update_delivery(self, delivery_id: int, attempts_delta: int, **values: object) -> None:
        with Session(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None:
                return
            for name, value in values.items():
                setattr(delivery, name, value)
            delivery.attempts += attempts_delta
            delivery.claimed_at = None
            session.add(delivery)
            session.commit()

    # -- reading -------------------------------------------------------------------------

    def alerts(
        self,
        limit: int = 50,
        failed_only: bool = False,
        alert_id: int | None = None,
        created_after: datetime | None = None,
        unsilenced_items_only: bool = False,
    ) -> list[AlertView]:
        with Session(self.engine) as session:
            query = select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id), isouter=True)
            if alert_id is not None:
                query = query.where(col(Alert.id) == alert_id)
            if created_after is not None:
                query = query.where(col(Alert.created_at) > created_after)
            if unsilenced_items_only:
                query = query.where(col(Alert.kind) == "item", col(Alert.silenced_by).is_(None))
            if failed_only:
                failed = select(Delivery.alert_id).where(col(Delivery.state) == "failed")
                query = query.where(col(Alert.id).in_(failed))
            rows = session.exec(query.order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)).all()
            views = []
            for alert, item in rows:
                deliveries = session.exec(select(Delivery).where(Delivery.alert_id == alert.id).order_by(col(Delivery.channel))).all()
                assert alert.id is not None
                views.append(
                    AlertView(
                        id=alert.id,
                        kind=alert.kind,
                        created_at=alert.created_at,
                        score=alert.score,
                        severity=alert.severity,
                        title=alert.title,
                        body=alert.body,
                        source_id=item.source_id if item else None,
                        url=item.url if item else None,
                        published_at=item.published_at if item else None,
                        deliveries=tuple((d.channel, d.state, d.attempts, d.last_error) for d in deliveries),
                        copies=tuple(alert.copies or ()),
                        silenced_by=alert.silenced_by,
                        payload=alert.payload,
                    )
                )
            return views

    def recent_alerts(self, since: datetime) -> list[RecentAlert]:
        """Item alerts created since ``since``: the stories a new item may repeat."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id)).where(col(Alert.created_at) >= since, col(Alert.kind) == "item")
            ).all()
            recent = []
            for alert, item in rows:
                assert alert.id is not None
                tags = session.exec(select(RuleMatch.tags).where(RuleMatch.item_id == item.id)).all()
                elections = tuple((str(e["country"]), str(e["date"])) for e in item.elections)
                recent.append(
                    RecentAlert(alert.id, item.title, item.text, item.language, item.published_at, elections, tuple(t for ts in tags for t in ts))
                )
            return recent

    def last_digest(self, channel: str) -> datetime | None:
        with Session(self.engine) as session:
            query = (
                select(func.max(Alert.created_at))
                .join(Delivery, col(Delivery.alert_id) == col(Alert.id))
                .where(col(Alert.kind) == "digest", col(Delivery.channel) == channel)
            )
            value = session.exec(query).one()
            return _aware(value)

    # -- silences ------------------------------------------------------------------------

    def add_silence(self, rule_id: str | None, source_id: str | None, country: str | None, until: datetime, reason: str, now: datetime) -> int:
        with Session(self.engine) as session:
            row = Silence(rule_id=rule_id, source_id=source_id, country=country, until=until, reason=reason, created_at=now)
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    def remove_silence(self, silence_id: int, now: datetime) -> bool:
        with Session(self.engine) as session:
            row = session.get(Silence, silence_id)
            if row is None or row.removed_at is not None:
                return False
            row.removed_at = now
            session.add(row)
            session.commit()
            return True

    def silences(self, now: datetime, include_ended: bool = False) -> list[SilenceRule]:
        """Active silences (or every silence ever set), newest first."""
        with Session(self.engine) as session:
            query = select(Silence).order_by(col(Silence.id).desc())
            if not include_ended:
                query = query.where(col(Silence.until) > now, col(Silence.removed_at).is_(None))
            return [
                SilenceRule(row.id, row.rule_id, row.source_id, row.country, row.until, row.reason)
                for row in session.exec(query)
                if row.id is not None
            ]

    # -- feedback ------------------------------------------------------------------------

    def mark(self, alert_id: int, verdict: str, note: str | None, now: datetime) -> bool:
        """Record an analyst's verdict (tp or fp) on an alert; False if there is no such alert."""
        with Session(self.engine) as session:
            if session.get(Alert, alert_id) is None:
                return False
            session.add(Verdict(alert_id=alert_id, verdict=verdict, note=note, created_at=now))
            session.commit()
            return True

    def verdicts(self) -> dict[int, str]:
        """The latest verdict of every marked alert."""
        with Session(self.engine) as session:
            rows = session.exec(select(Verdict).order_by(col(Verdict.created_at), col(Verdict.id))).all()
            return {row.alert_id: row.verdict for row in rows}

    def rule_stats(self, since: datetime | None = None) -> list[RuleStat]:
        """Per rule: items it matched, alerts marked true and false among them, the last match."""
        verdicts = self.verdicts()
        stats: dict[str, dict[str, object]] = {}
        with Session(self.engine) as session:
            query = (
                select(RuleMatch.rule_id, Item.published_at, Alert.id)
                .join(Item, col(Item.id) == col(RuleMatch.item_id))
                .join(Alert, col(Alert.item_id) == col(Item.id), isouter=True)
            )
            if since is not None:
                query = query.where(col(Item.published_at) >= since)
            for rule_id, published, alert_id in session.exec(query):
                entry = stats.setdefault(rule_id, {"fired": 0, "tp": 0, "fp": 0, "last": published})
                entry["fired"] = int(entry["fired"]) + 1  # type: ignore[call-overload]
                entry["last"] = max(entry["last"], published)  # type: ignore[type-var]
                verdict = verdicts.get(alert_id) if alert_id is not None else None
                if verdict in ("tp", "fp"):
                    entry[verdict] = int(entry[verdict]) + 1  # type: ignore[call-overload]
        return sorted(
            (RuleStat(rule, int(v["fired"]), int(v["tp"]), int(v["fp"]), v["last"]) for rule, v in stats.items()),  # type: ignore[arg-type]
            key=lambda r: (-r.fired, r.rule_id),
        )

    # -- history -------------------------------------------------------------------------

    def history(self, since: datetime | None, until: datetime | None, batch: int = 500) -> Iterator[StoredItem]:
        """Stored items in publication order, with their alert (if any), a batch at a time."""
        last_id = 0
        while True:
            with Session(self.engine) as session:
                query = select(Item, Alert).join(Alert, col(Alert.item_id) == col(Item.id), isouter=True).where(col(Item.id) > last_id)
                if since is not None:
                    query = query.where(col(Item.published_at) >= since)
                if until is not None:
                    query = query.where(col(Item.published_at) < until)
                rows = session.exec(query.order_by(col(Item.id)).limit(batch)).all()
                if not rows:
                    return
                matched: dict[int, list[str]] = {}
                ids = [item.id for item, _ in rows]
                for item_id, rule_id in session.exec(select(RuleMatch.item_id, RuleMatch.rule_id).where(col(RuleMatch.item_id).in_(ids))):
                    matched.setdefault(item_id, []).append(rule_id)
                for item, alert in rows:
                    assert item.id is not None
                    last_id = item.id
                    yield StoredItem(
                        id=item.id,
                        source_id=item.source_id,
                        source_kind=item.source_kind,
                        source_country=item.source_country,
                        title=item.title,
                        text=item.text,
                        language=item.language,
                        published_at=item.published_at,
                        url=item.url,
                        alert_id=alert.id if alert else None,
                        severity=alert.severity if alert else None,
                        rules=tuple(matched.get(item.id, ())),
                    )

    def count_history(self, since: datetime | None, until: datetime | None) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(Item)
            if since is not None:
                query = query.where(col(Item.published_at) >= since)
            if until is not None:
                query = query.where(col(Item.published_at) < until)
            return int(session.exec(query).one())

    def count(self, table: type) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(table)).one())


def _add_item(
    session: Session,
    article: Article,
    source: Source,
    assessment: Assessment,
    alert: NewAlert | None,
    keys: tuple[str, ...],
    title_key: str | None,
    now: datetime,
) -> int:
    entry = article.entry
    item = Item(
        source_id=entry.source_id,
        source_kind=str(source.kind),
        source_country=source.country,
        guid=entry.guid,
        url=entry.url,
        canonical_url=entry.canonical_url,
        title=article.title,
        text=article.text,
        author=article.author,
        language=article.language,
        site_name=article.site_name,
        published_at=article.published,
        fetched_at=now,
        extraction=str(article.extraction),
        extraction_error=article.extraction_error,
        score=assessment.score,
        severity=str(assessment.severity),
        countries=list(assessment.countries),
        elections=[n.as_dict() for n in assessment.elections],
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    if title_key:
        # A title key older than its week no longer identifies anything: it is taken over.
        session.execute(delete(ItemKey).where(col(ItemKey.key) == title_key, col(ItemKey.seen_at) < now - timedelta(days=TITLE_KEY_DAYS)))
    for key in dict.fromkeys(keys + ((title_key,) if title_key else ())):
        session.add(ItemKey(key=key, item_id=item.id, seen_at=now))
    for match in assessment.matches:
        session.add(
            RuleMatch(
                item_id=item.id,
                rule_id=match.rule_id,
                title=match.title,
                weight=match.weight,
                severity=str(match.severity),
                tags=list(match.tags),
                evidence=[e.as_dict() for e in match.evidence],
            )
        )
    if alert is not None and alert.copy_of is not None:
        story = session.get(Alert, alert.copy_of)
        if story is not None:
            copy = {"item": item.id, "source": entry.source_id, "url": entry.canonical_url or entry.url, "published": article.published.isoformat(), "title": article.title}
            story.copies = [*(story.copies or []), copy]
            story.last_copy_at = now
            session.add(story)
    elif alert is not None:
        row = Alert(
            item_id=item.id,
            created_at=now,
            score=assessment.score,
            severity=str(assessment.severity),
            title=alert.title,
            body=alert.body,
            silenced_by=alert.silenced_by,
            payload=alert.payload,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        state = "silenced" if alert.silenced_by is not None else "pending"
        for channel in alert.channels:
            session.add(Delivery(alert_id=row.id, channel=channel, state=state, next_attempt_at=now))
    session.flush()
    return item.id


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite gives back a naive UTC datetime (or a string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _status(row: SourceState) -> SourceStatus:
    return SourceStatus(**{name: getattr(row, name) for name in SourceStatus.__dataclass_fields__})
