"""Leases: work held by one of several workers sharing a database, until released or expired.

Workers claim a source before polling it, a page before fetching it and a housekeeping run
before doing it, so that each is done by one of them. A claim is one statement (an insert, or
an update of an expired lease or of the claimant's own), atomic on SQLite and PostgreSQL alike:
of two workers claiming at once exactly one wins. A worker that dies keeps its leases only until
they expire; then the work falls to the others.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from monitor.store.tables import Lease

# A page is held while it is fetched, extracted and stored: longer than a fetch may take (60 s by
# default), and shorter than any lease on a source (its poll deadline plus minutes), so that
# when a worker dies mid-poll its pages are free again by the time its source is.
ENTRY_LEASE = timedelta(minutes=3)


def worker_id() -> str:
    """This worker's name on its leases: host, process and a random part (a restarted worker,
    or a second Store in one process, holds nothing of the one before)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeasesRepo:
    engine: Engine
    worker: str

    def claim(self, key: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Hold ``key`` until ``now + ttl``, unless another holder's lease on it is still running.

        Claiming a key one already holds renews it. Returns whether ``holder`` holds it now.
        """
        values = {"key": key, "holder": holder, "expires_at": now + ttl, "now": now}
        # SQLAlchemy Core: every poll claims and releases its source, and an ORM session costs
        # several times the statement.
        with self.engine.begin() as connection:
            return connection.execute(_claim_statement(self.engine.dialect.name), values).first() is not None

    def release(self, key: str, holder: str) -> None:
        """Give ``key`` up, if ``holder`` still holds it (an expired lease may be another's by now)."""
        with self.engine.begin() as connection:
            connection.execute(_RELEASE, {"key": key, "holder": holder})

    def claim_entry(self, keys: tuple[str, ...], title_key: str | None, now: datetime) -> bool:
        """Claim a feed entry for this worker before fetching its page (by its first identity, as
        ``seen`` looks it up). False: another worker is at it. Never released: it expires."""
        first = keys[0] if keys else title_key
        return first is None or self.claim(f"entry:{first}", self.worker, now, ENTRY_LEASE)

    def purge_leases(self, now: datetime) -> int:
        """Delete the leases that have expired (pages' leases are never released); returns how many."""
        with Session(self.engine) as session:
            deleted = session.execute(delete(Lease).where(col(Lease.expires_at) < now)).rowcount  # type: ignore[attr-defined]
            session.commit()
        return int(deleted or 0)


_RELEASE = delete(Lease).where(col(Lease.key) == bindparam("key"), col(Lease.holder) == bindparam("holder"))


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> Any:
    """The claim, built once per dialect with its values bound at execution: every poll claims
    its source, and building the statement cost more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Lease).values(key=bindparam("key"), holder=bindparam("holder"), expires_at=bindparam("expires_at"))
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=(col(Lease.expires_at) <= bindparam("now")) | (col(Lease.holder) == statement.excluded.holder),
    )
    return statement.returning(col(Lease.key))
