"""The repository: everything the pipeline, the outbox and the CLI ask of the database.

Each public method is one transaction. An item, its identities, its rule matches, its alert
and the alert's deliveries are written together (``save_item``), so a crash leaves either all
of them or none, and the delivery job works from what was committed (the outbox).

``Store`` gathers ``store.items`` (sources, items, history), ``store.alerts`` (alerts, outbox,
silences, digests, verdicts) and ``store.leases`` (the work several workers share out);
``store.alert_lock`` serialises deciding alerts across threads and workers.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from monitor.store.alerts import AlertsRepo
from monitor.store.evidence import EvidenceRepo
from monitor.store.features import FeaturesRepo
from monitor.store.findings import FindingsRepo
from monitor.store.items import ItemsRepo
from monitor.store.leases import LeasesRepo, worker_id
from monitor.store.locks import AlertLock
from monitor.store.records import AlertView, NewAlert, PendingDelivery, RecentAlert, RuleStat, SourceStatus, StoredItem
from monitor.store.watch import WatchRepo

__all__ = [
    "AlertView",
    "NewAlert",
    "PendingDelivery",
    "RecentAlert",
    "RuleStat",
    "SourceStatus",
    "Store",
    "StoredItem",
]


class Store(ItemsRepo, AlertsRepo, EvidenceRepo, FeaturesRepo, FindingsRepo, LeasesRepo, WatchRepo):
    def __init__(self, engine: Engine, worker: str | None = None) -> None:
        self.engine = engine
        self.worker = worker or worker_id()  # the holder of this worker's leases
        self.alert_lock = AlertLock(engine)  # held while a poll decides and stores an alert
