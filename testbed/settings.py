"""Settings for a sandboxed run of the monitor on the project's own rules and data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.daemon.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def sandbox_values(folder: Path) -> dict[str, Any]:
    """The project's rules and data, a database and a sources file in ``folder``, loopback
    allowed, no channel: the settings every sandboxed run shares."""
    return {
        "database_url": f"sqlite:///{folder}/monitor.db",
        "sources_file": folder / "sources.yaml",
        "rules_dir": ROOT / "rules",
        "elections_file": ROOT / "data" / "elections.yaml",
        "countries_file": ROOT / "data" / "countries.yaml",
        "allow_private_addresses": "127.0.0.1",
        "notify_urls": "",
    }


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """The sandbox's settings (``sandbox_values``), pages extracted in the polling threads."""
    # Extraction in the polling threads: no process start-up per test (tests of the pool ask for one).
    values = sandbox_values(tmp_path) | {"extract_workers": 0} | overrides
    return Settings(_env_file=None, **values)


def sandbox_environment(folder: Path) -> dict[str, str]:
    """The sandbox's settings as the MONITOR_* variables a user sets: for a command run in a new
    process, or through ``monitor.cli.main.main``."""
    return {f"MONITOR_{name.upper()}": str(value) for name, value in sandbox_values(folder).items()}
