"""The repository: everything the pipeline, the outbox and the CLI ask of the database.

Each public method is one transaction. An item, its identities, its rule matches, its alert
and the alert's deliveries are written together (``save_item``), so a crash leaves either all
of them or none, and the delivery job works from what was committed (the outbox).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.models import Article, Assessment, ElectionNear
from monitor.store.tables import Alert, Delivery, Item, ItemKey, RuleMatch, SourceState

TITLE_KEY_DAYS = 7  # a title hash identifies an item for a week: titles like "Briefing" recur


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
    items_total: int = 0


@dataclass(frozen=True)
class NewAlert:
    title: str
    body: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    alert_id: int
    channel: str
    attempts: int
    title: str
    body: str


@dataclass(frozen=True)
class AlertView:
    id: int
    created_at: datetime
    score: float
    severity: str
    title: str
    body: str
    source_id: str
    url: str | None
    published_at: datetime
    deliveries: tuple[tuple[str, str, int, str | None], ...]  # channel, state, attempts, last error


def election_json(near: ElectionNear) -> dict[str, object]:
    e = near.election
    return {"country": e.country, "type": str(e.type), "date": e.date.isoformat(), "name": e.name, "days_until": near.days_until}


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
                setattr(row, name, value)
            session.add(row)
            session.commit()

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
        assessment: Assessment,
        alert: NewAlert | None,
        keys: tuple[str, ...],
        now: datetime,
    ) -> int | None:
        """Write the item with its identities, matches, alert and deliveries in one transaction.

        Returns the item id, or None if another worker stored the same item first.
        """
        with Session(self.engine) as session:
            try:
                item_id = self._add_item(session, article, assessment, alert, keys, now)
                session.commit()
            except IntegrityError:  # an identity is already stored: another poll got there first
                session.rollback()
                return None
            return item_id

    @staticmethod
    def _add_item(session: Session, article: Article, assessment: Assessment, alert: NewAlert | None, keys: tuple[str, ...], now: datetime) -> int:
        entry = article.entry
        item = Item(
            source_id=entry.source_id,
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
            elections=[election_json(n) for n in assessment.elections],
        )
        session.add(item)
        session.flush()
        assert item.id is not None
        for key in dict.fromkeys(keys):
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
                    evidence=[{"quote": e.quote, "start": e.start, "end": e.end, "field": str(e.field)} for e in match.evidence],
                )
            )
        if alert is not None:
            row = Alert(item_id=item.id, created_at=now, score=assessment.score, severity=str(assessment.severity), title=alert.title, body=alert.body)
            session.add(row)
            session.flush()
            assert row.id is not None
            for channel in alert.channels:
                session.add(Delivery(alert_id=row.id, channel=channel, next_attempt_at=now))
        state = session.get(SourceState, entry.source_id) or SourceState(source_id=entry.source_id)
        state.items_total += 1
        session.add(state)
        session.flush()
        return item.id

    # -- outbox --------------------------------------------------------------------------

    def claim_due_deliveries(self, now: datetime, lease: timedelta, limit: int = 100) -> list[PendingDelivery]:
        """Mark due deliveries as being sent and return them.

        A delivery left "sending" by a crashed worker is due again once its lease expires.
        """
        with Session(self.engine) as session:
            due = (col(Delivery.state) == "pending") & (col(Delivery.next_attempt_at) <= now)
            stale = (col(Delivery.state) == "sending") & (col(Delivery.claimed_at) <= now - lease)
            query = select(Delivery, Alert).join(Alert, col(Alert.id) == col(Delivery.alert_id)).where(due | stale)
            query = query.order_by(col(Delivery.id)).limit(limit)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Delivery)
            claimed = []
            for delivery, alert in session.exec(query).all():
                delivery.state, delivery.claimed_at = "sending", now
                session.add(delivery)
                assert delivery.id is not None
                claimed.append(PendingDelivery(delivery.id, delivery.alert_id, delivery.channel, delivery.attempts, alert.title, alert.body))
            session.commit()
            return claimed

    def delivery_sent(self, delivery_id: int, now: datetime) -> None:
        self._update_delivery(delivery_id, state="sent", sent_at=now, last_error=None, attempts_delta=1)

    def delivery_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        self._update_delivery(delivery_id, state="pending", next_attempt_at=retry_at, last_error=error, attempts_delta=1)

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

    def alerts(self, limit: int = 50) -> list[AlertView]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id)).order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)
            ).all()
            views = []
            for alert, item in rows:
                deliveries = session.exec(select(Delivery).where(Delivery.alert_id == alert.id).order_by(col(Delivery.channel))).all()
                assert alert.id is not None
                views.append(
                    AlertView(
                        id=alert.id,
                        created_at=alert.created_at,
                        score=alert.score,
                        severity=alert.severity,
                        title=alert.title,
                        body=alert.body,
                        source_id=item.source_id,
                        url=item.url,
                        published_at=item.published_at,
                        deliveries=tuple((d.channel, d.state, d.attempts, d.last_error) for d in deliveries),
                    )
                )
            return views

    def count(self, table: type) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(table)).one())


def _status(row: SourceState) -> SourceStatus:
    return SourceStatus(**{name: getattr(row, name) for name in SourceStatus.__dataclass_fields__})
