"""`monitor silence add | list | remove`: holding back the alerts of a rule, a source or a country for a while."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from monitor.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Subparsers, add_format, open_store
from monitor.daemon.settings import Settings
from monitor.models import Clock


def register(commands: Subparsers) -> None:
    silence = commands.add_parser("silence", help="hold back alerts of a rule, source or country for a while").add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    silence_add = silence.add_parser("add", help="silence alerts until a date", description="Alerts that match every given condition are stored and listed, but not sent, until the date.")
    silence_add.add_argument("--rule", help="a rule id the alert matched")
    silence_add.add_argument("--source", help="the id of the source that published it")
    silence_add.add_argument("--country", help="the country of the election it bears on (ISO code)")
    silence_add.add_argument("--until", type=datetime.fromisoformat, required=True, help="YYYY-MM-DD[THH:MM] (UTC)")
    silence_add.add_argument("--reason", required=True, help="why, for the analysts who will wonder")
    add_format(silence_add)
    silence_add.set_defaults(handler=cmd_silence_add)
    silence_list = silence.add_parser("list", help="active silences", description="List the active silences (with --all, also ended and removed ones).")
    silence_list.add_argument("--all", action="store_true", help="include ended and removed silences")
    add_format(silence_list)
    silence_list.set_defaults(handler=cmd_silence_list)
    silence_remove = silence.add_parser("remove", help="end a silence now", description="End a silence before its date.")
    silence_remove.add_argument("silence_id", type=int, metavar="ID")
    add_format(silence_remove)
    silence_remove.set_defaults(handler=cmd_silence_remove)


def cmd_silence_add(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not (args.rule or args.source or args.country):
        print("Say what to silence: --rule, --source or --country.", file=sys.stderr)
        return EXIT_CONFIG
    until = args.until if args.until.tzinfo else args.until.replace(tzinfo=UTC)
    country = args.country.upper() if args.country else None
    silence_id = open_store(settings).add_silence(args.rule, args.source, country, until, args.reason, clock())
    print(json.dumps({"id": silence_id, "added": True}) if args.format == "json" else f"Silence #{silence_id} added.")
    return EXIT_OK


def cmd_silence_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    silences = open_store(settings).silences(clock(), include_ended=args.all)
    if args.format == "json":
        fields = [{"id": s.id, "rule": s.rule_id, "source": s.source_id, "country": s.country, "until": s.until.isoformat(), "reason": s.reason} for s in silences]
        print(json.dumps(fields, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not silences:
        print("No silences." if args.all else "No active silences.")
    for silence in silences:
        print(silence.describe())
    return EXIT_OK


def cmd_silence_remove(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not open_store(settings).remove_silence(args.silence_id, clock()):
        print(f"No active silence #{args.silence_id}.", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps({"id": args.silence_id, "removed": True}) if args.format == "json" else f"Silence #{args.silence_id} removed.")
    return EXIT_OK
