"""What an article is about and when: its language, the countries it mentions, the elections near.

Pure: the gazetteer and the calendar are passed in.
"""

from __future__ import annotations

from datetime import datetime

from monitor.detect.countries import Gazetteer, countries_about
from monitor.detect.document import Document
from monitor.detect.elections import ElectionCalendar
from monitor.detect.language import detect_language
from monitor.models import Context, Source

# The widest window any rule may ask for (schema.Window's limits); rules narrow it.
WINDOW_BEFORE_DAYS = 730
WINDOW_AFTER_DAYS = 365


def build_context(
    document: Document,
    source: Source,
    published: datetime,
    gazetteer: Gazetteer,
    calendar: ElectionCalendar,
    language: str | None = None,
) -> Context:
    language = language or detect_language(document.text.original or document.title.original)
    mentions = gazetteer.mentions(document.title, document.text, language or source.language)
    mentioned = tuple(m.code for m in mentions)
    return Context(
        language=language,
        countries_mentioned=mentioned,
        countries_about=countries_about(mentions),
        elections_near=calendar.near(published.date(), mentioned, WINDOW_BEFORE_DAYS, WINDOW_AFTER_DAYS),
        source=source,
        published=published,
        places=tuple((m.code, which, start, end) for m in mentions for which, start, end in m.places),
    )
