"""Assessment -> the alert message people read in chat and e-mail.

The first line says what matters most: severity, the election and the days to the vote.
Then who said it and when, the score, every matched rule with its quoted evidence, the link.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from monitor.models import Article, Assessment, Evidence, Field, Source
from monitor.notify.explain import CountryName, describe_election, election_name, lead_election, vote_headline

MAX_QUOTE = 160
TEMPLATES = Path(__file__).parent / "templates"
CONTEXT_CHARS = 160  # of the sentence shown around a quote
_SENTENCE_EDGE = re.compile(r"[.!?\u2026\n]")

FORMATS = {"text": "text.j2", "chat": "chat.md.j2", "email": "email.html.j2"}


def alert_payload(article: Article, source: Source, assessment: Assessment, country_name: CountryName) -> dict[str, Any]:
    """Everything the message templates show, as plain data (it is stored with the alert)."""
    lead = lead_election(assessment.elections)
    matches = [
        {"rule": m.rule_id, "title": m.title, "weight": f"{m.weight:g}", "severity": str(m.severity), "quotes": _quotes(article, m.evidence)}
        for m in assessment.matches
    ]
    return {
        "severity": str(assessment.severity),
        "score": f"{assessment.score:g}",
        "base_score": f"{assessment.base_score:g}",
        "factor": assessment.proximity_factor,
        "headline": vote_headline(assessment.elections, country_name),
        "target": election_name(lead, country_name) if lead is not None else "No election in window",
        "source": {"id": source.id, "name": source.name, "kind": str(source.kind), "country": source.country},
        "published": article.published.date().isoformat(),
        "title": article.title,
        "link": article.entry.canonical_url or article.entry.url,
        "elections": [describe_election(n, country_name) for n in assessment.elections],
        "countries": [country_name(c) for c in assessment.countries],
        "matches": matches,
        # The first quote of the weightiest rule that has one: what a chat message shows first.
        "strongest": next(({"quote": m["quotes"][0], "rule": m["title"]} for m in matches if m["quotes"]), None),
        "extraction": str(article.extraction),
    }


def _quotes(article: Article, evidence: tuple[Evidence, ...]) -> list[dict[str, str]]:
    """Each distinct quote once, with the rest of its sentence around it."""
    quotes: dict[str, dict[str, str]] = {}
    for e in evidence:
        text = article.title if e.field is Field.TITLE else article.text
        key = _quote(e.quote)
        if key in quotes:
            continue
        before = text[max(0, e.start - CONTEXT_CHARS) : e.start]
        after = text[e.end : e.end + CONTEXT_CHARS]
        edges = list(_SENTENCE_EDGE.finditer(before))
        before = before[edges[-1].end() :] if edges else before
        stop = _SENTENCE_EDGE.search(after)
        after = after[: stop.end()] if stop else after
        quotes[key] = {"quote": key, "before": " ".join(before.split()) + (" " if before[-1:].isspace() else ""), "after": (" " if after[:1].isspace() else "") + " ".join(after.split())}
    return list(quotes.values())


def render(payload: dict[str, Any], form: str = "text") -> str:
    """The message body in one of ``FORMATS``: plain text, chat Markdown or e-mail HTML."""
    return _templates().get_template(FORMATS[form]).render(**payload).strip()


@lru_cache(maxsize=1)  # the templates are files shipped with the package: read them once
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=False, keep_trailing_newline=False
    )


def render_alert(article: Article, source: Source, assessment: Assessment, country_name: CountryName) -> tuple[str, str, dict[str, Any]]:
    """The alert's title (one line), its plain-text body, and the payload the templates render."""
    payload = alert_payload(article, source, assessment, country_name)
    title = f"[{payload['severity'].upper()}] {payload['headline']}: {source.name}"
    return title, render(payload, "text"), payload


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTE else flat[: MAX_QUOTE - 1] + "\u2026"
