"""`monitor sources list`: every configured source with its health."""

from __future__ import annotations

import argparse
import json
from typing import Any

from monitor.cli.common import EXIT_OK, Subparsers, add_format, iso, open_store
from monitor.daemon.settings import Settings
from monitor.ingest.sources import load_sources
from monitor.models import Clock


def register(commands: Subparsers) -> None:
    sources = commands.add_parser("sources", help="configured sources").add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    sources_list = sources.add_parser("list", help="list sources with their health", description="List every configured source with its last success, last error, consecutive failures and next poll.")
    add_format(sources_list)
    sources_list.set_defaults(handler=cmd_sources_list)


def cmd_sources_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    rows = _source_rows(settings)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        health = "disabled" if not r["enabled"] else ("FAILING" if r["consecutive_failures"] else ("ok" if r["last_success"] else "never polled"))
        print(f"{r['id']:<24} {r['kind']:<12} {r['format']:<9} {r['country']}  {health:<12} items {r['items']:<5} last ok {r['last_success'] or '-'}  next {r['next_poll'] or '-'}")
        if r["consecutive_failures"]:
            print(f"{'':<24} {r['consecutive_failures']} failures in a row, last at {r['last_error_at']}: {r['last_error']}")
        if r["warning"]:
            print(f"{'':<24} warning: {r['warning']}")
    return EXIT_OK


def _source_rows(settings: Settings) -> list[dict[str, Any]]:
    """One row per configured source, in the file's order: its settings, its stored health and item count."""
    sources = load_sources(settings.sources_file, settings.default_interval)
    store = open_store(settings)
    states, counts = store.all_source_status(), store.items_per_source()
    rows = []
    for s in sources:
        st = states.get(s.id)
        rows.append(
            {
                "id": s.id,
                "kind": str(s.kind),
                "format": str(s.format),
                "country": s.country,
                "enabled": s.enabled,
                "interval": int(s.interval.total_seconds()),
                "last_success": iso(st.last_success_at if st else None),
                "last_error": st.last_error if st else None,
                "last_error_at": iso(st.last_error_at if st else None),
                "consecutive_failures": st.consecutive_failures if st else 0,
                "next_poll": iso(st.next_poll_at if st else None),
                "items": counts.get(s.id, 0),
                "warning": st.last_warning if st else None,
            }
        )
    return rows
