"""Verdicts: one row per change of an alert's verdict; the migration numbers the verdicts already stored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from monitor.store.engine import MIGRATIONS, make_engine, upgrade
from monitor.store.repo import Store
from monitor.store.tables import VerdictRevision
from testbed.builders import count_rows

NOW = datetime(2024, 9, 25, 12, 0, tzinfo=UTC)


def migrate(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.db"
    return str(request.getfixturevalue("postgres_url"))


def test_the_migration_numbers_stored_verdicts_and_keeps_the_latest(database_url: str) -> None:
    """Rows written before revisions existed (a link opened twice, then a change of mind) are numbered
    in the order given; the verdict that counted before still counts."""
    engine = make_engine(database_url)
    migrate(engine, "0005")
    with engine.begin() as connection:
        for alert_id in (1, 2):
            connection.execute(
                text("INSERT INTO alert (id, kind, created_at, score, severity, title, body, copies) VALUES (:id, 'item', :t, 1, 'low', 't', 'b', '[]')"),
                {"id": alert_id, "t": NOW.replace(tzinfo=None)},
            )
        for alert_id, verdict, minutes in ((1, "fp", 0), (1, "fp", 0), (1, "tp", 5), (2, "tp", 1)):
            connection.execute(
                text("INSERT INTO verdict (alert_id, verdict, note, created_at) VALUES (:a, :v, 'link', :t)"),
                {"a": alert_id, "v": verdict, "t": (NOW + timedelta(minutes=minutes)).replace(tzinfo=None)},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT alert_id, revision, verdict FROM verdict ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 1, "fp"), (1, 2, "fp"), (1, 3, "tp"), (2, 1, "tp")]
    store = Store(engine)
    assert store.verdicts() == {1: "tp", 2: "tp"}
    assert store.mark(1, "tp", "link", NOW) and count_rows(store, VerdictRevision) == 4  # what it already is: nothing new


def test_marking_is_idempotent_and_a_change_of_mind_is_kept(tmp_path: Path) -> None:
    """The same verdict again adds nothing, even from several threads at once; another verdict,
    or a new note, is a new revision, and the latest counts."""
    store = Store(make_engine(f"sqlite:///{tmp_path}/m.db"))
    upgrade(store.engine)
    alert_id = store.add_message("operational", "t", "b", ("log",), NOW)
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(lambda _: store.mark(alert_id, "fp", "from a link", NOW), range(8)))
    assert count_rows(store, VerdictRevision) == 1
    assert store.mark(alert_id, "fp", None, NOW) and count_rows(store, VerdictRevision) == 1  # no note: the same verdict
    assert store.mark(alert_id, "fp", "quoting, not speaking", NOW) and count_rows(store, VerdictRevision) == 2
    assert store.mark(alert_id, "tp", None, NOW) and store.verdicts() == {alert_id: "tp"}
    assert not store.mark(alert_id + 1, "tp", None, NOW)
