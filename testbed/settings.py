"""Settings for a sandboxed run of the monitor on the project's own rules and data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.daemon.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on the project's rules and data, a database in ``tmp_path``, loopback allowed,
    pages extracted in the polling threads."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/monitor.db",
        "sources_file": tmp_path / "sources.yaml",
        "rules_dir": ROOT / "rules",
        "elections_file": ROOT / "data" / "elections.yaml",
        "countries_file": ROOT / "data" / "countries.yaml",
        "allow_private_addresses": "127.0.0.1",
        "notify_urls": "",
        "extract_workers": 0,  # extraction in the polling threads: no process start-up per test (tests of the pool ask for one)
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
