"""Items' stored analyses (``item_features``) and the history that re-scoring reads with them, in bulk.

The store keeps the analysis as opaque bytes: what they hold and whether they are still good is
``monitor.detect.prepared``'s to say. History is read with SQLAlchemy Core, a batch of rows per
query, without building ORM objects: a backtest reads every item in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from monitor.store.records import StoredItem
from monitor.store.tables import Alert, Item, ItemFeatures, RuleMatch

ITEM: Table = Item.__table__  # type: ignore[attr-defined]
ALERT: Table = Alert.__table__  # type: ignore[attr-defined]
FEATURES: Table = ItemFeatures.__table__  # type: ignore[attr-defined]
RULE_MATCH: Table = RuleMatch.__table__  # type: ignore[attr-defined]

StoredWithFeatures = tuple[StoredItem, bytes | None]


class FeaturesRepo:
    engine: Engine

    def save_features(self, rows: Iterable[tuple[int, bytes]]) -> None:
        """Keep items' analyses (item id, bytes), replacing any kept before."""
        values = [{"item_id": item_id, "data": data} for item_id, data in rows]
        if not values:
            return
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(FEATURES)
        statement = statement.on_conflict_do_update(index_elements=["item_id"], set_={"data": statement.excluded.data})
        with self.engine.begin() as connection:
            connection.execute(statement, values)

    def history_batches(self, since: datetime | None, until: datetime | None, batch: int = 1000) -> Iterator[list[StoredWithFeatures]]:
        """Stored items in id order, each with its alert (if any) and its kept analysis (if any), a batch at a time."""
        last_id = 0
        columns = [ITEM.c[name] for name in ("id", "source_id", "source_kind", "source_country", "title", "text", "language", "published_at", "url")]
        query = select(*columns, ALERT.c.id.label("alert_id"), ALERT.c.severity, FEATURES.c.data).select_from(
            ITEM.outerjoin(ALERT, ALERT.c.item_id == ITEM.c.id).outerjoin(FEATURES, FEATURES.c.item_id == ITEM.c.id)
        )
        if since is not None:
            query = query.where(ITEM.c.published_at >= since)
        if until is not None:
            query = query.where(ITEM.c.published_at < until)
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(query.where(ITEM.c.id > last_id).order_by(ITEM.c.id).limit(batch)).all()
                if not rows:
                    return
                matched = _rules_of(connection, [row.id for row in rows])
            last_id = rows[-1].id
            yield [(_stored(row, matched.get(row.id, ())), row.data) for row in rows]


def _rules_of(connection: Any, ids: list[int]) -> dict[int, tuple[str, ...]]:
    matched: dict[int, list[str]] = {}
    query = select(RULE_MATCH.c.item_id, RULE_MATCH.c.rule_id).where(RULE_MATCH.c.item_id.in_(ids)).order_by(RULE_MATCH.c.id)
    for item_id, rule_id in connection.execute(query):
        matched.setdefault(item_id, []).append(rule_id)
    return {item_id: tuple(rules) for item_id, rules in matched.items()}


def _stored(row: Any, rules: tuple[str, ...]) -> StoredItem:
    return StoredItem(
        id=row.id,
        source_id=row.source_id,
        source_kind=row.source_kind,
        source_country=row.source_country,
        title=row.title,
        text=row.text,
        language=row.language,
        published_at=row.published_at,
        url=row.url,
        alert_id=row.alert_id,
        severity=row.severity if row.alert_id is not None else None,
        rules=rules,
    )
