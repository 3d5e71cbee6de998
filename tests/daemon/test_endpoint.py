"""The verdict endpoint: links from the e-mail recorded once confirmed, and bounded against whoever can reach it."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.cli.main import main
from monitor.daemon.endpoint import EndpointLimits, Verdicts, serve_endpoint
from monitor.daemon.wiring import Monitor, link_signer
from monitor.demo import demo_sources, serve_sample_site
from monitor.notify.links import LinkSigner
from monitor.store.engine import make_engine, upgrade
from monitor.store.repo import Store
from monitor.store.tables import VerdictRevision
from testbed.builders import count_rows
from testbed.endpoint import WELL
from testbed.servers import free_port
from testbed.settings import make_settings


def query(link: str) -> str:
    return link.split("?", 1)[1]


def test_the_email_carries_links_that_the_endpoint_records(tmp_path: Path, smtp_server, clock) -> None:
    """The e-mail's "No, a false positive" link, followed and confirmed, records the verdict; a changed link is refused."""
    port = free_port()
    with serve_sample_site() as base:
        settings = make_settings(
            tmp_path,
            sources_file=demo_sources(base, tmp_path),
            notify_urls=smtp_server.apprise_url(),
            secret_key="k",
            public_url=f"http://127.0.0.1:{port}",
        )
        with Monitor(settings, clock) as monitor:
            server = serve_endpoint("127.0.0.1", port, WELL, Verdicts(link_signer(settings), monitor.deps.store.mark, clock))
            try:
                assert main(["run", "--once"], clock=clock, settings=settings) == 0
                html = next(p.get_payload(decode=True).decode() for p in smtp_server.messages[0].walk() if p.get_content_type() == "text/html")
                link = re.search(r'href="([^"]+verdict=fp[^"]+)"', html).group(1).replace("&amp;", "&")
                page = httpx.get(link)
                assert page.status_code == 200 and "false positive" in page.text
                answer = httpx.post(link.split("?")[0], content=query(link), headers={"Content-Type": "application/x-www-form-urlencoded"})
                assert answer.status_code == 200 and "false positive" in answer.text
                assert httpx.get(link.replace("alert=1", "alert=2")).status_code == 403
                assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
            finally:
                server.shutdown()
                server.server_close()
    assert Store(make_engine(settings.database_url)).verdicts() == {1: "fp"}


# -- the endpoint, faced with whoever can reach it -------------------------------------------------

ENDPOINT_SIGNER = LinkSigner(b"endpoint-secret", "http://127.0.0.1:1", timedelta(days=14))


@dataclass
class Endpoint:
    base: str
    store: Store
    alert_id: int
    server: ThreadingHTTPServer

    def link_query(self, verdict: str, now: datetime) -> str:
        return query(ENDPOINT_SIGNER.links(self.alert_id, now)[verdict])


def start_endpoint(tmp_path: Path, clock, limits: EndpointLimits | None = None) -> Endpoint:
    store = Store(make_engine(f"sqlite:///{tmp_path}/endpoint.db"))
    upgrade(store.engine)
    alert_id = store.add_message("operational", "an alert", "body", ("log",), clock())
    server = serve_endpoint("127.0.0.1", 0, WELL, Verdicts(ENDPOINT_SIGNER, store.mark, clock), limits)
    return Endpoint(f"http://127.0.0.1:{server.server_address[1]}", store, alert_id, server)


@pytest.fixture
def endpoint(tmp_path: Path, clock) -> Iterator[Endpoint]:
    running = start_endpoint(tmp_path, clock)
    yield running
    running.server.shutdown()
    running.server.server_close()


def verdict_rows(store: Store) -> int:
    return count_rows(store, VerdictRevision)


def test_following_a_link_records_nothing_until_its_confirm_button_is_pressed_once_or_twice(endpoint: Endpoint, clock) -> None:
    """GET (an analyst or a mail scanner following the link) shows a confirm page and records nothing;
    the page's form POSTs the link back, which records the verdict; a second POST adds no row."""
    link = f"{endpoint.base}/verdict?{endpoint.link_query('fp', clock())}"
    page = httpx.get(link)
    assert page.status_code == 200 and "false positive" in page.text
    assert httpx.get(link).status_code == 200
    assert verdict_rows(endpoint.store) == 0

    form = re.search(r'<form method="post" action="verdict">(.*?)</form>', page.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert set(fields) == {"alert", "verdict", "expires", "sig"}
    for _ in range(2):
        answer = httpx.post(f"{endpoint.base}/verdict", data=fields)
        assert answer.status_code == 200 and "Recorded" in answer.text
    assert verdict_rows(endpoint.store) == 1
    assert endpoint.store.verdicts() == {endpoint.alert_id: "fp"}

    tp = dict(parse_qsl(endpoint.link_query("tp", clock())))
    assert httpx.post(f"{endpoint.base}/verdict", data=tp).status_code == 200  # the analyst changes their mind
    assert httpx.post(f"{endpoint.base}/verdict", data=fields).status_code == 200  # ... and back
    assert verdict_rows(endpoint.store) == 3
    assert endpoint.store.verdicts() == {endpoint.alert_id: "fp"}


def test_a_post_without_a_valid_signature_records_nothing(endpoint: Endpoint, clock) -> None:
    """The form is only as good as the link it carries: a changed field is refused."""
    fields = dict(parse_qsl(endpoint.link_query("fp", clock())))
    assert httpx.post(f"{endpoint.base}/verdict", data=fields | {"verdict": "tp"}).status_code == 403
    assert httpx.post(f"{endpoint.base}/verdict", content=b"x" * 5000, headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
    assert verdict_rows(endpoint.store) == 0


def signed(alert: int, verdict: str = "fp", expires: int = 2_000_000_000) -> str:
    return urlencode({"alert": alert, "verdict": verdict, "expires": expires, "sig": ENDPOINT_SIGNER._signature(alert, verdict, expires)})


MALFORMED = {
    "non-ASCII signature": lambda good: good.rsplit("sig=", 1)[0] + "sig=%C3%A9",
    "undecodable signature": lambda good: good.rsplit("sig=", 1)[0] + "sig=%FF%FE",
    "short signature": lambda good: good[:-10],
    "signed huge alert": lambda good: signed(10**30),
    "signed alert past the key range": lambda good: signed(2**31),
    "signed alert zero": lambda good: signed(0),
    "signed huge expiry": lambda good: signed(1, expires=10**30),
    "negative alert": lambda good: good.replace("alert=1&", "alert=-1&"),
    "alert with underscores": lambda good: good.replace("alert=1&", "alert=0_1&"),
    "alert of 5000 digits": lambda good: good.replace("alert=1&", f"alert={'9' * 5000}&"),
    "unknown verdict": lambda good: good.replace("verdict=fp", "verdict=maybe"),
    "missing signature": lambda good: good.rsplit("&sig=", 1)[0],
    "repeated alert": lambda good: good + "&alert=2",
    "many fields": lambda good: good + "&x=1" * 50,
    "empty": lambda good: "",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_malformed_link_is_answered_400(endpoint: Endpoint, clock, caplog, name: str) -> None:
    """A real request to the real server: a malformed link gets a 400 page, never a dropped
    connection or a traceback; nothing is recorded; GET and POST alike."""
    good = endpoint.link_query("fp", clock())
    assert good.startswith("alert=1&")
    bad = MALFORMED[name](good)
    answer = httpx.get(f"{endpoint.base}/verdict?{bad}")
    assert answer.status_code == 400 and "<p>" in answer.text
    posted = httpx.post(f"{endpoint.base}/verdict", content=bad.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert posted.status_code in (400, 413)
    assert verdict_rows(endpoint.store) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_half_sent_requests_are_closed_after_the_timeout_and_threads_stay_bounded(tmp_path: Path, clock) -> None:
    """Clients that send half a request (or drip it) are cut off after the timeout; no more than the
    connection cap is served at once (the rest get 503), so threads stay bounded; then it serves again."""
    limits = EndpointLimits(timeout=0.5, max_connections=4)
    running = start_endpoint(tmp_path, clock, limits)
    port = running.server.server_address[1]
    threads_before = threading.active_count()
    sockets = []
    try:
        for number in range(40):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /verdict?alert=1&verd" if number % 2 else b"GET /health HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)
        peak_threads = threading.active_count() - threads_before
        answers = [_read_until_closed(sock) for sock in sockets]  # raises socket.timeout if one is left open
        assert peak_threads <= limits.max_connections + 2
        assert {a.split(b" ", 2)[1] for a in answers if a} <= {b"503"}  # the rest closed without an answer
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        for sock in sockets:
            sock.close()
        running.server.shutdown()
        running.server.server_close()


def test_a_client_dripping_its_request_is_cut_off_at_the_deadline(tmp_path: Path, clock) -> None:
    """A byte every 0.1 s never lets a per-read timeout fire; the per-request deadline does."""
    running = start_endpoint(tmp_path, clock, EndpointLimits(timeout=0.5, max_connections=4))
    try:
        with socket.create_connection(("127.0.0.1", running.server.server_address[1]), timeout=0.1) as sock:
            started, closed = time.monotonic(), False
            while not closed and time.monotonic() - started < 5:
                try:
                    sock.sendall(b"X")
                    closed = sock.recv(1024) == b""
                except TimeoutError:
                    continue  # still open: drip on
                except OSError:
                    closed = True  # reset by the server
            assert closed, "the server still reads a request after five seconds"
    finally:
        running.server.shutdown()
        running.server.server_close()


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (b"POST /verdict HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n", b"400"),  # "²", a digit to str.isdigit
        (b"POST /verdict HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\nalert=1", b"408"),  # the rest never comes
    ],
)
def test_a_form_with_an_odd_length_or_a_stalled_body_gets_a_4xx_without_a_traceback(tmp_path: Path, clock, caplog, request_head: bytes, status: bytes) -> None:
    """A POST whose Content-Length is no number, or whose body stops short, is answered 400 or 408, not 500."""
    running = start_endpoint(tmp_path, clock, EndpointLimits(timeout=1, max_connections=4))
    try:
        with socket.create_connection(("127.0.0.1", running.server.server_address[1]), timeout=10) as sock:
            sock.sendall(request_head)
            assert _read_until_closed(sock).split(b" ", 2)[1] == status
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    finally:
        running.server.shutdown()
        running.server.server_close()


def _read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


QUERY_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="#"), max_size=120)
FIELD_VALUE = st.one_of(st.text(max_size=30), st.integers(min_value=-(10**40), max_value=10**40).map(str))
QUERY_FIELDS = st.lists(st.tuples(st.sampled_from(["alert", "verdict", "expires", "sig", "x"]), FIELD_VALUE), max_size=6).map(urlencode)


@pytest.mark.parametrize("target", ["//[x", "/verdict?%", "/%FF", "*", "/health?\x7f"])
def test_odd_request_targets_get_an_answer(endpoint: Endpoint, target: str) -> None:
    """Targets that trip URL parsers are answered (404 or 400), not dropped."""
    with socket.create_connection(("127.0.0.1", endpoint.server.server_address[1]), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\n\r\n".encode())
        answer = _read_until_closed(sock)
    assert re.match(rb"HTTP/1\.[01] (200|400|404) ", answer), answer[:100]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query_string=st.one_of(QUERY_TEXT, QUERY_FIELDS), method=st.sampled_from(["GET", "POST"]))
def test_any_query_string_gets_a_well_formed_answer_below_500(endpoint: Endpoint, query_string: str, method: str) -> None:
    """Whatever arrives in the query (or the form), the answer is a complete HTTP response, status < 500."""
    port = endpoint.server.server_address[1]
    if method == "GET":
        request = f"GET /verdict?{query_string} HTTP/1.0\r\nHost: x\r\n\r\n".encode()
    else:
        body = query_string.encode()
        request = f"POST /verdict HTTP/1.0\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = _read_until_closed(sock)
    head, separator, body = answer.partition(b"\r\n\r\n")
    status = re.match(rb"HTTP/1\.[01] (\d{3}) ", head)
    assert separator and status, answer[:200]
    assert int(status.group(1)) < 500
    length = re.search(rb"\r\nContent-Length: (\d+)", head)
    assert length is not None and int(length.group(1)) == len(body)


@pytest.mark.parametrize(("variable", "value"), [("MONITOR_HTTP_TIMEOUT", "0s"), ("MONITOR_HTTP_TIMEOUT", "1h"), ("MONITOR_HTTP_MAX_CONNECTIONS", "0")])
def test_bad_endpoint_limits_are_refused_before_anything_runs(monkeypatch, capsys, variable: str, value: str) -> None:
    """An endpoint limit out of range: exit 2 with a line naming the setting."""
    monkeypatch.setenv(variable, value)
    assert main(["sources", "list"]) == 2
    assert variable in capsys.readouterr().err


def test_an_endpoint_that_cannot_listen_is_refused_with_exit_2(tmp_path: Path, clock, capsys) -> None:
    """A port already taken names MONITOR_HTTP_LISTEN (no traceback). An address that is no
    host:port is refused with the other settings (tests/cli/test_main.py)."""
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = make_settings(tmp_path, http_listen=f"127.0.0.1:{taken.getsockname()[1]}", secret_key="k", public_url="http://127.0.0.1:1")
        assert main(["run"], clock=clock, settings=settings) == 2
        assert "MONITOR_HTTP_LISTEN" in capsys.readouterr().err
