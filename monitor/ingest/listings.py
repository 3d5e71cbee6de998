"""A listing page (a ministry's news page) -> entries: the article links a CSS selector picks,
with their titles and dates when selectors say where they are. Each entry's page is then fetched
and extracted as a feed entry's is."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from monitor.ingest.feeds import ParsedFeed, iso_datetime, link_entry
from monitor.models import FeedEntry, Listing

# Never fetches anything the page names (no network, no entities).
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
MAX_ITEMS = 500  # links taken from one listing page: a page of ten thousand links is not a listing


def parse_listing(body: bytes, source_id: str, url: str, listing: Listing) -> ParsedFeed:
    """Never raises for a malformed page; ``problem`` says what was wrong."""
    try:
        page = lxml.html.document_fromstring(body, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        return ParsedFeed((), f"not HTML: {exc}", "")
    entries: dict[str, FeedEntry] = {}  # by address: a link listed twice (picture and headline) is one entry
    for node in page.cssselect(listing.item or listing.links)[:MAX_ITEMS]:
        link = node if listing.item is None else next(iter(node.cssselect(listing.links)), None)
        href = link.get("href") if link is not None else None
        address = urljoin(url, href.strip()) if href else ""
        if not address.startswith(("http://", "https://")) or address in entries:
            continue
        title = _first_text(node, listing.title) if listing.title else " ".join(link.text_content().split()) if link is not None else ""
        entries[address] = link_entry(source_id, address, title, _date(node, listing.date) if listing.date else None)
    if not entries:
        return ParsedFeed((), f"no article links matched {listing.links!r}", "")
    return ParsedFeed(tuple(entries.values()), None, "html")


def _first_text(node: lxml.html.HtmlElement, selector: str) -> str:
    found = next(iter(node.cssselect(selector)), None)
    return " ".join(found.text_content().split()) if found is not None else ""


def _date(node: lxml.html.HtmlElement, selector: str) -> datetime | None:
    """The date a selector points at: its ``datetime`` attribute (a ``<time>``), else its text in
    any common form and language ("25.09.2024", "25 сентября 2024"), read as UTC."""
    found = next(iter(node.cssselect(selector)), None)
    if found is None:
        return None
    stamp = found.get("datetime")
    if stamp:
        return iso_datetime(stamp.strip())
    text = " ".join(found.text_content().split())
    if not text:
        return None
    import dateparser  # imported on first use: its import costs a second, and most sources are feeds

    parsed = dateparser.parse(text[:100], settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY"})
    return parsed.astimezone(UTC) if parsed else None
