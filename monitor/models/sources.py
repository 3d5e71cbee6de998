"""Where texts come from: a source, its kind and its format (frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SourceKind(StrEnum):
    OFFICIAL = "official"
    STATE_MEDIA = "state_media"
    NEWS = "news"
    ANALYSIS = "analysis"


class SourceFormat(StrEnum):
    """What a source's URL serves, and so how its entries are read."""

    FEED = "feed"  # RSS, Atom or JSON Feed
    SITEMAP = "sitemap"  # an XML sitemap or a Google News sitemap
    HTML = "html"  # a listing page: the links to its articles picked by a CSS selector
    TELEGRAM = "telegram"  # a public channel's web preview (https://t.me/s/NAME): each message is an item


@dataclass(frozen=True)
class Listing:
    """How to read a listing page (format html): CSS selectors for the article links, and, inside
    the element of each link's item, for its title and its date (else the link's text, and none)."""

    links: str
    item: str | None = None  # the element around a link whose title and date go with it (else the link itself)
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    url: str
    kind: SourceKind
    country: str
    language: str | None = None
    interval: timedelta = timedelta(minutes=15)
    tags: tuple[str, ...] = ()
    enabled: bool = True
    fetch_pages: bool = True
    format: SourceFormat = SourceFormat.FEED
    listing: Listing | None = None  # format html only

    @classmethod
    def standing_in(cls, id: str, kind: SourceKind, country: str) -> Source:
        """The source of a text scored outside any feed: `monitor score`, examples, evaluation, backtests."""
        return cls(id=id, name=id, url="https://example.invalid/", kind=kind, country=country)


@dataclass(frozen=True)
class Capture:
    """Bytes as fetched, kept as evidence of what a source said (a ministry may edit or delete it)."""

    kind: str  # "feed" (the whole document the entry came in) or "page" (the entry's page)
    url: str  # as requested
    final_url: str  # after redirects
    body: bytes
    headers: tuple[tuple[str, str], ...]  # the response's, as received
    fetched_at: datetime
