"""Small builders of what the monitor reads: a sources file, an RSS feed, an HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import Session, select

from monitor.store.repo import Store


def write_sources(path: Path, *sources: dict[str, Any]) -> Path:
    """Write a sources file; each source gets defaults for the keys it does not set."""
    entries = []
    for index, source in enumerate(sources):
        entry = {"id": f"source-{index}", "name": f"Source {index}", "kind": "official", "country": "BY", "interval": "15m"}
        entry.update(source)
        entries.append(entry)
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return path


def rss(*items: dict[str, str], title: str = "Feed") -> str:
    """A small RSS 2.0 document; each item maps element names to their text."""
    body = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>" for item in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def page(title: str, *paragraphs: str) -> str:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{text}</article></body></html>"
    )


def count_rows(store: Store, table: type) -> int:
    """The rows of a table, for tests that check what was (or was not) written."""
    with Session(store.engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())
