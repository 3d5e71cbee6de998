"""Evidence kept with alerts: the bytes each alerting item was read from, and reading them back
(``monitor alerts evidence``)."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.models import Capture
from monitor.store.tables import Alert, Evidence, Item


@dataclass(frozen=True)
class KeptEvidence:
    kind: str
    url: str
    final_url: str
    sha256: str
    headers: tuple[tuple[str, str], ...]
    fetched_at: datetime
    body: bytes  # as fetched


@dataclass(frozen=True)
class AlertEvidence:
    alert_id: int
    item_url: str | None
    title: str
    text: str  # as extracted
    kept: tuple[KeptEvidence, ...]


def add_evidence(session: Session, item_id: int, captures: tuple[Capture, ...]) -> None:
    """Keep an alerting item's captures in the item's own transaction."""
    for capture in captures:
        session.add(
            Evidence(
                item_id=item_id,
                kind=capture.kind,
                url=capture.url,
                final_url=capture.final_url,
                sha256=hashlib.sha256(capture.body).hexdigest(),
                headers=[list(pair) for pair in capture.headers],
                fetched_at=capture.fetched_at,
                body=zlib.compress(capture.body, 6),
            )
        )


class EvidenceRepo:
    engine: Engine

    def evidence(self, alert_id: int) -> AlertEvidence | None:
        """An item alert's kept evidence (none kept for alerts from before it was), or None for no such alert."""
        with Session(self.engine) as session:
            item = session.exec(select(Item).join(Alert, col(Item.id) == col(Alert.item_id)).where(col(Alert.id) == alert_id)).first()
            if item is None:
                return None
            kept = session.exec(select(Evidence).where(col(Evidence.item_id) == item.id).order_by(col(Evidence.id))).all()
            return AlertEvidence(
                alert_id,
                item.url,
                item.title,
                item.text,
                tuple(KeptEvidence(e.kind, e.url, e.final_url, e.sha256, tuple((k, v) for k, v in e.headers), e.fetched_at, zlib.decompress(e.body)) for e in kept),
            )
