"""Feed bytes -> FeedEntry list, with feedparser. A broken feed yields what it can."""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

import courlan
import feedparser

from monitor.detect.normalisation import normalise
from monitor.ingest.markup import html_to_text
from monitor.models import FeedEntry


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[FeedEntry, ...]
    problem: str | None  # why feedparser called the feed broken ("bozo"), if it did
    version: str  # "rss20", "atom10", "json1" ...; empty when the document is not a feed at all

    @property
    def usable(self) -> bool:
        """A feed, even an empty or a broken one, or a broken document that still yields entries."""
        return bool(self.version or self.entries)


def parse_feed(body: bytes, source_id: str, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse fetched feed bytes. Never raises for a malformed feed; ``problem`` says what was wrong."""
    if not body.strip():
        return ParsedFeed((), "empty document", "")
    if body.lstrip()[:1] == b"{":
        return parse_json_feed(body, source_id, url)
    # Without a Content-Type feedparser calls any feed broken; XML is what a feed URL serves.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    entries = tuple(entry for raw in parsed.get("entries", []) if (entry := _entry(raw, source_id)) is not None)
    return ParsedFeed(entries, problem, parsed.get("version") or "")


def _entry(raw: Any, source_id: str) -> FeedEntry | None:
    link = raw.get("link") or None
    guid = raw.get("id") or raw.get("guid") or None
    title = html_to_text(raw.get("title") or "")
    summary = html_to_text(raw.get("summary") or "")
    content = "\n\n".join(html_to_text(part.get("value") or "") for part in raw.get("content") or [])
    if content.strip() == summary.strip():
        content = ""
    if not (link or guid or title or summary or content):
        return None
    return FeedEntry(
        source_id=source_id,
        guid=str(guid) if guid else None,
        url=link,
        canonical_url=canonical_url(link) if link else None,
        title=title,
        summary=summary,
        content=content,
        published=_published(raw),
    )


def parse_json_feed(body: bytes, source_id: str, url: str) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org, versions 1 and 1.1), which feedparser 6.0 does not read."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return ParsedFeed((), f"invalid JSON: {exc}", "")
    version = str(document.get("version", "")) if isinstance(document, dict) else ""
    if not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed((), "JSON document is not a JSON Feed", "")
    entries = []
    items = document.get("items")
    for raw in items if isinstance(items, list) else []:
        if not isinstance(raw, dict):
            continue
        link = _absolute(url, raw.get("url") or raw.get("external_url"))
        entries.append(
            FeedEntry(
                source_id=source_id,
                guid=str(raw["id"]) if raw.get("id") is not None else None,
                url=link,
                canonical_url=canonical_url(link) if link else None,
                title=html_to_text(str(raw.get("title") or "")),
                summary=html_to_text(str(raw.get("summary") or "")),
                content=html_to_text(str(raw.get("content_html") or "")) or str(raw.get("content_text") or "").strip(),
                published=iso_datetime(raw.get("date_published") or raw.get("date_modified")),
            )
        )
    return ParsedFeed(tuple(entries), None, "json" + version.rsplit("/", 1)[-1].replace(".", ""))


def _absolute(base: str, link: object) -> str | None:
    if not link:
        return None
    try:
        return urljoin(base, str(link))
    except ValueError:  # malformed: kept as it is, and refused when fetched
        return str(link)


def iso_datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def link_entry(source_id: str, address: str, title: str, published: datetime | None) -> FeedEntry:
    """An entry known only by its link (a sitemap's, a listing's): its page is where its text is."""
    return FeedEntry(source_id=source_id, guid=address, url=address, canonical_url=canonical_url(address), title=title, summary="", content="", published=published)


def canonical_url(url: str) -> str | None:
    """The URL without tracking parameters, fragment, default port or upper-case host."""
    try:
        normalised = courlan.normalize_url(url) if url.lower().startswith(("http://", "https://")) else url
        return urldefrag(normalised).url or None
    except ValueError:  # a malformed link (a bad port, an open bracket): keep it as it is
        return url


def _published(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


_NOT_WORD = re.compile(r"\W+")


def title_key(source_id: str, title: str, published: datetime | None = None) -> str | None:
    """A hash of the normalised title and the day of publication.

    It identifies an item when a feed changes its GUIDs and URLs; the day keeps apart items
    that recur under one title ("Briefing by the spokeswoman").
    """
    words = _NOT_WORD.sub(" ", normalise(title).text).strip()
    if len(words) < 8:  # fewer than 8 characters ("News", "Update"): too short to identify an item
        return None
    day = published.date().isoformat() if published else ""
    return f"title:{source_id}:{hashlib.sha256(f'{day}|{words}'.encode()).hexdigest()[:32]}"
