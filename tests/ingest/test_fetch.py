"""The fetcher against a real local server: bodies, validators, limits, redirects, and the address guard."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from monitor.daemon.settings import ALL_NETWORKS, Settings, parse_allowed_networks
from monitor.errors import (
    AddressRefused,
    DeadlineExceeded,
    FetchError,
    FetchStopped,
    ResponseTooLarge,
)
from monitor.ingest.fetch import Fetcher, Limits, Validators, build_client
from monitor.ingest.guard import AddressGuard
from testbed.servers import DribbleServer, LocalHTTPServer, free_port
from testbed.settings import make_settings

LOOPBACK_ONLY = parse_allowed_networks("127.0.0.1")
ETAG = '"feed-v1"'
LAST_MODIFIED = "Wed, 25 Sep 2024 10:00:00 GMT"
FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


@pytest.fixture
def user_agent(tmp_path: Path) -> str:
    return make_settings(tmp_path).user_agent


@pytest.fixture
def client(user_agent: str) -> Iterator[httpx.Client]:
    """The client as the daemon builds it: every connection through the guarded transport."""
    with build_client(user_agent, connect_timeout=5, read_timeout=5, guard=AddressGuard(LOOPBACK_ONLY)) as c:
        yield c


def fetcher(
    client: httpx.Client,
    allowed: tuple = LOOPBACK_ONLY,
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
    deadline: float = 60.0,
    stop: threading.Event | None = None,
) -> Fetcher:
    return Fetcher(client, AddressGuard(allowed), Limits(max_bytes=max_bytes, max_redirects=max_redirects, deadline=deadline), stop)


def gzip_of_zeros(size: int) -> bytes:
    """``size`` zero bytes gzip-compressed, built a megabyte at a time (the test never holds them)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 1_000_000
    parts = [packer.compress(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


def peak_memory(action: Callable[[], object]) -> int:
    """The peak of Python allocations (bytes) while ``action`` runs, a FetchError allowed."""
    tracemalloc.start()
    try:
        with contextlib.suppress(FetchError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mock_client(handler) -> httpx.Client:  # type: ignore[no-untyped-def]
    """A client whose transport produces a fault a real server cannot (a stream, a timeout)."""
    return httpx.Client(transport=httpx.MockTransport(handler))


class TestGet:
    def test_plain_get_returns_body_and_validators(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A GET returns the status, body, content type, final URL and the ETag / Last-Modified validators."""
        url = http_server.serve(
            "/feed.xml", FEED, headers={"Content-Type": "application/rss+xml"}, etag=ETAG, last_modified=LAST_MODIFIED
        )
        fetched = fetcher(client).get(url)
        assert fetched.status == 200
        assert not fetched.not_modified
        assert fetched.body == FEED
        assert fetched.url == url
        assert fetched.content_type == "application/rss+xml"
        assert fetched.validators == Validators(ETAG, LAST_MODIFIED)

    def test_conditional_get_gets_not_modified(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """Sending the validators back gets a 304 with an empty body, and the server saw both headers."""
        url = http_server.serve("/feed.xml", FEED, etag=ETAG, last_modified=LAST_MODIFIED)
        first = fetcher(client).get(url)
        second = fetcher(client).get(url, first.validators)
        assert second.not_modified
        assert second.status == 304
        assert second.body == b""
        last = http_server.hits("/feed.xml")[-1]
        assert last.headers["if-none-match"] == ETAG
        assert last.headers["if-modified-since"] == LAST_MODIFIED

    def test_first_get_sends_no_validators(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A GET without validators sends no conditional headers."""
        url = http_server.serve("/feed.xml", FEED, etag=ETAG, last_modified=LAST_MODIFIED)
        fetcher(client).get(url)
        (request,) = http_server.hits("/feed.xml")
        assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers

    def test_descriptive_user_agent_is_sent(self, http_server: LocalHTTPServer, client: httpx.Client, user_agent: str) -> None:
        """Every request carries the configured User-Agent, which names the monitor."""
        url = http_server.serve("/page", b"hello")
        fetcher(client).get(url)
        (request,) = http_server.hits("/page")
        assert request.headers["user-agent"] == user_agent
        assert "monitor" in user_agent and not user_agent.startswith("python-httpx")

    @pytest.mark.parametrize("status", [404, 410, 500, 503])
    def test_http_error_status_raises_fetch_error(self, http_server: LocalHTTPServer, client: httpx.Client, status: int) -> None:
        """A 4xx or 5xx answer raises FetchError naming the status."""
        url = http_server.serve("/broken", b"no", status=status)
        with pytest.raises(FetchError, match=str(status)):
            fetcher(client).get(url)

    def test_connection_refused_raises_fetch_error(self, client: httpx.Client) -> None:
        """A port nobody listens on raises FetchError, not an httpx exception."""
        with pytest.raises(FetchError):
            fetcher(client).get(f"http://127.0.0.1:{free_port()}/feed.xml")

    def test_timeout_raises_fetch_error(self) -> None:
        """A read timeout (produced at the transport seam) raises FetchError."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        with mock_client(handler) as client, pytest.raises(FetchError, match="ReadTimeout"):
            fetcher(client).get("http://127.0.0.1/feed.xml")

    def test_connection_reset_raises_fetch_error(self) -> None:
        """A connection reset in the middle of the body raises FetchError."""

        def body() -> Iterator[bytes]:
            yield b"<rss>"
            raise httpx.ReadError("connection reset by peer")

        with mock_client(lambda request: httpx.Response(200, content=body())) as client, pytest.raises(FetchError):
            fetcher(client).get("http://127.0.0.1/feed.xml")

    @pytest.mark.parametrize("url", ["http://127.0.0.1:99999/feed.xml", "http://127.0.0.1:abc/feed.xml", "http://[::1/feed.xml"])
    def test_malformed_url_raises_fetch_error(self, client: httpx.Client, url: str) -> None:
        """A malformed URL in a feed entry raises FetchError, like any URL that cannot be fetched."""
        with pytest.raises(FetchError):
            fetcher(client, allowed=ALL_NETWORKS).get(url)


class TestSizeLimit:
    def test_declared_length_over_the_limit_raises(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A body whose Content-Length exceeds max_bytes raises ResponseTooLarge."""
        url = http_server.serve("/big", b"x" * 2001)
        with pytest.raises(ResponseTooLarge, match="2001"):
            fetcher(client, max_bytes=2000).get(url)

    def test_body_of_exactly_the_limit_is_accepted(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A body of exactly max_bytes is returned whole."""
        url = http_server.serve("/exact", b"x" * 2000)
        assert fetcher(client, max_bytes=2000).get(url).body == b"x" * 2000

    def test_streamed_body_over_the_limit_raises(self) -> None:
        """A chunked body without Content-Length is cut off once it passes max_bytes."""
        sent: list[int] = []

        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                sent.append(1)
                yield b"x" * 500

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=chunks())

        with mock_client(handler) as client, pytest.raises(ResponseTooLarge):
            fetcher(client, max_bytes=2000).get("http://127.0.0.1/stream")
        assert len(sent) < 100  # it stopped reading, rather than reading everything and then refusing

    def test_decompressed_size_counts(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A small gzip body that inflates past max_bytes (a gzip bomb) raises ResponseTooLarge."""
        bomb = gzip.compress(b"\0" * 1_000_000)
        assert len(bomb) < 10_000
        url = http_server.serve("/bomb", bomb, headers={"Content-Encoding": "gzip"})
        with pytest.raises(ResponseTooLarge):
            fetcher(client, max_bytes=100_000).get(url)


class TestContentEncoding:
    """Decoding happens a bounded step at a time, so the size cap holds before memory is spent."""

    def test_stacked_gzip_bomb_is_refused_without_inflating_it(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """``Content-Encoding: gzip, gzip``: a few kilobytes that would inflate to 100 MB are refused, in little memory."""
        bomb = gzip.compress(gzip_of_zeros(100_000_000), 9)
        assert len(bomb) < 10_000
        url = http_server.serve("/bomb", bomb, headers={"Content-Encoding": "gzip, gzip", "Content-Type": "application/rss+xml"})
        with pytest.raises(FetchError, match="more than one encoding layer"):
            fetcher(client, max_bytes=1_000_000).get(url)
        assert peak_memory(lambda: fetcher(client, max_bytes=1_000_000).get(url)) < 10_000_000

    def test_one_gzip_layer_is_inflated_in_bounded_steps(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A 50 KB gzip body that inflates to 50 MB stops at the cap, and memory stays near the cap, not the 50 MB."""
        bomb = gzip_of_zeros(50_000_000)
        assert len(bomb) < 100_000
        url = http_server.serve("/bomb", bomb, headers={"Content-Encoding": "gzip"})
        with pytest.raises(ResponseTooLarge, match="decoded"):
            fetcher(client, max_bytes=100_000).get(url)
        assert peak_memory(lambda: fetcher(client, max_bytes=100_000).get(url)) < 5_000_000

    @pytest.mark.parametrize(
        "encoding, pack",
        [
            ("gzip", gzip.compress),
            ("x-gzip", gzip.compress),
            ("deflate", zlib.compress),  # the zlib-wrapped deflate of the standard
            ("deflate", lambda data: zlib.compress(data)[2:-4]),  # the raw deflate some servers send
            ("identity", lambda data: data),
        ],
    )
    def test_gzip_deflate_and_identity_bodies_are_decoded(self, http_server: LocalHTTPServer, client: httpx.Client, encoding: str, pack) -> None:  # type: ignore[no-untyped-def]
        """Each supported encoding gives back the original body, and the request asks only for those."""
        body = b"<rss version='2.0'>" + b"<item>x</item>" * 20_000 + b"</rss>"
        url = http_server.serve("/feed.xml", pack(body), headers={"Content-Encoding": encoding})
        assert fetcher(client).get(url).body == body
        assert http_server.hits("/feed.xml")[0].headers["accept-encoding"] == "gzip, deflate"

    @pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, deflate"])
    def test_unknown_or_stacked_encodings_are_refused(self, http_server: LocalHTTPServer, client: httpx.Client, encoding: str) -> None:
        """An encoding that is not decoded here, or more than one, is a FetchError naming the header."""
        url = http_server.serve("/feed.xml", b"whatever", headers={"Content-Encoding": encoding})
        with pytest.raises(FetchError, match="Content-Encoding"):
            fetcher(client).get(url)

    def test_a_corrupt_gzip_body_is_a_fetch_error(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """Bytes that are not gzip under ``Content-Encoding: gzip`` raise FetchError, not zlib.error."""
        url = http_server.serve("/feed.xml", b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
        with pytest.raises(FetchError, match="not valid gzip"):
            fetcher(client).get(url)

    @pytest.mark.parametrize(
        "encoding, body, reason",
        [
            ("gzip", gzip.compress(b"<rss>" + b"<item>x</item>" * 5000 + b"</rss>")[:-40], "ends before its gzip stream"),
            ("deflate", zlib.compress(b"<rss>" + b"<item>x</item>" * 5000 + b"</rss>")[:-40], "ends before its deflate stream"),
            ("deflate", zlib.compress(b"<rss></rss>") + b"trailing bytes", "after the end of the deflate body"),
        ],
    )
    def test_a_body_cut_short_or_with_trailing_bytes_is_refused(
        self, http_server: LocalHTTPServer, client: httpx.Client, encoding: str, body: bytes, reason: str
    ) -> None:
        """A compressed body that stops before its end is not taken as a page: FetchError, not a partial text."""
        url = http_server.serve("/feed.xml", body, headers={"Content-Encoding": encoding})
        with pytest.raises(FetchError, match=reason):
            fetcher(client).get(url)

    def test_every_member_of_a_gzip_body_is_inflated(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A gzip body may be several members one after the other: the page is all of them, not the first."""
        url = http_server.serve("/feed.xml", gzip.compress(b"<rss><item>one</item>") + gzip.compress(b"<item>two</item></rss>"), headers={"Content-Encoding": "gzip"})
        assert fetcher(client).get(url).body == b"<rss><item>one</item><item>two</item></rss>"

    @settings(max_examples=60, deadline=None)
    @given(body=st.binary(max_size=300_000), cut=st.lists(st.integers(1, 5000), min_size=1, max_size=20), encoding=st.sampled_from(["gzip", "deflate"]))
    def test_decoding_does_not_depend_on_how_the_body_is_chunked(self, body: bytes, cut: list[int], encoding: str) -> None:
        """However the network splits the compressed bytes (one byte at a time included), the body decodes whole."""
        packed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
        sizes = iter(cut * (len(packed) // sum(cut) + 1))

        def chunks() -> Iterator[bytes]:
            at = 0
            while at < len(packed):
                step = next(sizes)
                yield packed[at : at + step]
                at += step

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"Content-Encoding": encoding}, content=chunks())

        with mock_client(handler) as client:
            assert fetcher(client).get("http://127.0.0.1/feed.xml").body == body


class TestDeadline:
    """A fetch has a total deadline: a server sending a byte at a time never trips a read timeout."""

    @pytest.fixture
    def dribble(self) -> Iterator[DribbleServer]:
        server = DribbleServer(interval=0.2, length=100).start()  # 20 s for the whole body
        yield server
        server.stop()

    def test_a_dribbling_server_is_cut_off_at_the_deadline(self, dribble: DribbleServer, user_agent: str) -> None:
        """One byte every 0.2 s for 20 s, read timeout 5 s, deadline 1.5 s: DeadlineExceeded long before the body ends."""
        with build_client(user_agent, connect_timeout=5, read_timeout=5) as client:
            started = time.monotonic()
            with pytest.raises(DeadlineExceeded, match=r"deadline of 1\.5 s"):
                fetcher(client, deadline=1.5).get(dribble.url("/feed.xml"))
            assert time.monotonic() - started < 10

    def test_a_silent_server_is_cut_off_at_the_deadline_not_the_read_timeout(self, user_agent: str) -> None:
        """A server that sends nothing after its headers: the read timeout is clamped to the deadline."""
        silent = DribbleServer(interval=30, length=10).start()
        try:
            started = time.monotonic()
            with build_client(user_agent, connect_timeout=5, read_timeout=30) as client, pytest.raises(DeadlineExceeded):
                fetcher(client, deadline=1.0).get(silent.url("/feed.xml"))
            assert time.monotonic() - started < 10
        finally:
            silent.stop()

    def test_stop_abandons_a_fetch_in_flight(self, dribble: DribbleServer, user_agent: str) -> None:
        """Setting the stop event ends a slow fetch at its next chunk with FetchStopped, not a FetchError."""
        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        with build_client(user_agent, connect_timeout=5, read_timeout=5) as client:
            started = time.monotonic()
            with pytest.raises(FetchStopped):
                fetcher(client, stop=stop).get(dribble.url("/feed.xml"))
            assert time.monotonic() - started < 10

    def test_a_fast_fetch_is_untouched_by_the_deadline(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A body that arrives in time is returned whole."""
        url = http_server.serve("/feed.xml", FEED)
        assert fetcher(client, deadline=5).get(url).body == FEED

    @pytest.mark.parametrize("value", [0, -1, 3601, "soon"])
    def test_an_invalid_deadline_setting_is_refused(self, value: object) -> None:
        """MONITOR_FETCH_DEADLINE must be a number of seconds above 0 and at most 3600."""
        with pytest.raises(ValidationError, match="fetch_deadline"):
            Settings(_env_file=None, fetch_deadline=value)  # type: ignore[call-arg]


class TestRedirects:
    def _chain(self, server: LocalHTTPServer, hops: int) -> str:
        for i in range(hops):
            server.serve(f"/r{i}", b"", status=302, headers={"Location": f"/r{i + 1}"})
        server.serve(f"/r{hops}", b"arrived")
        return server.url("/r0")

    def test_redirects_up_to_the_limit_are_followed(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """Exactly max_redirects hops are followed, and the result names the final URL."""
        url = self._chain(http_server, 3)
        fetched = fetcher(client, max_redirects=3).get(url)
        assert fetched.body == b"arrived"
        assert fetched.url == http_server.url("/r3")

    def test_too_many_redirects_raise(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """One hop more than max_redirects raises FetchError, and the last target is never requested."""
        url = self._chain(http_server, 4)
        with pytest.raises(FetchError, match="redirects"):
            fetcher(client, max_redirects=3).get(url)
        assert http_server.hits("/r4") == []

    def test_redirect_loop_raises(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """A redirect loop ends with FetchError."""
        http_server.serve("/a", b"", status=301, headers={"Location": "/b"})
        http_server.serve("/b", b"", status=301, headers={"Location": "/a"})
        with pytest.raises(FetchError):
            fetcher(client).get(http_server.url("/a"))

    def test_redirect_to_metadata_address_is_refused(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """An allowed URL that redirects to the cloud metadata address is refused at the second hop."""
        url = http_server.serve("/go", b"", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        with pytest.raises(AddressRefused, match=r"169\.254\.169\.254"):
            fetcher(client).get(url)
        assert len(http_server.hits("/go")) == 1

    def test_redirect_to_another_loopback_address_is_refused(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """With only 127.0.0.1 allowed, a redirect to 127.0.0.2 is refused before it is requested."""
        port = http_server.base.rsplit(":", 1)[1]
        url = http_server.serve("/go", b"", status=307, headers={"Location": f"http://127.0.0.2:{port}/feed.xml"})
        with pytest.raises(AddressRefused, match=r"127\.0\.0\.2"):
            fetcher(client).get(url)
        assert len(http_server.hits("/go")) == 1
        assert http_server.hits("/feed.xml") == []


class TestAddressGuard:
    @pytest.mark.parametrize(
        "url",
        [
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://2130706433/",  # 127.0.0.1 written as one decimal number
            "http://127.1/",
            "http://8.8.8.8@127.0.0.1/",  # user-info that looks like a public host
            "ftp://8.8.8.8/",
            "file:///etc/passwd",
            "gopher://8.8.8.8/",
            "http:///no-host",
        ],
    )
    def test_non_public_targets_are_refused(self, client: httpx.Client, url: str) -> None:
        """Loopback, private, link-local, metadata, shared, multicast addresses and non-http schemes are refused."""
        with pytest.raises(AddressRefused):
            fetcher(client, allowed=()).get(url)

    def test_loopback_is_refused_before_any_connection(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """With nothing allowed, the local server's own URL is refused and the server records no request."""
        url = http_server.serve("/feed.xml", FEED)
        with pytest.raises(AddressRefused, match=r"127\.0\.0\.1"):
            fetcher(client, allowed=()).get(url)
        assert http_server.requests == []

    def test_public_addresses_pass_the_guard(self) -> None:
        """Public IP literals pass the guard (the check itself contacts nothing)."""
        guard = AddressGuard(())
        for url in ("http://93.184.216.34/", "https://[2606:4700:4700::1111]/", "https://8.8.8.8:8443/x"):
            guard.check(url)

    def test_localhost_is_refused_unless_allowed(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """``localhost`` resolves to loopback: refused with nothing allowed, fetched when loopback is allowed."""
        port = http_server.base.rsplit(":", 1)[1]
        http_server.serve("/feed.xml", FEED)
        url = f"http://localhost:{port}/feed.xml"
        with pytest.raises(AddressRefused, match="localhost"):
            fetcher(client, allowed=()).get(url)
        assert http_server.requests == []
        allowed = parse_allowed_networks("127.0.0.0/8, ::1")
        assert fetcher(client, allowed=allowed).get(url).body == FEED

    def test_an_allowed_network_admits_only_itself(self) -> None:
        """Allowing 10.0.0.0/8 admits 10.x addresses but not 192.168.x or loopback."""
        guard = AddressGuard(parse_allowed_networks("10.0.0.0/8"))
        guard.check("http://10.1.2.3/")
        for url in ("http://192.168.0.1/", "http://127.0.0.1/", "http://[::1]/"):
            with pytest.raises(AddressRefused):
                guard.check(url)

    def test_ipv4_mapped_ipv6_follows_the_ipv4_rules(self) -> None:
        """``::ffff:127.0.0.1`` is treated as 127.0.0.1: refused by default, admitted when 127.0.0.1 is."""
        with pytest.raises(AddressRefused):
            AddressGuard(()).check("http://[::ffff:127.0.0.1]/")
        AddressGuard(LOOPBACK_ONLY).check("http://[::ffff:127.0.0.1]/")

    @pytest.mark.parametrize(
        "host",
        [
            "64:ff9b::7f00:1",  # NAT64 well-known prefix + 127.0.0.1
            "64:ff9b::a9fe:a9fe",  # NAT64 + the metadata address 169.254.169.254
            "64:ff9b::a00:1",  # NAT64 + 10.0.0.1
            "64:ff9b:1::a9fe:a9fe",  # the local-use NAT64 prefix: never public
            "2002:7f00:1::1",  # 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
            "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo (client 127.0.0.1): the whole range is never public
            "::7f00:1",  # IPv4-compatible ::127.0.0.1
            "::a9fe:a9fe",  # IPv4-compatible ::169.254.169.254
            "::ffff:a9fe:a9fe",  # IPv4-mapped metadata address
            "fec0::1",  # deprecated site-local
            "fed0::7f00:1",
        ],
    )
    def test_ipv6_forms_that_carry_a_forbidden_ipv4_address_are_refused(self, host: str) -> None:
        """NAT64, 6to4, IPv4-compatible and -mapped forms are judged by the IPv4 address they carry; Teredo and site-local are never public."""
        with pytest.raises(AddressRefused, match="non-public"):
            AddressGuard(()).check(f"http://[{host}]/")

    @pytest.mark.parametrize("host", ["64:ff9b::808:808", "2002:808:808::1", "::808:808"])
    def test_ipv6_forms_that_carry_a_public_ipv4_address_pass(self, host: str) -> None:
        """The same forms carrying a public IPv4 address (8.8.8.8) pass the guard."""
        AddressGuard(()).check(f"http://[{host}]/")

    def test_an_embedded_loopback_address_is_refused_before_any_connection(self, http_server: LocalHTTPServer, client: httpx.Client) -> None:
        """The local server reached through NAT64, 6to4 or IPv4-compatible forms of 127.0.0.1: refused, no socket opened."""
        url = http_server.serve("/feed.xml", FEED)
        port = url.split(":")[2].split("/")[0]
        for host in ("64:ff9b::7f00:1", "2002:7f00:1::1", "::7f00:1", "fec0::7f00:1"):
            with pytest.raises(AddressRefused):
                fetcher(client, allowed=()).get(f"http://[{host}]:{port}/feed.xml")
            with build_client("ua", 1, 1, AddressGuard(())) as guarded, pytest.raises(AddressRefused):
                guarded.get(f"http://[{host}]:{port}/feed.xml")  # the connection seam itself refuses too
        assert http_server.requests == []


class TestAllowedNetworks:
    @pytest.mark.parametrize("text", ["false", "FALSE", "", "  ", "no", "0"])
    def test_false_allows_nothing(self, text: str) -> None:
        """``false`` (and its spellings, and empty) allows no private address."""
        assert parse_allowed_networks(text) == ()

    @pytest.mark.parametrize("text", ["true", "True", "yes", "1"])
    def test_true_allows_everything(self, text: str) -> None:
        """``true`` allows every IPv4 and IPv6 address."""
        networks = parse_allowed_networks(text)
        assert ipaddress.ip_address("127.0.0.1") in networks[0]
        assert any(ipaddress.ip_address("::1") in n for n in networks if n.version == 6)

    def test_a_list_of_addresses_and_ranges(self) -> None:
        """A comma-separated list gives one network per entry, single addresses as /32 or /128."""
        assert parse_allowed_networks("127.0.0.1, 10.0.0.0/8, ::1") == (
            ipaddress.ip_network("127.0.0.1/32"),
            ipaddress.ip_network("10.0.0.0/8"),
            ipaddress.ip_network("::1/128"),
        )

    @pytest.mark.parametrize("text", ["127.0.0.1, not-an-address", "10.0.0.300", "10.0.0.0/33", "maybe"])
    def test_an_invalid_entry_raises(self, text: str) -> None:
        """An entry that is not an address or range raises ValueError."""
        with pytest.raises(ValueError):
            parse_allowed_networks(text)

    def test_settings_reject_an_invalid_entry(self) -> None:
        """MONITOR_ALLOW_PRIVATE_ADDRESSES with an invalid entry makes the settings invalid."""
        with pytest.raises(ValidationError):
            Settings(_env_file=None, allow_private_addresses="127.0.0.1, nonsense")  # type: ignore[call-arg]


class TestConnectionGuard:
    def test_the_client_itself_refuses_a_loopback_connection(self, http_server: LocalHTTPServer) -> None:
        """Every connection of the guarded client is checked where the socket opens, not only before the request."""
        url = http_server.serve("/feed.xml", "<rss/>")
        with build_client("ua", 5, 5, AddressGuard(())) as guarded, pytest.raises(AddressRefused):
            guarded.get(url.replace("127.0.0.1", "localhost"))
        assert http_server.hits("/feed.xml") == []

    def test_the_guarded_client_connects_to_an_allowed_address(self, http_server: LocalHTTPServer) -> None:
        """An allowed loopback host is reached through the checked address, by name too."""
        url = http_server.serve("/feed.xml", "<rss/>")
        allowed = parse_allowed_networks("127.0.0.1, ::1")
        with build_client("ua", 5, 5, AddressGuard(allowed)) as guarded:
            assert guarded.get(url.replace("127.0.0.1", "localhost")).text == "<rss/>"

    def test_the_guarded_client_raises_httpx_errors(self) -> None:
        """A refused connection through the guarded transport is httpx's ConnectError, which the fetcher reports as a FetchError."""
        url = f"http://127.0.0.1:{free_port()}/feed.xml"  # nothing listens there
        with build_client("ua", 5, 5, AddressGuard(LOOPBACK_ONLY)) as guarded:
            with pytest.raises(httpx.ConnectError):
                guarded.get(url)
            with pytest.raises(FetchError, match="ConnectError"):
                Fetcher(guarded, AddressGuard(LOOPBACK_ONLY), Limits()).get(url)

    def test_a_silent_server_times_out_through_the_guarded_client_too(self, user_agent: str) -> None:
        """The guarded transport's read timeout is httpx's: the fetcher cuts a silent server off at the deadline."""
        silent = DribbleServer(interval=30, length=10).start()
        try:
            with build_client(user_agent, 5, 30, AddressGuard(LOOPBACK_ONLY)) as guarded, pytest.raises(DeadlineExceeded):
                fetcher(guarded, deadline=1.0).get(silent.url("/feed.xml"))
        finally:
            silent.stop()
