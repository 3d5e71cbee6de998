"""The address guard: feed entries point anywhere, so no connection reaches a non-public address.

Two checks, one rule. ``AddressGuard.check`` refuses a URL before it is requested (and after
every redirect); ``GuardedTransport`` refuses again where the socket opens, connecting to the very
address it checked, so a DNS answer that changes in between (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from monitor.config.fieldtypes import Network
from monitor.errors import AddressRefused, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressGuard:
    """Refuses hosts that resolve to non-public addresses unless a network allows them."""

    def __init__(self, allowed: tuple[Network, ...] = ()) -> None:
        self._allowed = allowed

    def check(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError as exc:  # a bracket left open, a port out of range
            raise FetchError(f"{url}: malformed URL: {exc}") from exc
        if parts.scheme not in ("http", "https"):
            raise AddressRefused(f"{url}: only http and https are fetched")
        if not host:
            raise AddressRefused(f"{url}: no host")
        try:
            self.permitted_addresses(host, port or (443 if parts.scheme == "https" else 80))
        except AddressRefused as exc:
            raise AddressRefused(f"{url}: {exc}") from exc

    def _permitted(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self._allowed if network.version == address.version):
            return True
        if isinstance(address, ipaddress.IPv6Address):
            if any(address in network for network in _NEVER_PUBLIC_V6):
                return False
            # An IPv6 address that carries an IPv4 one reaches that IPv4 host through a translator or
            # tunnel: 64:ff9b::127.0.0.1 is loopback in disguise. Each embedded address must pass too.
            if not all(self._permitted(embedded) for embedded in embedded_ipv4(address)):
                return False
        # is_global is False for loopback, private, link-local (incl. the 169.254.169.254
        # metadata address), shared (CGNAT), reserved and unspecified addresses.
        return address.is_global and not address.is_multicast

    def permitted_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of ``host``; AddressRefused if any of them is not permitted."""
        addresses = self._resolve(host, port)
        for address in addresses:
            if not self._permitted(address):
                raise AddressRefused(f"{host} resolves to {address}, a non-public address")
        return addresses

    @staticmethod
    def _resolve(host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError, ValueError) as exc:  # UnicodeError: an empty label ("a..b")
            raise FetchError(f"cannot resolve {host}: {exc}") from exc
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]  # str(): typeshed allows an int there


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the IPv4 address is the last 32 bits
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (:: and ::1 are refused on their own)
# Never public, yet not "private" to this Python's ipaddress: site-local fec0::/10 (deprecated), and the
# local-use NAT64 prefix, whose operator chooses where the IPv4 address sits, so no reading of it is sure.
_NEVER_PUBLIC_V6 = (ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: NAT64, 6to4 and IPv4-compatible forms (mapped
    is handled apart). Teredo (2001::/32) needs no reading: the whole range is not global, so refused."""
    found = []
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:  # 2002:a.b.c.d::/48
        found.append(address.sixtofour)
    return found


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the guard permits, resolving the host itself.

    The URL check before each request resolves the host once; a host whose DNS answer changes
    between that check and the connection (DNS rebinding) is caught here, where the socket is
    opened to the very address that was checked.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._guard.permitted_addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for {host}")


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport whose every connection goes through ``GuardedBackend``.

    httpx's own transport offers no public way to choose httpcore's network backend, so this one
    builds its pool itself, with the settings httpx's default transport would give it, and maps
    requests, responses and errors between httpx and httpcore as that transport does.
    """

    def __init__(self, guard: AddressGuard) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's defaults
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(response.status, headers=response.headers, stream=_Body(response.stream), extensions=response.extensions)

    def close(self) -> None:
        self._pool.close()


class _Body(httpx.SyncByteStream):
    """A response body read from httpcore, its errors raised as httpx's."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


# httpcore's errors and the httpx errors callers catch, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """An httpcore error raised as the matching httpx error, which the fetcher catches; the guard's
    own errors (AddressRefused, FetchError) pass as they are."""
    try:
        yield
    except Exception as exc:
        mapped = next((to for core, to in _ERRORS if isinstance(exc, core)), None)
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc
