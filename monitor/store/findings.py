"""The alerts of a period with what they rest on (their item, its rule matches, the analysts'
verdicts): what exports and reports give to people outside the monitor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.models import AlertKind, Severity, Verdict
from monitor.store.tables import Alert, Item, RuleMatch


@dataclass(frozen=True)
class FindingMatch:
    rule_id: str
    title: str
    weight: float
    severity: str
    tags: tuple[str, ...]
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """An alert on an item, as it was stored."""

    alert_id: int
    created_at: datetime
    severity: Severity
    score: float
    title: str  # the alert's headline
    source_id: str
    url: str | None
    item_title: str
    language: str | None
    published_at: datetime
    target: str  # the vote the alert leads with, in words
    countries: tuple[str, ...]  # the countries it names, as the message does
    matches: tuple[FindingMatch, ...]
    verdict: Verdict | None
    silenced: bool


class FindingsRepo:
    engine: Engine

    def findings(self, since: datetime | None, until: datetime | None) -> list[Finding]:
        """Alerts on items published in ``[since, until)``, oldest first."""
        with Session(self.engine) as session:
            query = select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id)).where(col(Alert.kind) == AlertKind.ITEM)
            if since is not None:
                query = query.where(col(Item.published_at) >= since)
            if until is not None:
                query = query.where(col(Item.published_at) < until)
            rows = session.exec(query.order_by(col(Item.published_at), col(Alert.id))).all()
            item_ids = [item.id for _, item in rows]
            matches: dict[int, list[RuleMatch]] = defaultdict(list)
            for match in session.exec(select(RuleMatch).where(col(RuleMatch.item_id).in_(item_ids)).order_by(col(RuleMatch.weight).desc())):
                matches[match.item_id].append(match)
            verdicts = self.verdicts()  # type: ignore[attr-defined]  # AlertsRepo's, beside this one in Store
            return [_finding(alert, item, matches[item.id or 0], verdicts.get(alert.id or 0)) for alert, item in rows]


def _finding(alert: Alert, item: Item, matches: list[RuleMatch], verdict: Verdict | None) -> Finding:
    payload: dict[str, Any] = alert.payload or {}
    assert alert.id is not None
    return Finding(
        alert_id=alert.id,
        created_at=alert.created_at,
        severity=Severity(alert.severity),
        score=alert.score,
        title=alert.title,
        source_id=item.source_id,
        url=item.canonical_url or item.url,  # without tracking parameters
        item_title=item.title,
        language=item.language,
        published_at=item.published_at,
        target=str(payload.get("target", "")),
        countries=tuple(str(c) for c in payload.get("countries", [])),
        matches=tuple(
            FindingMatch(m.rule_id, m.title, m.weight, m.severity, tuple(m.tags), tuple(str(e.get("quote", "")) for e in m.evidence)) for m in matches
        ),
        verdict=verdict,
        silenced=alert.silenced_by is not None,
    )
