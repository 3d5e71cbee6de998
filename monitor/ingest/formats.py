"""A source's fetched document -> its entries, by the source's format (feed, sitemap, html, telegram)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor.errors import FetchError
from monitor.ingest.feeds import ParsedFeed, parse_feed
from monitor.ingest.listings import parse_listing
from monitor.ingest.sitemaps import parse_sitemap
from monitor.ingest.telegram import earlier_page, parse_telegram
from monitor.models import Source, SourceFormat

logger = logging.getLogger(__name__)

PAGES_BACK = 4  # a channel's first poll also reads this many earlier pages (some twenty messages each)


def parse_source(body: bytes, source: Source, url: str, content_type: str | None) -> ParsedFeed:
    """Never raises for a malformed document; ``problem`` says what was wrong."""
    if source.format is SourceFormat.SITEMAP:
        return parse_sitemap(body, source.id, url)
    if source.format is SourceFormat.HTML:
        assert source.listing is not None  # the sources file requires it
        return parse_listing(body, source.id, url, source.listing)
    if source.format is SourceFormat.TELEGRAM:
        return parse_telegram(body, source.id, url)
    return parse_feed(body, source.id, url, content_type)


def with_earlier_pages(feed: ParsedFeed, url: str, fetch: Callable[[str], bytes], source_id: str, pages: int = PAGES_BACK) -> ParsedFeed:
    """A channel's page and up to ``pages`` pages of the messages before it, newest first. A page
    that cannot be fetched or read ends the paging; what was read is kept."""
    entries = list(feed.entries)
    current = feed
    for _ in range(pages):
        address = earlier_page(url, current)
        if address is None:
            break
        try:
            current = parse_telegram(fetch(address), source_id, address)
        except FetchError as exc:
            logger.warning("earlier messages not read source=%s url=%s error=%s", source_id, address, exc)
            break
        if not current.entries:
            break
        entries.extend(current.entries)
    return ParsedFeed(tuple(entries), feed.problem, feed.version)
