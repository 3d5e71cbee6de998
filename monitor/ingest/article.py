"""An entry's article: its page's text when it can be fetched and read, else what the feed carries.

Which text an item is scored on is decided here, once, and recorded on the article
(``Extraction``), so that an analyst can tell a page's text from a feed's summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from monitor.errors import FetchError, NotText
from monitor.ingest.extract import MAX_TEXT_CHARS, Extracted, clip_text, extract_page
from monitor.ingest.fetch import Fetcher
from monitor.models import Article, Capture, Extraction, FeedEntry, Source

logger = logging.getLogger(__name__)

# Page bytes, URL, content type -> the page's text, as ``extract_page`` (in this process or in a pool's).
Extract = Callable[[bytes, str | None, str | None], Extracted | None]


def fetch_article(
    entry: FeedEntry, source: Source, fetcher: Fetcher, now: datetime, max_text_chars: int = MAX_TEXT_CHARS, extract: Extract = extract_page
) -> Article:
    """The entry's page text, else its feed content, else its summary; says which was used.

    The text (and the title) is cut to ``max_text_chars``; a page that is not text (binary) is refused with
    its reason recorded, and the feed's text is used instead. A page whose extraction's process died
    raises ExtractionCrashed: the entry waits for the next poll rather than be stored on its feed text.
    """
    extracted, error = None, None
    captures: tuple[Capture, ...] = ()  # the page as fetched: kept as evidence if the item alerts
    if source.fetch_pages and entry.url:
        try:
            page = fetcher.get(entry.url, page=True)
            captures = (Capture("page", entry.url, page.url, page.body, page.headers, now),)
            extracted = extract(page.body, page.url, page.content_type)
            if extracted is None:
                error = "no article text found in the page"
        except NotText as exc:  # a binary page: its bytes are never read as text
            error = f"{entry.url}: {exc}"
            logger.warning("page refused source=%s url=%s reason=%s", source.id, entry.url, exc)
        except FetchError as exc:
            error = str(exc)
    if extracted is not None:
        text, extraction = extracted.text, Extraction.PAGE
    elif entry.content:
        text, extraction = entry.content, Extraction.FEED_CONTENT
    elif entry.summary:
        text, extraction = entry.summary, Extraction.FEED_SUMMARY
    else:
        text, extraction = "", Extraction.TITLE
    if len(text) > max_text_chars:
        logger.warning("text cut source=%s url=%s characters=%s limit=%s", source.id, entry.url, len(text), max_text_chars)
        text = clip_text(text, max_text_chars)
    return Article(
        entry=entry,
        text=text,
        title=clip_text(entry.title or (extracted.title if extracted else None) or "", max_text_chars),
        author=extracted.author if extracted else None,
        language=(extracted.language if extracted else None) or source.language,
        published=entry.published or (extracted.published if extracted else None) or now,
        extraction=extraction,
        site_name=extracted.site_name if extracted else None,
        captures=captures,
        extraction_error=error,
    )
