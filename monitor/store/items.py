"""Sources' state, items and their identities, and the history that backtests re-score."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.models import AlertKind, Article, Assessment, Decision, DeliveryState, Fate, Source, TroubleKind
from monitor.store.evidence import add_evidence
from monitor.store.records import NewAlert, SourceStatus, StoredItem
from monitor.store.tables import Alert, Delivery, Item, ItemFeatures, ItemKey, RuleMatch, SourceState

TITLE_KEY_DAYS = 7  # a title hash identifies an item for a week: titles like "Briefing" recur


class ItemsRepo:
    engine: Engine

    # -- sources -------------------------------------------------------------------------

    def source_status(self, source_id: str) -> SourceStatus:
        # SQLAlchemy Core, as the writes below: every poll reads its source's state, and an ORM
        # session costs several times the query (a thousand sources answering 304).
        with self.engine.connect() as connection:
            row = connection.execute(_SOURCE_STATE, {"source_id": source_id}).first()
            return _status(row) if row else SourceStatus(source_id)

    def all_source_status(self) -> dict[str, SourceStatus]:
        with Session(self.engine) as session:
            return {row.source_id: _status(row) for row in session.exec(select(SourceState))}

    def record_poll(self, status: SourceStatus) -> None:
        """Store the whole state of a source after a poll (success or failure)."""
        values = {name: value for name, value in asdict(status).items() if name != "health_alert"}  # the health job's to keep
        _upsert_source_state(self.engine, values)

    def item_times(self, source_id: str, limit: int = 20) -> list[datetime]:
        """Publication times of the source's latest items, newest first: its usual rhythm."""
        with Session(self.engine) as session:
            query = select(Item.published_at).where(Item.source_id == source_id).order_by(col(Item.published_at).desc()).limit(limit)
            return list(session.exec(query).all())

    def set_health_alert(self, source_id: str, trouble: TroubleKind | None) -> None:
        _upsert_source_state(self.engine, {"source_id": source_id, "health_alert": trouble})

    def items_per_source(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.exec(select(Item.source_id, func.count()).group_by(Item.source_id)).all()
            return {source_id: int(count) for source_id, count in rows}

    # -- items ---------------------------------------------------------------------------

    def seen(self, keys: tuple[str, ...], title_key: str | None, now: datetime) -> bool:
        """Whether any identity of an entry is already stored (a title only within a week)."""
        conditions: list[ColumnElement[bool]] = [col(ItemKey.key).in_(keys)] if keys else []
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
        decision: Decision,
        message: NewAlert | None,
        keys: tuple[str, ...],
        title_key: str | None,
        now: datetime,
        analysis: bytes | None = None,
    ) -> int | None:
        """Write the item with its identities, matches, the analysis kept for re-scoring, and what
        the decision made of it (an alert with its deliveries, or a copy on its story's alert) in
        one transaction.

        ``message`` is the alert's, needed when the decision makes one. Returns the item id, or
        None if another worker stored the same item first.
        """
        with Session(self.engine) as session:
            try:
                item_id = _add_item(session, article, source, assessment, keys, title_key, now)
                if analysis is not None:
                    session.add(ItemFeatures(item_id=item_id, data=analysis))
                _record_decision(session, item_id, article, assessment, decision, message, now)
                if decision.new_alert:
                    add_evidence(session, item_id, article.captures)
                session.flush()
                session.commit()
            except IntegrityError:
                session.rollback()
                if self.seen(keys, title_key, now):  # another poll stored it first
                    return None
                raise
            return item_id

    # -- history -------------------------------------------------------------------------

    def history(self, since: datetime | None, until: datetime | None) -> Iterator[StoredItem]:
        """Stored items in id order, with their alert (if any): ``history_batches`` without the kept analyses."""
        for batch in self.history_batches(since, until):  # type: ignore[attr-defined]  # FeaturesRepo, beside this one in Store
            for item, _ in batch:
                yield item

    def count_history(self, since: datetime | None, until: datetime | None) -> int:
        with Session(self.engine) as session:
            return int(session.exec(_published_between(select(func.count()).select_from(Item), since, until)).one())


def _published_between(query: Any, since: datetime | None, until: datetime | None) -> Any:
    """Items published from ``since`` (inclusive) to ``until`` (exclusive); either may be open."""
    if since is not None:
        query = query.where(col(Item.published_at) >= since)
    if until is not None:
        query = query.where(col(Item.published_at) < until)
    return query


def _add_item(
    session: Session, article: Article, source: Source, assessment: Assessment, keys: tuple[str, ...], title_key: str | None, now: datetime
) -> int:
    """The item, its identities and its rule matches; returns its id."""
    item = _item_row(article, source, assessment, now)
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
    return item.id


def _item_row(article: Article, source: Source, assessment: Assessment, now: datetime) -> Item:
    entry = article.entry
    return Item(
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


def _record_decision(
    session: Session, item_id: int, article: Article, assessment: Assessment, decision: Decision, message: NewAlert | None, now: datetime
) -> None:
    """Write what the decision made of the item, as it says: nothing is decided here."""
    if decision.fate is Fate.COPY:
        assert decision.story is not None
        _add_copy(session, decision.story, item_id, article, now)
    elif decision.fate is not Fate.NOTHING:
        assert message is not None, f"a {decision.fate} decision needs its message"
        _add_alert(session, item_id, assessment, decision, message, now)


def _add_copy(session: Session, story_id: int, item_id: int, article: Article, now: datetime) -> None:
    """List the item on its story's alert (gone, if an operator deleted it meanwhile: nothing to list on)."""
    story = session.get(Alert, story_id)
    if story is None:
        return
    entry = article.entry
    copy = {"item": item_id, "source": entry.source_id, "url": entry.canonical_url or entry.url, "published": article.published.isoformat(), "title": article.title}
    story.copies = [*(story.copies or []), copy]
    story.last_copy_at = now
    session.add(story)


def _add_alert(session: Session, item_id: int, assessment: Assessment, decision: Decision, message: NewAlert, now: datetime) -> None:
    """The item's alert and one delivery per channel: due now, or marked silenced (shown, not sent)."""
    row = Alert(
        item_id=item_id,
        kind=AlertKind.REVIEW if decision.fate is Fate.REVIEW else AlertKind.ITEM,
        created_at=now,
        score=assessment.score,
        severity=str(assessment.severity),
        title=message.title,
        body=message.body,
        silenced_by=decision.silenced_by,
        payload=message.payload,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    state = DeliveryState.SILENCED if decision.fate is Fate.SILENCED else DeliveryState.PENDING
    for channel in message.channels:
        session.add(Delivery(alert_id=row.id, channel=channel, state=state, next_attempt_at=now))


_SOURCE_STATES: Table = SourceState.__table__  # type: ignore[attr-defined]
_SOURCE_STATE = sql_select(_SOURCE_STATES).where(_SOURCE_STATES.c.source_id == bindparam("source_id"))


def _status(row: Any) -> SourceStatus:
    values = {name: getattr(row, name) for name in SourceStatus.__dataclass_fields__}
    return SourceStatus(**values | {"health_alert": TroubleKind(row.health_alert) if row.health_alert else None})


def _upsert_source_state(engine: Engine, values: dict[str, Any]) -> None:
    """Insert a source's row or update the given columns of it, in one statement.

    Several workers may record the first poll of the same source at once: a read-then-insert
    would fail all but one of them on the primary key (and count a false failure), an upsert
    leaves the row of the last writer. Both SQLite and PostgreSQL spell it ON CONFLICT.
    """
    statement = _source_state_upsert(engine.dialect.name, tuple(sorted(values)))
    with engine.begin() as connection:
        connection.execute(statement, values)


@lru_cache(maxsize=16)
def _source_state_upsert(dialect: str, columns: tuple[str, ...]) -> Any:
    """The upsert of these columns, built once: building it costs more than running it (a
    thousand sources answering 304 are a thousand upserts). Values are bound at execution."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SourceState).values({name: bindparam(name) for name in columns})
    updates = {name: statement.excluded[name] for name in columns if name != "source_id"}
    return statement.on_conflict_do_update(index_elements=["source_id"], set_=updates)
