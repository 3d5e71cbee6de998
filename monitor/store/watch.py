"""Alerted pages looked at again: which are due, and what was found (an edit, a removal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.models import AlertKind
from monitor.store.alerts import add_message_in
from monitor.store.tables import Alert, Delivery, Evidence, Item, PageRevision, PageWatch


@dataclass(frozen=True)
class WatchedPage:
    alert_id: int
    item_id: int
    url: str  # where the page was found when it alerted (after redirects)
    alert_title: str
    text: str  # its text as last known: the item's, or the last edit's
    channels: tuple[str, ...]  # the alert's: an update goes where the alert went


class WatchRepo:
    engine: Engine

    def pages_to_watch(self, alerted_since: datetime, checked_before: datetime) -> list[WatchedPage]:
        """Pages of alerts raised since ``alerted_since``, not known to be gone, not looked at since ``checked_before``."""
        with Session(self.engine) as session:
            query = (
                select(Alert, Item, Evidence)
                .join(Item, col(Item.id) == col(Alert.item_id))
                .join(Evidence, (col(Evidence.item_id) == col(Item.id)) & (col(Evidence.kind) == "page"))
                .where(col(Alert.kind) == AlertKind.ITEM, col(Alert.created_at) >= alerted_since)
                .order_by(col(Alert.id))
            )
            pages = []
            for alert, item, kept in session.exec(query):
                assert alert.id is not None and item.id is not None
                watch = session.get(PageWatch, item.id)
                if watch is not None and (watch.gone or watch.last_checked_at >= checked_before):
                    continue
                last = session.exec(select(PageRevision).where(col(PageRevision.item_id) == item.id).order_by(col(PageRevision.id).desc())).first()
                channels = tuple(session.exec(select(Delivery.channel).where(col(Delivery.alert_id) == alert.id).order_by(col(Delivery.channel))).all())
                pages.append(WatchedPage(alert.id, item.id, kept.final_url, alert.title, last.text if last else item.text, channels))
            return pages

    def page_checked(self, item_id: int, now: datetime) -> None:
        with Session(self.engine) as session:
            _watched(session, item_id, now, gone=False)
            session.commit()

    def page_changed(self, page: WatchedPage, change: str, text: str, diff: str, title: str, body: str, now: datetime) -> int:
        """Record an edit or a removal and queue its update on the alert's channels, in one transaction."""
        with Session(self.engine) as session:
            session.add(PageRevision(item_id=page.item_id, found_at=now, change=change, text=text, diff=diff))
            _watched(session, page.item_id, now, gone=change == "removed")
            update = add_message_in(session, AlertKind.UPDATE, title, body, page.channels, now)
            session.commit()
            return update


def _watched(session: Session, item_id: int, now: datetime, gone: bool) -> None:
    watch = session.get(PageWatch, item_id) or PageWatch(item_id=item_id, last_checked_at=now)
    watch.last_checked_at, watch.gone = now, gone
    session.add(watch)
