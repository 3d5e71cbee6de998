"""Leases: one holder at a time per key, until released or expired; one statement, so of workers
claiming at once exactly one wins (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.store.engine import make_engine, upgrade
from monitor.store.leases import ENTRY_LEASE, worker_id
from monitor.store.repo import Store
from monitor.store.tables import Lease
from testbed.builders import count_rows

NOW = datetime(2024, 9, 25, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/leases.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine, "worker-a")


def test_a_lease_is_held_by_one_worker_until_it_expires(store: Store) -> None:
    """The first claim wins; another worker's claim fails while the lease runs and wins once it has expired."""
    assert store.claim("source:a", "worker-a", NOW, MINUTE)
    assert not store.claim("source:a", "worker-b", NOW + timedelta(seconds=59), MINUTE)
    assert store.claim("source:a", "worker-b", NOW + MINUTE, MINUTE)  # expired: taken over
    assert not store.claim("source:a", "worker-a", NOW + MINUTE, MINUTE)  # the old holder lost it


def test_the_holder_renews_its_own_lease(store: Store) -> None:
    assert store.claim("source:a", "worker-a", NOW, MINUTE)
    assert store.claim("source:a", "worker-a", NOW + timedelta(seconds=30), MINUTE)  # runs to 12:01:30 now
    assert not store.claim("source:a", "worker-b", NOW + timedelta(seconds=75), MINUTE)


def test_a_released_lease_is_free_and_only_its_holder_releases_it(store: Store) -> None:
    assert store.claim("source:a", "worker-a", NOW, MINUTE)
    store.release("source:a", "worker-b")  # not its lease: nothing happens
    assert not store.claim("source:a", "worker-b", NOW, MINUTE)
    store.release("source:a", "worker-a")
    assert store.claim("source:a", "worker-b", NOW, MINUTE)


def test_keys_are_independent(store: Store) -> None:
    assert store.claim("source:a", "worker-a", NOW, MINUTE)
    assert store.claim("source:b", "worker-b", NOW, MINUTE)


def test_purging_deletes_only_expired_leases(store: Store) -> None:
    store.claim("short", "worker-a", NOW, MINUTE)
    store.claim("long", "worker-a", NOW, 10 * MINUTE)
    assert store.purge_leases(NOW + 2 * MINUTE) == 1
    assert count_rows(store, Lease) == 1
    assert not store.claim("long", "worker-b", NOW + 2 * MINUTE, MINUTE)


def test_an_entry_is_claimed_by_its_first_identity_for_a_short_while(store: Store) -> None:
    """The page of an entry is claimed under its first key (its canonical URL), else its title key;
    an entry with no identity at all cannot be claimed and is never held back."""
    other = Store(store.engine, "worker-b")
    keys = ("url:https://example.org/a", "guid:s:1")
    assert store.claim_entry(keys, "title:x", NOW)
    assert not other.claim_entry(("url:https://example.org/a",), None, NOW)  # another source listing the same page
    assert other.claim_entry(("guid:s:1",), None, NOW)  # only the first key is claimed
    assert other.claim_entry(keys, None, NOW + ENTRY_LEASE)  # expired: the page is free again
    assert store.claim_entry((), "title:y", NOW) and not other.claim_entry((), "title:y", NOW)
    assert store.claim_entry((), None, NOW) and other.claim_entry((), None, NOW)


def test_worker_ids_differ_within_one_process() -> None:
    assert worker_id() != worker_id()


def test_of_many_workers_claiming_at_once_exactly_one_wins(store: Store, database_url: str) -> None:
    """Eight workers, each with its own engine, claim the same fresh key behind a barrier, twenty times over."""
    stores = [Store(make_engine(database_url), f"worker-{n}") for n in range(8)]
    ready = threading.Barrier(len(stores))

    def claim(index: int, key: str) -> bool:
        ready.wait()
        return stores[index].claim(key, stores[index].worker, NOW, MINUTE)

    for round_ in range(20):
        with ThreadPoolExecutor(len(stores)) as pool:
            won = list(pool.map(claim, range(len(stores)), [f"key-{round_}"] * len(stores)))
        assert won.count(True) == 1
