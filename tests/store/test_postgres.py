"""PostgreSQL, the path past one machine: migrations are deliberate, the outbox is shared safely."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.scheduler import poll_all
from monitor.daemon.wiring import Monitor
from monitor.demo import demo_sources, serve_sample_site
from monitor.errors import DatabaseError
from monitor.notify.outbox import LEASE
from monitor.store.engine import ensure_schema, make_engine
from monitor.store.repo import Store
from testbed.settings import make_settings


def test_the_daemon_refuses_an_unmigrated_postgresql_with_a_clear_message(postgres_url: str, tmp_path: Path, capsys) -> None:
    """On PostgreSQL migrations are never applied implicitly: `run` exits 2 and says to run `db upgrade`."""
    with pytest.raises(DatabaseError, match="monitor db upgrade"):
        ensure_schema(make_engine(postgres_url))
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    assert main(["run", "--once"], settings=make_settings(tmp_path, database_url=postgres_url)) == 2
    assert "run `monitor db upgrade` first" in capsys.readouterr().err


def test_after_db_upgrade_the_founding_case_runs_on_postgresql(postgres_url: str, tmp_path: Path, receiver, clock) -> None:
    """`monitor db upgrade`, then one run stores the items and delivers the one alert, once."""
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            database_url=postgres_url,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=f"json://{receiver.base.removeprefix('http://')}/hook",
        )
        assert main(["db", "upgrade"], settings=settings) == 0
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    assert len(receiver.hits("/hook", "POST")) == 1
    (alert,) = Store(make_engine(postgres_url)).alerts()
    assert alert.published_at.isoformat() == "2024-09-25T06:30:00+00:00"
    assert alert.deliveries[0][1] == "sent"


def test_two_workers_never_claim_the_same_delivery(postgres_url: str, tmp_path: Path, clock) -> None:
    """Concurrent claims on the outbox (FOR UPDATE SKIP LOCKED) hand each delivery to one worker."""
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            database_url=postgres_url,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=" ".join(f"json://127.0.0.1:9/hook{i}" for i in range(8)),
        )
        main(["db", "upgrade"], settings=settings)
        with Monitor(settings, clock) as monitor:
            poll_all(monitor.enabled_sources, monitor.deps)
    store = Store(make_engine(postgres_url))
    with ThreadPoolExecutor(max_workers=4) as pool:
        claims = list(pool.map(lambda _: store.claim_next_delivery(clock(), LEASE), range(12)))
    claimed = [d.id for d in claims if d is not None]
    assert len(claimed) == 8 and len(set(claimed)) == 8
