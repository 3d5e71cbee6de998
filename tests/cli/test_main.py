"""The `monitor` command line: every command has help; a setting or file that cannot be used stops it with exit 2, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.docs import leaf_commands
from monitor.cli.main import build_parser, main
from monitor.daemon.settings import Settings
from testbed.settings import sandbox_environment
from tests.conftest import ROOT

COMMANDS = [
    ["run"],
    ["score"],
    ["rules", "check"],
    ["rules", "test"],
    ["rules", "tune"],
    ["rules", "stats"],
    ["alerts", "list"],
    ["alerts", "mark"],
    ["alerts", "show"],
    ["alerts", "preview"],
    ["alerts", "evidence"],
    ["review", "list"],
    ["sources", "list"],
    ["db", "upgrade"],
    ["demo"],
    ["eval"],
    ["backtest"],
    ["silence", "add"],
    ["silence", "list"],
    ["silence", "remove"],
    ["calendar", "upcoming"],
    ["calendar", "check"],
    ["calendar", "stats"],
    ["calendar", "import"],
    ["export"],
    ["report"],
    ["init"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str], capsys) -> None:
    """`monitor ... --help` describes the command and exits 0."""
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: monitor " + " ".join(command) in capsys.readouterr().out


def test_python_dash_m_monitor_is_the_command() -> None:
    """`python -m monitor` runs the same command line."""
    done = subprocess.run([sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("monitor ")


def test_every_command_is_in_the_list() -> None:
    """COMMANDS, which the help and README checks go through, names every command of the parser."""
    assert sorted(list(words) for words, _ in leaf_commands(build_parser())) == sorted(COMMANDS)


def test_an_empty_notify_config_means_none(tmp_path: Path, monkeypatch) -> None:
    """`MONITOR_NOTIFY_CONFIG=` (empty, the documented default) is no configuration file, not an error."""
    monkeypatch.setenv("MONITOR_NOTIFY_CONFIG", "")
    assert Settings(_env_file=None).notify_config is None  # type: ignore[call-arg]


def test_an_invalid_setting_is_a_clear_configuration_error(monkeypatch, capsys) -> None:
    """A bad MONITOR_* value exits 2 naming the variable, without a traceback."""
    monkeypatch.setenv("MONITOR_SEVERITY_THRESHOLDS", "medium=four")
    assert main(["rules", "check"]) == 2
    assert "MONITOR_SEVERITY_THRESHOLDS" in capsys.readouterr().err


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MONITOR_* pointing at the project's rules and data, a database and a valid sources file in ``tmp_path``."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: s\n    name: S\n    url: http://127.0.0.1:9/feed.xml\n    kind: official\n    country: BY\n", encoding="utf-8"
    )
    for name, value in sandbox_environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    return tmp_path


def refused_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`monitor run --once` exits 2 with one line on standard error and creates no database; that line."""
    assert main(["run", "--once"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert not (tmp_path / "monitor.db").exists()
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOG_LEVEL", "LOUD"),
        ("MAX_BODY_BYTES", "-1"),
        ("MAX_BODY_BYTES", "10"),
        ("READ_TIMEOUT", "-1"),
        ("READ_TIMEOUT", "nan"),
        ("CONNECT_TIMEOUT", "0"),
        ("MAX_REDIRECTS", "-1"),
        ("HTTP_LISTEN", "nonsense"),
        ("HTTP_LISTEN", "127.0.0.1:99999"),
        ("DEFAULT_INTERVAL", "0s"),
        ("DELIVERY_INTERVAL", "99999999999d"),
        ("LINK_TTL", "9999999d"),  # a link's expiry date could not be written
        ("REALERT_PERIOD", "0s"),
        ("PUBLIC_URL", "javascript:alert(1)"),
        ("DATABASE_URL", "not a url"),
        ("USER_AGENT", "monitor\r\nX-Injected: 1"),
        ("USER_AGENT", "Ministère"),
    ],
)
def test_a_setting_out_of_range_is_refused_before_anything_runs(
    variable: str, value: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every setting is checked with its range first: exit 2, one line naming the variable, no database created."""
    monkeypatch.setenv(f"MONITOR_{variable}", value)
    line = refused_before_anything_runs(clean_env, capsys)
    assert line.startswith(f"Configuration error: MONITOR_{variable}: ")


@pytest.mark.parametrize(
    "url",
    ['"http://127.0.0.1:9/a\\nb"', '"http://127.0.0.1:9/a b"', '"http://127.0.0.1:9/\\u0000"', "ftp://example.org/feed", "http://", "http://[::1/feed", "http://example.org:99999/"],
)
def test_a_source_url_that_cannot_be_fetched_is_refused_before_anything_runs(
    url: str, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source URL needs http(s), a host, and no whitespace or control character: exit 2 naming the file, line and key."""
    (clean_env / "sources.yaml").write_text(
        f"sources:\n  - id: s\n    name: S\n    url: {url}\n    kind: official\n    country: BY\n", encoding="utf-8"
    )
    line = refused_before_anything_runs(clean_env, capsys)
    assert "sources.yaml:4: sources[0].url: " in line


@pytest.mark.parametrize("which", ["rules", "sources"])
def test_a_file_that_is_not_utf8_is_refused_with_its_byte_offset(
    which: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Latin-1 rule or sources file is one line naming the file, the line and the byte offset: exit 2, no traceback."""
    text = "sources:\n  - id: s\n    name: Ministère\n"
    path = clean_env / "sources.yaml"
    if which == "rules":
        rules = clean_env / "rules"
        rules.mkdir()
        path = rules / "bad.yaml"
        text = "rules:\n  - id: x\n    title: Ministère\n"
        monkeypatch.setenv("MONITOR_RULES_DIR", str(rules))
    path.write_bytes(text.encode("latin-1"))
    line = refused_before_anything_runs(clean_env, capsys)
    offset = text.encode("latin-1").index("è".encode("latin-1"))
    assert line == f"Configuration error: {path}:3: not UTF-8: byte 0xe8 at byte offset {offset}; save the file as UTF-8"


@pytest.mark.parametrize("value", ["999", "10000001", "many"])
def test_the_text_cap_is_refused_outside_its_range(value: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MONITOR_MAX_TEXT_CHARS", value)
    assert main(["rules", "check"]) == 2
    assert "MONITOR_MAX_TEXT_CHARS" in capsys.readouterr().err


def test_the_command_does_not_load_what_only_reports_and_exports_need() -> None:
    """`monitor run` loads every command's module: matplotlib and stix2 (a second and tens of MB)
    wait for `monitor report` and `monitor export`, and so stay out of the daemon and its extraction processes."""
    import subprocess
    import sys

    script = "import sys, monitor.cli.main; print(sorted(m for m in ('matplotlib', 'stix2') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
