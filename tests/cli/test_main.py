"""The `monitor` command line: every command has help, the demo works offline, score keeps its contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.settings import Settings
from monitor.demo import demo_sources, serve_sample_site
from tests.conftest import ROOT, make_settings

COMMANDS = [
    ["run"],
    ["score"],
    ["rules", "check"],
    ["rules", "test"],
    ["rules", "stats"],
    ["alerts", "list"],
    ["alerts", "mark"],
    ["alerts", "show"],
    ["alerts", "preview"],
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
]

FOUNDING_TEXT = (
    "For centuries our peoples lived side by side, and there is nothing for us to divide. "
    "Official Vilnius made its bet on a state coup and waged a hybrid war. Lithuania has lost about $1 billion. "
    "We propose a reset of our relations. It is time to step back from the edge of the abyss. "
    "I call on Lithuanians to calmly and rationally assess the situation and vote correctly."
)


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


def test_demo_shows_the_founding_case_alert_offline(tmp_path: Path, capsys) -> None:
    """`monitor demo` serves its sample site, runs one cycle and prints the one alert it would send."""
    assert main(["demo"], settings=make_settings(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "1 alert(s) would be sent" in out
    assert "Lithuania, parliamentary election on 2024-10-13, 18 days after publication" in out
    assert "vote correctly" in out


def test_score_json_follows_the_contract(tmp_path: Path, capsys) -> None:
    """`monitor score --format json` gives alert, severity, score, matches with evidence, elections, countries, language."""
    text_file = tmp_path / "statement.txt"
    text_file.write_text(FOUNDING_TEXT, encoding="utf-8")
    settings = make_settings(tmp_path)
    code = main(["score", str(text_file), "--published", "2024-09-25", "--source-kind", "official", "--source-country", "BY", "--format", "json"], settings=settings)
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"alert", "severity", "score", "matches", "elections", "countries", "language"}
    assert result["alert"] is True
    assert result["base_score"] == pytest.approx(sum(m["weight"] for m in result["matches"]))
    assert result["proximity_factor"] == 1.25  # 18 days before the vote
    assert result["score"] == round(result["base_score"] * 1.25, 2)
    assert result["elections"][0] == {"country": "LT", "type": "parliamentary", "date": "2024-10-13", "name": result["elections"][0]["name"], "days_until": 18}
    assert "LT" in result["countries"] and result["language"] == "en"
    rules = {m["rule"] for m in result["matches"]}
    assert {"ei02-vote-appeal-foreign", "ei03-reset-offer-before-election", "ei06-abyss-threat"} <= rules
    for match in result["matches"]:
        assert {"rule", "title", "weight", "tags", "evidence"} <= set(match)
        for evidence in match["evidence"]:
            assert FOUNDING_TEXT[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_score_reads_a_page_and_standard_input(tmp_path: Path, capsys, monkeypatch) -> None:
    """An .html file goes through extraction; `-` reads plain text from standard input."""
    html = tmp_path / "page.html"
    html.write_text(f"<html><body><article><h1>Reset</h1><p>{FOUNDING_TEXT}</p></article></body></html>", encoding="utf-8")
    settings = make_settings(tmp_path)
    assert main(["score", str(html), "--published", "2024-09-25", "--source-country", "BY"], settings=settings) == 0
    assert "ALERT" in capsys.readouterr().out

    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("The weather in Minsk is fine."))
    assert main(["score", "-", "--published", "2023-06-01"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "no alert" in out and "No rule matched." in out


def test_the_same_statement_from_the_target_country_does_not_alert(tmp_path: Path, capsys) -> None:
    """The speaker's country matters: the same words from a Lithuanian source are not interference."""
    text_file = tmp_path / "statement.txt"
    text_file.write_text(FOUNDING_TEXT, encoding="utf-8")
    main(["score", str(text_file), "--published", "2024-09-25", "--source-country", "LT", "--format", "json"], settings=make_settings(tmp_path))
    assert json.loads(capsys.readouterr().out)["alert"] is False


def test_alerts_and_sources_list_show_what_a_run_did(tmp_path: Path, clock, capsys) -> None:
    """After a run, `alerts list` shows the alert with its deliveries and `sources list` the health."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path))
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    capsys.readouterr()

    assert main(["alerts", "list", "--format", "json"], settings=settings) == 0
    (alert,) = json.loads(capsys.readouterr().out)
    assert alert["source"] == "demo-by-mfa" and alert["deliveries"][0]["state"] == "sent"

    assert main(["sources", "list"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "demo-by-mfa" in out and "demo-lt-gov" in out and "FAILING" not in out


def test_sources_list_shows_a_failing_source(tmp_path: Path, http_server, clock, capsys) -> None:
    """A source that fails shows its failures, last error and next poll."""
    http_server.serve("/feed.xml", "down", status=503)
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{id: down, name: Down, url: '{http_server.url('/feed.xml')}', kind: official, country: BY}}\n", encoding="utf-8"
    )
    settings = make_settings(tmp_path)
    assert main(["run", "--once"], clock=clock, settings=settings) == 1  # nothing could run
    capsys.readouterr()
    main(["sources", "list", "--format", "json"], settings=settings)
    (row,) = json.loads(capsys.readouterr().out)
    assert row["consecutive_failures"] == 1 and "HTTP 503" in row["last_error"] and row["next_poll"]


def test_invalid_rules_stop_run_once_with_exit_2(tmp_path: Path, capsys) -> None:
    """With an invalid rule file nothing runs: exit 2 and the error with its location."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules:\n  - id: x\n    title: t\n    severity: urgent\n", encoding="utf-8")
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    assert main(["run", "--once"], settings=make_settings(tmp_path, rules_dir=rules)) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:4: rules[0].severity" in err


def test_db_upgrade_creates_the_schema(tmp_path: Path, capsys) -> None:
    """`monitor db upgrade` applies the migrations to a new database, and is idempotent."""
    settings = make_settings(tmp_path)
    assert main(["db", "upgrade"], settings=settings) == 0
    assert main(["db", "upgrade"], settings=settings) == 0
    assert (tmp_path / "monitor.db").exists()


def test_score_fetches_and_extracts_a_url(tmp_path: Path, http_server, capsys) -> None:
    """A URL is fetched (through the address guard) and extracted like a page of a feed."""
    url = http_server.serve("/statement.html", f"<html><body><article><h1>Reset</h1><p>{FOUNDING_TEXT}</p></article></body></html>", headers={"Content-Type": "text/html"})
    settings = make_settings(tmp_path)
    assert main(["score", url, "--published", "2024-09-25", "--source-country", "BY", "--format", "json"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out)["alert"] is True

    assert main(["score", url], settings=make_settings(tmp_path, allow_private_addresses="false")) == 2
    assert "non-public address" in capsys.readouterr().err


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
    for name, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path}/monitor.db",
        "SOURCES_FILE": str(tmp_path / "sources.yaml"),
        "RULES_DIR": str(ROOT / "rules"),
        "ELECTIONS_FILE": str(ROOT / "data" / "elections.yaml"),
        "COUNTRIES_FILE": str(ROOT / "data" / "countries.yaml"),
        "ALLOW_PRIVATE_ADDRESSES": "127.0.0.1",
        "NOTIFY_URLS": "",
    }.items():
        monkeypatch.setenv(f"MONITOR_{name}", value)
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


def test_score_refuses_a_binary_page(tmp_path: Path, http_server, capsys) -> None:
    """A URL that serves binary bytes is not scored as text: exit 2 saying why."""
    url = http_server.serve("/garbage.html", b"<html><body>" + bytes(range(256)) * 100 + b"</body></html>", headers={"Content-Type": "text/html"})
    assert main(["score", url], settings=make_settings(tmp_path)) == 2
    assert "binary content" in capsys.readouterr().err
