"""`monitor score`: one text or page scored exactly as the daemon would, without storing or alerting."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

from monitor.cli.common import EXIT_OK, Subparsers, add_format, problem
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import load_knowledge, make_fetcher
from monitor.detect.scoring import assess_text
from monitor.errors import ConfigError, FetchError, NotText
from monitor.ingest.extract import clip_text, extract_page
from monitor.ingest.sources import load_sources
from monitor.models import Clock, Source, SourceKind
from monitor.notify.explain import assessment_json, assessment_text


def register(commands: Subparsers) -> None:
    score = commands.add_parser("score", help="score one text or page without storing or alerting", description="Score one text or page exactly as the daemon would, without storing or alerting. .html/.htm files and URLs go through extraction; other files are plain text.")
    score.add_argument("input", nargs="?", default="-", help="a file, an http(s) URL, or - for standard input (default)")
    score.add_argument("--published", type=date.fromisoformat, help="publication day, YYYY-MM-DD (default: today)")
    score.add_argument("--source", help="id of a source in the sources file (gives kind and country)")
    score.add_argument("--source-kind", choices=[k.value for k in SourceKind], help="kind of the publishing source")
    score.add_argument("--source-country", help="ISO country code of the publishing source")
    score.add_argument("--title", default=None, help="the title (for a page: overrides the extracted one)")
    add_format(score)
    score.set_defaults(handler=cmd_score)


def cmd_score(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    source = _score_source(args, settings)
    title, text, language = _read_input(args, settings)
    text = clip_text(text, settings.max_text_chars)  # as the daemon keeps it
    published = datetime.combine(args.published, time(12), tzinfo=UTC) if args.published else clock()
    assessment = assess_text(title, text, source, published, knowledge.gazetteer, knowledge.calendar, knowledge.rules, settings.thresholds(), language)
    if args.format == "json":
        print(json.dumps(assessment_json(assessment), ensure_ascii=False, indent=2))
    else:
        print(assessment_text(assessment, knowledge.gazetteer.name))
    return EXIT_OK


def _score_source(args: argparse.Namespace, settings: Settings) -> Source:
    base = Source.standing_in("cli", SourceKind.OFFICIAL, "XX")
    if args.source:
        known = {s.id: s for s in load_sources(settings.sources_file, settings.default_interval)}
        if args.source not in known:
            raise ConfigError([problem(str(settings.sources_file), f"no source with id {args.source!r}")])
        base = known[args.source]
    return replace(
        base,
        kind=SourceKind(args.source_kind) if args.source_kind else base.kind,
        country=args.source_country.upper() if args.source_country else base.country,
    )


def _read_input(args: argparse.Namespace, settings: Settings) -> tuple[str, str, str | None]:
    """(title, text, language hint) from a file, a URL or standard input."""
    name: str = args.input
    if name.startswith(("http://", "https://")):
        fetcher = make_fetcher(settings)
        try:
            page = fetcher.get(name)
        except FetchError as exc:
            raise ConfigError([problem(name, str(exc))]) from exc
        finally:
            fetcher.close()
        return _extracted(page.body, page.url, args.title, page.content_type)
    if name == "-":
        return args.title or "", sys.stdin.read(), None
    path = Path(name)
    if not path.is_file():
        raise ConfigError([problem(name, "no such file")])
    if path.suffix.lower() in (".html", ".htm"):
        return _extracted(path.read_bytes(), None, args.title)
    return args.title or "", path.read_text(encoding="utf-8", errors="replace"), None


def _extracted(body: bytes, url: str | None, title: str | None, content_type: str | None = None) -> tuple[str, str, str | None]:
    try:
        extracted = extract_page(body, url, content_type)
    except NotText as exc:
        raise ConfigError([problem(url or "page", str(exc))]) from exc
    if extracted is None:
        raise ConfigError([problem(url or "page", "no article text found in the page")])
    return title or extracted.title or "", extracted.text, extracted.language
