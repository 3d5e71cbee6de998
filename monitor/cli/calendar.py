"""`monitor calendar upcoming | check | stats | import`: the election calendar from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from monitor.cli.common import EXIT_CONFIG, EXIT_OK, Subparsers, add_format, editable
from monitor.config.yamlfile import load_model
from monitor.daemon.settings import Settings
from monitor.detect.countries import Gazetteer, load_gazetteer
from monitor.detect.elections import ElectionsFile, ElectionSpec, load_elections
from monitor.errors import ConfigError
from monitor.models import Clock
from monitor.review.calendar.checks import calendar_checks, calendar_stats, upcoming
from monitor.review.calendar.importer import country_resolver, merge, read_votes
from monitor.review.calendar.writer import header_of, render, write


def register(commands: Subparsers) -> None:
    calendar = commands.add_parser("calendar", help="the election calendar: upcoming votes, checks, counts, imports").add_subparsers(
        dest="calendar_command", required=True, metavar="ACTION"
    )
    coming = calendar.add_parser("upcoming", help="votes in the coming days", description="List the votes of the calendar from today to N days ahead, soonest first.")
    coming.add_argument("--days", type=int, default=60, help="how far ahead, in days (default 60)")
    coming.add_argument("--country", type=str.upper, help="only this country (ISO code)")
    add_format(coming)
    coming.set_defaults(handler=cmd_calendar_upcoming)
    check = calendar.add_parser(
        "check", help="check the calendar; exit 2 listing every problem",
        description="Check the calendar: duplicates, runoffs before their first round, missing sources, "
        "countries missing from the gazetteer, called-off votes without the day they were called off. "
        "Exit 2 listing every problem with its file and line.",
    )
    add_format(check)
    check.set_defaults(handler=cmd_calendar_check)
    stats = calendar.add_parser("stats", help="day-precise national votes per year and continent", description="Count the calendar's day-precise national votes per year and continent, and its entries per status.")
    add_format(stats)
    stats.set_defaults(handler=cmd_calendar_stats)
    importing = calendar.add_parser(
        "import", help="merge votes from an .ics or .csv file into the calendar",
        description="Merge the votes of an iCalendar (.ics) or CSV file into the calendar file and report what was added and "
        "changed. Nothing is deleted; rows that cannot be read are skipped and listed.",
    )
    importing.add_argument("file", help="an .ics or .csv file")
    importing.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    add_format(importing)
    importing.set_defaults(handler=cmd_calendar_import)


def _describe(entry: ElectionSpec, gazetteer: Gazetteer) -> dict[str, Any]:
    return {
        "country": entry.country,
        "country_name": gazetteer.name(entry.country),
        "type": str(entry.type),
        "name": entry.name,
        "date": entry.date.isoformat(),
        "end_date": entry.end_date.isoformat() if entry.end_date else None,
        "date_precision": entry.date_precision,
        "status": entry.status,
        "source": entry.source,
    }


def cmd_calendar_upcoming(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    spec, gazetteer = load_elections(settings.elections_file), load_gazetteer(settings.countries_file)
    today = clock().date()
    found = upcoming(spec, today, args.days, args.country)
    if args.format == "json":
        rows = [{**_describe(e, gazetteer), "days_until": (e.date - today).days} for e in found]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    dated = [e for e in found if e.date_precision == "day"]
    for e in dated:
        days = (e.date - today).days
        when = "today" if days == 0 else f"in {days} days" if days > 0 else "in progress"
        print(f"{e.date.isoformat()}  {e.country}  {gazetteer.name(e.country)}: {e.name} ({e.status}, {when})")
    undated = [e for e in found if e.date_precision != "day"]
    if undated:
        print("Not yet dated, may fall in these days:")
    for e in undated:
        label = {"year": e.date.strftime("%Y"), "month": e.date.strftime("%Y-%m"), "deadline": f"by {e.date.isoformat()}"}[e.date_precision]
        print(f"  {label:<13} {e.country}  {gazetteer.name(e.country)}: {e.name} ({e.status})")
    if not found:
        scope = f" for {args.country}" if args.country else ""
        print(f"no vote in the calendar{scope} in the next {args.days} days")
    return EXIT_OK


def cmd_calendar_check(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    gazetteer = load_gazetteer(settings.countries_file)  # its own problems are configuration errors too
    try:
        spec = load_model(ElectionsFile, settings.elections_file, *calendar_checks(gazetteer.names, clock().date()))
    except ConfigError as exc:
        if args.format != "json":
            raise  # printed with every problem's file and line, exit 2
        problems = [{"file": p.path, "line": p.line, "location": p.location, "message": p.message} for p in exc.problems]
        print(json.dumps({"problems": problems}, ensure_ascii=False, indent=2))
        return EXIT_CONFIG
    stats = calendar_stats(spec, gazetteer.regions)
    years = list(stats.by_year_region)
    summary = {
        "entries": stats.entries,
        "day_precise_national": sum(sum(row.values()) for row in stats.by_year_region.values()),
        "countries": stats.countries,
        "years": [years[0], years[-1]] if years else [],
        "problems": [],
    }
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        span = f", {years[0]}-{years[-1]}" if years else ""
        print(f"{summary['entries']} entries ({summary['day_precise_national']} day-precise national votes) for {summary['countries']} countries{span}: OK")
    return EXIT_OK


def cmd_calendar_stats(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    spec, gazetteer = load_elections(settings.elections_file), load_gazetteer(settings.countries_file)
    stats = calendar_stats(spec, gazetteer.regions)
    if args.format == "json":
        print(json.dumps(stats.as_dict(), indent=2))
        return EXIT_OK
    regions = sorted({r for row in stats.by_year_region.values() for r in row})
    print("Day-precise national votes (every round and chamber), per year and continent:")
    print("year  " + "".join(f"{r:>10}" for r in regions) + f"{'total':>10}")
    for year, row in stats.by_year_region.items():
        print(f"{year}  " + "".join(f"{row.get(r, 0):>10}" for r in regions) + f"{sum(row.values()):>10}")
    print(f"{stats.entries} entries for {stats.countries} countries; by status: " + ", ".join(f"{s} {n}" for s, n in stats.by_status.items()))
    return EXIT_OK


def cmd_calendar_import(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    path = settings.elections_file
    if not args.dry_run:
        editable(path, "MONITOR_ELECTIONS_FILE")
    spec, gazetteer = load_elections(path), load_gazetteer(settings.countries_file)
    today = clock().date()
    incoming = read_votes(Path(args.file), country_resolver(gazetteer), today)
    result = merge(spec.elections, incoming.entries)
    if not args.dry_run and (result.added or result.changed):
        updated = spec.model_copy(update={"elections": tuple(result.entries), "as_of": today})
        write(path, render(header_of(path.read_text(encoding="utf-8")), updated))
    if args.format == "json":
        report = {
            "file": str(path),
            "written": not args.dry_run and bool(result.added or result.changed),
            "added": [_describe(e, gazetteer) for e in result.added],
            "changed": [{"before": _describe(b, gazetteer), "after": _describe(a, gazetteer)} for b, a in result.changed],
            "unchanged": result.unchanged,
            "skipped": [{"where": s.where, "reason": s.reason} for s in incoming.skipped],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return EXIT_OK
    verb = "would add" if args.dry_run else "added"
    print(f"{args.file}: {len(incoming.entries)} votes read, {len(incoming.skipped)} skipped")
    for e in result.added:
        print(f"  {verb}:   {e.date}  {e.country}  {e.name} ({e.type}, {e.status})")
    for before, after in result.changed:
        diff = ", ".join(f"{k} {getattr(before, k)} -> {getattr(after, k)}" for k in ("date", "end_date", "date_precision", "status", "cancelled_on", "source") if getattr(before, k) != getattr(after, k))
        print(f"  {'would change' if args.dry_run else 'changed'}: {before.date}  {before.country}  {before.name}: {diff}")
    for s in incoming.skipped:
        print(f"  skipped: {s.where}: {s.reason}")
    print(f"{len(result.added)} added, {len(result.changed)} changed, {result.unchanged} already known" + (" (dry run: nothing written)" if args.dry_run else f"; {path}" if result.added or result.changed else ""))
    missing = [e for e in result.added if not e.source]
    if missing:
        print(f"{len(missing)} added votes have no source: `monitor calendar check` will list them")
    return EXIT_OK
