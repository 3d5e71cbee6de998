"""Fixtures: local servers, a settable clock, throwaway PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from testbed.servers import LocalHTTPServer, LocalSMTPServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


class FakeClock:
    """An injected clock that tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session", autouse=True)
def built_knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests keep built rules and gazetteers in a folder of their own (MONITOR_CACHE_DIR,
    read by every Settings and every command the tests start), never in the user's."""
    folder = tmp_path_factory.mktemp("built")
    before = os.environ.get("MONITOR_CACHE_DIR")
    os.environ["MONITOR_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["MONITOR_CACHE_DIR"]
    else:
        os.environ["MONITOR_CACHE_DIR"] = before


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 9, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[LocalHTTPServer]:
    """A second HTTP server, standing in for a chat service that takes apprise json:// posts."""
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTPServer]:
    server = LocalSMTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL cluster, started once for the session."""
    from testbed.postgres import ThrowawayPostgres, server_binaries

    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries on this machine")
    server = ThrowawayPostgres(binaries).start()
    yield server.url
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database emptied before each test."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_server)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    yield postgres_server


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the package as `pip install .` puts it: the wheel built
    offline from the checkout; its dependencies are the test environment's (no download)."""
    root = tmp_path_factory.mktemp("install")
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300, cwd=root,
    )
    environment = root / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    # The dependencies: the test environment's packages, after the new environment's own (so the
    # package is the installed one, never the checkout's editable install).
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return environment


@pytest.fixture
def founding_case_stored(tmp_path: Path, clock):
    """The demo site polled once (`monitor run --once`) on the founding case's day: the settings of
    the database holding its one alert (#1) and the routine items beside it."""
    from monitor.cli.main import main
    from monitor.demo import demo_sources, serve_sample_site
    from testbed.settings import make_settings

    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path))
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    return settings
