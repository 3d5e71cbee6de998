"""Verdict links: signed, expiring, recorded by the daemon's endpoint, reachable from the e-mail."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from monitor.app import Monitor
from monitor.cli import main
from monitor.demo import demo_sources, serve_sample_site
from monitor.feedback import LinkError, LinkSigner, serve_verdicts
from monitor.store.engine import make_engine
from monitor.store.repo import Store
from tests.conftest import make_settings
from tests.servers import free_port

SIGNER = LinkSigner(b"test-secret", "http://127.0.0.1:1", timedelta(days=14))


def query(link: str) -> str:
    return link.split("?", 1)[1]


def test_a_link_verifies_until_it_expires(clock) -> None:
    """A fresh link gives its alert and verdict; after the TTL it is refused as expired."""
    links = SIGNER.links(12, clock())
    assert SIGNER.verify(query(links["fp"]), clock()) == (12, "fp")
    with pytest.raises(LinkError) as caught:
        SIGNER.verify(query(links["fp"]), clock() + timedelta(days=15))
    assert caught.value.status == 410


@pytest.mark.parametrize("change", [("alert=12", "alert=13"), ("verdict=fp", "verdict=tp"), ("expires=", "expires=9")])
def test_an_altered_link_is_refused(clock, change: tuple[str, str]) -> None:
    """Another alert, another verdict or a later expiry breaks the signature."""
    altered = query(SIGNER.links(12, clock())["fp"]).replace(*change)
    with pytest.raises(LinkError) as caught:
        SIGNER.verify(altered, clock())
    assert caught.value.status == 403


def test_the_email_carries_links_that_the_endpoint_records(tmp_path: Path, smtp_server, clock) -> None:
    """The e-mail's "No, a false positive" link, followed, records the verdict; a changed link is refused."""
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
            server = serve_verdicts("127.0.0.1", port, settings.link_signer(), monitor.deps.store.mark, clock)
            try:
                assert main(["run", "--once"], clock=clock, settings=settings) == 0
                html = next(p.get_payload(decode=True).decode() for p in smtp_server.messages[0].walk() if p.get_content_type() == "text/html")
                link = re.search(r'href="([^"]+verdict=fp[^"]+)"', html).group(1).replace("&amp;", "&")
                answer = httpx.get(link)
                assert answer.status_code == 200 and "false positive" in answer.text
                assert httpx.get(link.replace("alert=1", "alert=2")).status_code == 403
                assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
            finally:
                server.shutdown()
                server.server_close()
    assert Store(make_engine(settings.database_url)).verdicts() == {1: "fp"}
