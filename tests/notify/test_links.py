"""Verdict links: signed, expiring, refused when altered or malformed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.notify.links import LinkError, LinkSigner, link_fields

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


def test_a_link_reads_as_its_fields_in_their_exact_form(clock) -> None:
    """Each field once, numbers as numbers; anything else is a 400, before any signature is computed."""
    link = query(SIGNER.links(12, clock())["tp"])
    alert, verdict, expires, signature = link_fields(link)
    assert (alert, verdict, expires) == (12, "tp", int((clock() + timedelta(days=14)).timestamp())) and len(signature) == 64
    for bad in ("", link + "&alert=13", link.replace("alert=12", "alert=012345678901"), link.replace("verdict=tp", "verdict=TP")):
        with pytest.raises(LinkError) as caught:
            link_fields(bad)
        assert caught.value.status == 400
