"""One HTTP client for feeds and pages: timeouts, size caps, checked redirects, conditional GET.

Feed entries point anywhere, so every URL is checked before it is contacted, and again after
every redirect, by the address guard (``ingest.guard``). Redirects are followed here, hop by
hop, rather than inside httpx, for that reason.

Bodies are decoded here too, not by httpx: httpx inflates a whole network chunk per layer of
Content-Encoding at once, so a few kilobytes of stacked gzip become gigabytes before any cap
is looked at. Here one layer at most is accepted, and it is inflated a bounded step at a time,
each step counted against the cap. A fetch also has a total deadline: a read timeout alone
restarts with every byte, so a server dribbling bytes could hold a fetch for ever.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from urllib.parse import urljoin, urlsplit

import httpx

from monitor.errors import DeadlineExceeded, FetchError, FetchStopped, HTTPStatusError, ResponseTooLarge
from monitor.ingest.guard import AddressGuard, GuardedTransport


@dataclass(frozen=True)
class Validators:
    """What a server told us last time, sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    validators: Validators
    headers: tuple[tuple[str, str], ...] = ()  # the response's, as received (at most MAX_HEADERS)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


MAX_HEADERS = 100  # response headers kept with a fetch (httpx already bounds their size)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    deadline: float = 60.0  # seconds for one fetch, every redirect and the whole body included


# Inflated bytes produced per decoding step: small, so that memory stays bounded whatever the
# compression ratio, large enough that a normal page takes few steps.
DECODE_STEP = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # the encodings decoded here; nothing else is asked for


class _Inflater:
    """Inflates one gzip or deflate layer incrementally, at most ``DECODE_STEP`` bytes a step.
    A gzip body may hold several members, one after the other (RFC 1952): each is inflated."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        # deflate is meant to be zlib-wrapped, but some servers send it raw: decided on the first bytes.
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if self._gzip else None
        self._head = b""
        self._fed = False

    @property
    def _name(self) -> str:
        return "gzip" if self._gzip else "deflate"

    def feed(self, url: str, data: bytes) -> Iterator[bytes]:
        self._fed = self._fed or bool(data)
        if self._inflater is None:
            self._head += data
            if len(self._head) < 2:  # a server sending a byte at a time: wait for the header
                return
            data, self._head = self._head, b""
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(data) else -zlib.MAX_WBITS)
        pending = data
        while True:
            if self._inflater.eof:
                pending = self._inflater.unused_data + pending
                if not pending:
                    return
                if not self._gzip:
                    raise FetchError(f"{url}: bytes after the end of the deflate body")
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the next gzip member
            try:
                piece = self._inflater.decompress(pending, DECODE_STEP)
            except zlib.error as exc:
                raise FetchError(f"{url}: the body is not valid {self._name}: {exc}") from exc
            pending = self._inflater.unconsumed_tail
            if piece:
                yield piece
            # A full step may leave output inside zlib although the input is used up: go on
            # until a step comes back short with nothing left to feed.
            if not pending and len(piece) < DECODE_STEP and not self._inflater.eof:
                return

    def finish(self, url: str) -> None:
        """A body cut short is refused, not taken as a page (an empty body is no body)."""
        if self._fed and (self._inflater is None or not self._inflater.eof):
            raise FetchError(f"{url}: the body ends before its {self._name} stream does")


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


class _Identity:
    def feed(self, url: str, data: bytes) -> Iterator[bytes]:
        yield data

    def finish(self, url: str) -> None:
        pass


def _decoder(url: str, header: str) -> _Inflater | _Identity:
    """The decoder for a Content-Encoding header; FetchError for stacked or unknown encodings."""
    layers = [part.strip().lower() for part in header.split(",") if part.strip() and part.strip().lower() != "identity"]
    if not layers:
        return _Identity()
    if len(layers) > 1:
        raise FetchError(f"{url}: Content-Encoding {header!r} refused: more than one encoding layer")
    if layers[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"{url}: Content-Encoding {header!r} refused: only gzip and deflate are decoded")
    return _Inflater(layers[0])


PER_HOST = 4  # requests in flight to one host at once, across every poll: no site is hammered
SLOT_CHECK = 0.5  # seconds between looks at the stop and the deadline while waiting for a host's slot


def host_of(url: str) -> str:
    """The host and port a request to ``url`` goes to, as the per-host limit counts them."""
    try:
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or parts.scheme}"
    except ValueError:  # malformed: refused by the guard before anything is sent
        return url


class HostSlots:
    """At most ``per_host`` requests at once to one host, whichever threads make them.

    Only hosts with requests in flight are held, so the table stays as small as the traffic.
    """

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._busy: dict[str, int] = {}
        self._changed = threading.Condition()

    @contextmanager
    def held(self, host: str, give_up: Callable[[], None]) -> Iterator[None]:
        """Wait for a slot of ``host``; ``give_up`` is called while waiting and raises to stop the wait."""
        with self._changed:
            while self._busy.get(host, 0) >= self.per_host:
                give_up()
                self._changed.wait(SLOT_CHECK)
            self._busy[host] = self._busy.get(host, 0) + 1
        try:
            yield
        finally:
            with self._changed:
                left = self._busy.pop(host) - 1
                if left:
                    self._busy[host] = left
                self._changed.notify_all()


class Fetcher:
    """GETs URLs through one shared httpx client, within limits, a deadline and the address guard.

    ``stop``, once set, ends a fetch at its next chunk (FetchStopped), so that a shutdown does not
    wait for slow servers; ``monotonic`` is the clock of the deadlines. Thread-safe. Pages
    (``page=True``) go at most ``per_host`` at once to one host, the others wait within their
    deadline; a feed's fetch, one per source and poll, does not wait. ``observe``, if given, is
    told what was fetched ("feed" or "page") and how long it took, whatever the outcome.
    """

    def __init__(
        self,
        client: httpx.Client,
        guard: AddressGuard,
        limits: Limits,
        stop: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        per_host: int = PER_HOST,
        observe: Callable[[str, float], None] | None = None,
    ) -> None:
        self._client = client
        self._observe = observe
        self._guard = guard
        self._limits = limits
        self._stop = stop or threading.Event()
        self._monotonic = monotonic
        self.slots = HostSlots(per_host)

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, validators: Validators | None = None, page: bool = False) -> Fetched:
        began = self._monotonic()
        try:
            return self._get(url, validators, page)
        finally:
            if self._observe is not None:
                self._observe("page" if page else "feed", self._monotonic() - began)

    def _get(self, url: str, validators: Validators | None, page: bool) -> Fetched:
        headers = {"Accept-Encoding": ACCEPT_ENCODING, **(validators.headers() if validators else {})}
        ends = self._monotonic() + self._limits.deadline
        for _ in range(self._limits.max_redirects + 1):
            self._guard.check(url)
            slot = self.slots.held(host_of(url), partial(self._waiting, url, ends)) if page else nullcontext()
            try:
                with slot, self._client.stream(
                    "GET", url, headers=headers, follow_redirects=False, timeout=self._timeout_until(url, ends)
                ) as response:
                    if response.status_code == 304:
                        return self._fetched(url, response, b"")
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise HTTPStatusError(f"{url}: HTTP {response.status_code} {response.reason_phrase}", response.status_code)
                    return self._fetched(url, response, self._read(url, response, ends))
            except httpx.TimeoutException as exc:
                if self._monotonic() >= ends:
                    raise self._late(url) from exc
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchError(f"{url}: more than {self._limits.max_redirects} redirects")

    def _waiting(self, url: str, ends: float) -> None:
        """Raised out of the wait for a host's slot: the monitor stops, or the deadline passed."""
        if self._stop.is_set():
            raise FetchStopped(f"{url}: fetch abandoned, the monitor is stopping")
        if self._monotonic() >= ends:
            raise self._late(url)

    def _late(self, url: str) -> DeadlineExceeded:
        return DeadlineExceeded(f"{url}: not fetched within the deadline of {self._limits.deadline:g} s")

    def _timeout_until(self, url: str, ends: float) -> httpx.Timeout:
        """The client's timeouts, none of them beyond the deadline (which a hop may have reached)."""
        remaining = ends - self._monotonic()
        if remaining <= 0:
            raise self._late(url)
        configured = self._client.timeout

        def clamp(seconds: float | None) -> float:
            return remaining if seconds is None else min(seconds, remaining)

        return httpx.Timeout(
            connect=clamp(configured.connect), read=clamp(configured.read), write=clamp(configured.write), pool=clamp(configured.pool)
        )

    def _read(self, url: str, response: httpx.Response, ends: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limits.max_bytes:
            raise ResponseTooLarge(f"{url}: {declared} bytes declared, limit {self._limits.max_bytes}")
        decoder = _decoder(url, response.headers.get("content-encoding", ""))
        chunks, size, wire = [], 0, 0
        for raw in response.iter_raw():
            # Checked at every chunk, so a server sending a byte at a time is cut off at the
            # deadline (a read in flight can outlast it by its read timeout, clamped to the deadline).
            if self._stop.is_set():
                raise FetchStopped(f"{url}: fetch abandoned, the monitor is stopping")
            if self._monotonic() >= ends:
                raise self._late(url)
            wire += len(raw)
            if wire > self._limits.max_bytes:
                raise ResponseTooLarge(f"{url}: body exceeds {self._limits.max_bytes} bytes on the wire")
            for piece in decoder.feed(url, raw):
                size += len(piece)  # counted as it is inflated, one bounded step at a time
                if size > self._limits.max_bytes:
                    raise ResponseTooLarge(f"{url}: body exceeds {self._limits.max_bytes} bytes once decoded")
                chunks.append(piece)
        decoder.finish(url)
        return b"".join(chunks)

    @staticmethod
    def _fetched(url: str, response: httpx.Response, body: bytes) -> Fetched:
        return Fetched(
            url=url,
            status=response.status_code,
            body=body,
            content_type=response.headers.get("content-type"),
            validators=Validators(response.headers.get("etag"), response.headers.get("last-modified")),
            headers=tuple(response.headers.multi_items()[:MAX_HEADERS]),
        )


def build_client(user_agent: str, connect_timeout: float, read_timeout: float, guard: AddressGuard | None = None) -> httpx.Client:
    """The one client the process uses (built in ``monitor.daemon.wiring``, closed by its owner).

    With a guard, every connection the client opens is checked where its socket opens.
    """
    transport = httpx.HTTPTransport() if guard is None else GuardedTransport(guard)
    return httpx.Client(
        transport=transport,
        headers={"User-Agent": user_agent, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5"},
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=False,
    )
