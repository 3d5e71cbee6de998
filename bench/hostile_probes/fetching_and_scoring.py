"""Probes 1, 2, 3 and 14: the scorer on giant texts, the fetcher on a gzip bomb and a dribbling server, the address guard."""

from __future__ import annotations

import random
import socket
import time
import zlib
from pathlib import Path
from unittest import mock

from bench.hostile_probes.measure import MB, PUBLISHED, described, measured
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import Knowledge, make_fetcher
from monitor.detect.scoring import assess_text
from monitor.errors import AddressRefused, FetchError
from monitor.ingest.guard import AddressGuard
from monitor.models import Source, SourceKind
from testbed.servers import DribbleServer, LocalHTTPServer
from testbed.settings import make_settings

# -- 1. scoring --------------------------------------------------------------------------------


def probe_scoring(settings: Settings, knowledge: Knowledge) -> str:
    source = Source.standing_in("bench", SourceKind.OFFICIAL, "BY")

    def score(title: str, text: str) -> object:
        return assess_text(title, text, source, PUBLISHED, knowledge.gazetteer, knowledge.calendar, knowledge.rules, settings.thresholds())

    # The first scoring of a process builds the lexicon's matchers: measured apart, not charged to the texts.
    _, first_peak, _ = measured(lambda: score("Warm-up", "Lithuanians must vote correctly, the minister said."))
    rng = random.Random(1)
    word = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=100_000))
    _, word_peak, word_seconds = measured(lambda: score("One long word", f"Lithuanians must vote correctly. {word} End."))
    words: set[str] = set()
    while len(words) * 41 < MB:
        words.add("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=40)))
    text = " ".join(sorted(words, key=lambda _: rng.random()))
    _, text_peak, text_seconds = measured(lambda: score("Distinct words", text))
    return (
        f"scoring: one 100,000-letter word: peak {word_peak / MB:.1f} MB ({word_seconds:.2f} s); "
        f"{len(text):,} characters of distinct 40-letter words: peak {text_peak / len(text):.1f} bytes per character "
        f"({text_peak / MB:.1f} MB, {text_seconds:.1f} s traced); the process's first scoring, which builds the matchers: peak {first_peak / MB:.0f} MB"
    )


# -- 2, 3. the fetcher -------------------------------------------------------------------------


def gzip_of_zeros(size: int) -> bytes:
    """A gzip member inflating to ``size`` zero bytes, built a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    parts = [packer.compress(block[: min(MB, size - done)]) for done in range(0, size, MB)]
    return b"".join(parts) + packer.flush()


def probe_double_gzip(tmp: Path) -> str:
    inner = gzip_of_zeros(200 * MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = packer.compress(inner) + packer.flush()
    del inner
    server = LocalHTTPServer().start()
    settings = make_settings(tmp)
    fetcher = make_fetcher(settings)
    try:
        url = server.serve("/bomb.xml", bomb, headers={"Content-Encoding": "gzip, gzip", "Content-Type": "application/rss+xml"})
        outcome, peak, seconds = measured(lambda: fetcher.get(url))
    finally:
        fetcher.close()
        server.stop()
    return (
        f"'Content-Encoding: gzip, gzip', {len(bomb)} bytes on the wire, 200 MB inside (MONITOR_MAX_BODY_BYTES={settings.max_body_bytes}): "
        f"peak {peak / MB:.2f} MB, {seconds:.2f} s; {described(outcome)}"
    )


def probe_dribble(tmp: Path) -> str:
    settings = make_settings(tmp, fetch_deadline=2.0)
    server = DribbleServer(interval=0.5, length=120).start()  # a minute for the whole body
    fetcher = make_fetcher(settings)
    try:
        started = time.monotonic()
        try:
            fetcher.get(server.url("/feed.xml"))
            outcome = "fetched to the end"
        except FetchError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - started
    finally:
        fetcher.close()
        server.stop()
    return (
        f"one byte every 0.5 s (120 bytes), MONITOR_FETCH_DEADLINE={settings.fetch_deadline:g}, "
        f"MONITOR_READ_TIMEOUT={settings.read_timeout:g}: gave up after {seconds:.1f} s; {outcome}"
    )


# -- 14. the address guard ---------------------------------------------------------------------


def probe_address_guard(tmp: Path) -> str:
    hostile = [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible 127.0.0.1
        "fec0::1",  # site-local
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address 169.254.169.254
        "2002:a9fe:a9fe::",  # its 6to4 form
        "::169.254.169.254",  # IPv4-compatible
        "::ffff:169.254.169.254",  # IPv4-mapped
        "169.254.169.254",  # the address itself
    ]
    public = ["64:ff9b::808:808", "2002:808:808::"]  # NAT64 and 6to4 of 8.8.8.8: checked only, never fetched
    settings = make_settings(tmp, allow_private_addresses="false")
    fetcher = make_fetcher(settings)
    let_through: list[str] = []
    connect = socket.create_connection
    try:
        with mock.patch.object(socket, "create_connection", side_effect=connect) as connections:
            for address in hostile:
                host = f"[{address}]" if ":" in address else address
                try:
                    fetcher.get(f"http://{host}:8080/feed.xml")
                    let_through.append(address)
                except AddressRefused:
                    pass
                except FetchError as exc:  # got past the guard and failed further on
                    let_through.append(f"{address} ({exc})")
        attempts = connections.call_count
    finally:
        fetcher.close()
    guard = AddressGuard(settings.allowed_networks())
    passed = 0
    for address in public:
        try:
            guard.check(f"http://[{address}]/")
            passed += 1
        except AddressRefused:
            pass
    refused = len(hostile) - len(let_through)
    return (
        f"default guard (MONITOR_ALLOW_PRIVATE_ADDRESSES={settings.allow_private_addresses}): refused {refused}/{len(hostile)} "
        f"({', '.join(hostile)}); let through: {', '.join(let_through) or 'none'}; connections attempted: {attempts}; "
        f"public look-alikes ({', '.join(public)}) pass the check: {passed}/{len(public)}"
    )
