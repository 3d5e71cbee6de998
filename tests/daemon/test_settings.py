"""Settings: every MONITOR_* value is checked with its range; any value gives settings or the clear configuration error."""

from __future__ import annotations

import io
import logging
import os
from contextlib import redirect_stderr
from datetime import timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from monitor.cli.main import main
from monitor.daemon.settings import Settings, parse_listen
from monitor.daemon.wiring import endpoint_limits, link_signer, make_fetcher
from monitor.ingest.extraction_pool import available_cores

NAMES = sorted(Settings.model_fields)

# What an operator might type, and what a fuzzer would: numbers at and past every edge, durations, addresses, text.
EDGES = ["", "0", "-1", "1", "1023", "1024", "3600", "3601", "nan", "inf", "-inf", "1e400", "0s", "59s", "1m", "15m",
         "99999999999d", "true", "false", "127.0.0.1:8080", "[::1]:80", ":8080", "host:0", "nonsense", "http://x", "LOUD", "debug"]
VALUES = st.one_of(
    st.sampled_from(EDGES),
    st.integers().map(str),
    st.floats().map(str),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40),
)


def env(values: dict[str, str]) -> mock._patch_dict:  # type: ignore[name-defined]
    """Exactly these MONITOR_* variables, and no .env file is read (Settings reads only the environment here)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return mock.patch.dict(os.environ, clean | {f"MONITOR_{k.upper()}": v for k, v in values.items()}, clear=True)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4))
def test_any_values_give_settings_or_exit_2_naming_each_variable(values: dict[str, str]) -> None:
    """Random MONITOR_* values: either valid settings, or `monitor` exits 2 with one line per bad variable, never a traceback."""
    with env(values):
        try:
            loaded = Settings(_env_file=None)  # type: ignore[call-arg]
        except ValidationError as exc:
            bad = {f"MONITOR_{'_'.join(map(str, e['loc'])).upper()}" for e in exc.errors()}
            err = io.StringIO()
            with redirect_stderr(err):
                assert main(["rules", "check"]) == 2
            lines = err.getvalue().splitlines()
            assert all(any(name in line for name in bad) for line in lines if not line.startswith("Configuration errors:"))
            assert len([line for line in lines if "MONITOR_" in line]) == len(exc.errors())
        else:
            usable(loaded)


def usable(loaded: Settings) -> None:
    """Settings that load are settings the monitor can run on: every derived object builds, every number is in range."""
    logging.getLogger("monitor.daemon.settings-test").setLevel(loaded.log_level)
    loaded.thresholds(), loaded.allowed_networks(), loaded.retry_policy(), loaded.health_policy(), link_signer(loaded), endpoint_limits(loaded)
    make_url(loaded.database_url)
    if loaded.http_listen:
        parse_listen(loaded.http_listen)
    assert 0 < loaded.connect_timeout <= 3600 and 0 < loaded.read_timeout <= 3600
    assert loaded.max_body_bytes >= 1024 and loaded.max_redirects >= 0
    assert loaded.default_interval >= timedelta(minutes=1) and loaded.delivery_interval > timedelta(0)
    make_fetcher(loaded).close()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("connect_timeout", "0.5", 0.5),
        ("read_timeout", "3600", 3600.0),
        ("max_body_bytes", "1024", 1024),
        ("max_redirects", "0", 0),
        ("log_level", "debug", "DEBUG"),
        ("http_listen", "127.0.0.1:8080", "127.0.0.1:8080"),
        ("default_interval", "1m", timedelta(minutes=1)),
        ("extract_workers", "0", 0),
        ("extract_workers", "256", 256),
    ],
)
def test_values_at_the_edge_of_their_range_are_accepted(name: str, value: str, expected: object) -> None:
    """The documented bounds are inclusive where the README says "at least" / "at most"."""
    assert getattr(Settings(_env_file=None, **{name: value}), name) == expected  # type: ignore[arg-type]


def test_pages_are_extracted_on_every_core_unless_told_otherwise() -> None:
    """MONITOR_EXTRACT_WORKERS defaults to the cores this process may use; 0 to 256, else refused."""
    assert Settings(_env_file=None).extract_workers == available_cores()
    for wrong in ("-1", "257", "two"):
        with pytest.raises(ValidationError, match="extract_workers"):
            Settings(_env_file=None, extract_workers=wrong)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "address"),
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:80", ("::1", 80)), (":8080", ("127.0.0.1", 8080)), ("monitor.local:443", ("monitor.local", 443))],
)
def test_a_listen_address_is_host_and_port(text: str, address: tuple[str, int]) -> None:
    """MONITOR_HTTP_LISTEN is host:port (an IPv6 host in brackets; no host = loopback)."""
    assert parse_listen(text) == address


@pytest.mark.parametrize("text", ["nonsense", "8080", "host:", "host:0", "host:65536", "a b:80", "[::1:80", "::1:80", "[host]:80", "host:８０"])
def test_a_listen_address_without_a_valid_port_or_host_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_listen(text)
