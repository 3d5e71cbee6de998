"""An XML sitemap or a Google News sitemap -> entries, newest first.

A ministry without a feed often has a sitemap for search engines; a news sitemap also gives each
article's title and publication time (``<news:publication_date>``). A plain sitemap gives the
address and, at best, ``<lastmod>``: the title comes from the page when it is fetched.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from monitor.ingest.feeds import ParsedFeed, iso_datetime, link_entry
from monitor.models import FeedEntry

# No entities resolved, no DTD or network fetched, no tree beyond lxml's safe size: a sitemap is
# hostile until read.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


def parse_sitemap(body: bytes, source_id: str, url: str) -> ParsedFeed:
    """Never raises for a malformed document; ``problem`` says what was wrong."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        return ParsedFeed((), f"not XML: {exc}", "")
    if root is None:
        return ParsedFeed((), "not XML", "")
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        return ParsedFeed((), "a sitemap index, not a sitemap: point the source at one of the sitemaps it lists", "")
    if kind != "urlset":
        return ParsedFeed((), f"not a sitemap (its root element is {kind})", "")
    entries = [entry for node in root.iterfind("{*}url") if (entry := _entry(node, source_id)) is not None]
    entries.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    return ParsedFeed(tuple(entries), None, "sitemap-news" if any(node.find("{*}news") is not None for node in root.iterfind("{*}url")) else "sitemap")


def _entry(node: etree._Element, source_id: str) -> FeedEntry | None:
    link = _text(node.find("{*}loc"))
    if not link.startswith(("http://", "https://")):
        return None
    news = node.find("{*}news")
    title = _text(news.find("{*}title")) if news is not None else ""
    published = iso_datetime(_text(news.find("{*}publication_date"))) if news is not None else None
    return link_entry(source_id, link, title, published or iso_datetime(_text(node.find("{*}lastmod"))))


def _text(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""
