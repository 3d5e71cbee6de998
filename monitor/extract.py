"""Page bytes -> article text and metadata, with trafilatura. Pure: no network."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import trafilatura

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str | None
    author: str | None
    published: datetime | None
    language: str | None
    site_name: str | None


def extract_page(body: bytes, url: str | None = None) -> Extracted | None:
    """The main text and metadata of an HTML page; None when no text can be found."""
    try:
        document = trafilatura.bare_extraction(
            body, url=url, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
        )
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        logger.warning("extraction failed url=%s error=%s", url, exc)
        return None
    if document is None or not (document.text or "").strip():
        return None
    return Extracted(
        text=document.text.strip(),
        title=document.title or None,
        author=document.author or None,
        published=_day(document.date),
        language=document.language or None,
        site_name=document.sitename or None,
    )


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        return None
