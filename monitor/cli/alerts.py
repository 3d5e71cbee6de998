"""`monitor alerts list | show | preview | mark` and `monitor review list`: what was raised, what was nearly raised, and the analysts' verdicts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from monitor.cli import evidence
from monitor.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Subparsers, add_format, open_store
from monitor.daemon.settings import Settings
from monitor.models import Clock, Verdict
from monitor.notify.channels import build_channels
from monitor.notify.messages import FORMATS, render
from monitor.store.repo import AlertView


def register(commands: Subparsers) -> None:
    """`alerts` and `review`; the review items are alerts below the threshold, marked with the same `alerts mark`."""
    alerts = commands.add_parser("alerts", help="stored alerts").add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    alerts_list = alerts.add_parser("list", help="list stored alerts, newest first, with their deliveries", description="List stored alerts, newest first, with the state of each channel's delivery.")
    add_format(alerts_list)
    alerts_list.add_argument("--limit", type=int, default=50)
    alerts_list.add_argument("--failed", action="store_true", help="only alerts that some channel failed to receive for good")
    alerts_list.set_defaults(handler=cmd_alerts_list)

    review = commands.add_parser("review", help="items stored for review: near misses below the alert score").add_subparsers(dest="review_command", required=True, metavar="ACTION")
    review_list = review.add_parser(
        "list",
        help="list the items stored for review, newest first",
        description="List the items stored for review: a foreign state source, a vote in its window, evidence of an indicator, "
        "a score below the alert threshold. Mark one with `monitor alerts mark ID --verdict tp|fp`: the verdict joins `monitor rules tune`.",
    )
    add_format(review_list)
    review_list.add_argument("--limit", type=int, default=50)
    review_list.set_defaults(handler=cmd_review_list)

    show = alerts.add_parser("show", help="one alert in full: message, deliveries, copies", description="Print one stored alert as its plain-text message, with its deliveries, later copies and silence.")
    show.add_argument("alert_id", type=int, metavar="ID")
    add_format(show)
    show.set_defaults(handler=cmd_alerts_show)
    preview = alerts.add_parser("preview", help="exactly what a channel would receive", description="Render a stored alert as a channel would receive it: e-mail HTML for mailto channels, Markdown for chat.")
    preview.add_argument("alert_id", type=int, metavar="ID")
    preview.add_argument("--channel", required=True, help="a channel tag, a channel id, or a format: email, chat, text")
    preview.set_defaults(handler=cmd_alerts_preview)

    mark = alerts.add_parser("mark", help="record an analyst's verdict on an alert", description="Record whether an alert (or an item for review) was right (tp) or wrong (fp); `monitor rules stats`, `monitor backtest` and `monitor rules tune` use the verdicts.")
    mark.add_argument("alert_id", type=int, metavar="ID")
    mark.add_argument("--verdict", choices=[v.value for v in Verdict], required=True, help="tp: a true positive; fp: a false positive")
    mark.add_argument("--note", help="why, for the next analyst")
    add_format(mark)
    mark.set_defaults(handler=cmd_alerts_mark)
    evidence.register(alerts)


def cmd_alerts_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alerts = open_store(settings).alerts(limit=args.limit, failed_only=args.failed)
    if args.format == "json":
        print(json.dumps([_alert_json(a) for a in alerts], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not alerts:
        print("No alerts.")
    for a in alerts:
        states = ", ".join(f"{channel}: {state}" + (f" ({attempts} attempts)" if attempts > 1 else "") for channel, state, attempts, _ in a.deliveries)
        print(f"#{a.id} {a.created_at:%Y-%m-%d %H:%M} {a.title}\n    {a.url or ''}\n    deliveries: {states}")
        if a.silenced_by:
            print(f"    silenced by #{a.silenced_by}")
        if a.copies:
            print("    also published by: " + ", ".join(f"{c['source']} ({str(c['published'])[:10]})" for c in a.copies))
    return EXIT_OK


def cmd_review_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    store = open_store(settings)
    items = store.alerts(limit=args.limit, review=True)
    verdicts = store.verdicts()
    if args.format == "json":
        print(json.dumps([_alert_json(a) | {"verdict": verdicts.get(a.id)} for a in items], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not items:
        print("Nothing for review.")
    for a in items:
        marked = f" [marked {verdicts[a.id]}]" if a.id in verdicts else ""
        print(f"#{a.id} {a.created_at:%Y-%m-%d %H:%M} score {a.score:g}{marked} {a.title}\n    {a.url or ''}")
        for match in (a.payload or {}).get("matches", []):
            quotes = "; ".join(f'"{q["quote"]}"' for q in match["quotes"][:2])
            print(f"    +{match['weight']} {match['rule']}" + (f": {quotes}" if quotes else ""))
    return EXIT_OK


def _alert_json(a: AlertView) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "created_at": a.created_at.isoformat(),
        "severity": a.severity,
        "score": a.score,
        "title": a.title,
        "body": a.body,
        "source": a.source_id,
        "url": a.url,
        "published": a.published_at.isoformat() if a.published_at else None,
        "deliveries": [{"channel": c, "state": s, "attempts": n, "last_error": e} for c, s, n, e in a.deliveries],
        "silenced_by": a.silenced_by,
        "copies": list(a.copies),
    }


def _alert(settings: Settings, alert_id: int) -> AlertView | None:
    found = open_store(settings).alerts(alert_id=alert_id)
    if not found:
        print(f"No alert #{alert_id}.", file=sys.stderr)
    return found[0] if found else None


def cmd_alerts_show(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alert = _alert(settings, args.alert_id)
    if alert is None:
        return EXIT_FAILED
    if args.format == "json":
        print(json.dumps(_alert_json(alert), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"Alert #{alert.id} ({alert.kind}), created {alert.created_at:%Y-%m-%d %H:%M} UTC\n")
    print(alert.title)
    print(alert.body)
    print("\nDeliveries:")
    for channel, state, attempts, error in alert.deliveries:
        print(f"  {channel}: {state}, {attempts} attempt(s)" + (f"; last error: {error}" if error else ""))
    if alert.silenced_by:
        print(f"Silenced by #{alert.silenced_by}")
    for copy in alert.copies:
        print(f"Also published by {copy['source']} on {str(copy['published'])[:10]}: {copy['url']}")
    return EXIT_OK


def cmd_alerts_preview(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alert = _alert(settings, args.alert_id)
    if alert is None:
        return EXIT_FAILED
    form = args.channel if args.channel in FORMATS else None
    if form is None:
        channels = build_channels(settings.notify_url_list(), settings.notify_config)
        ids = channels.tagged(args.channel) or ((args.channel,) if channels.get(args.channel) else ())
        channel = channels.get(ids[0]) if ids else None
        if channel is None:
            print(f"No channel with the tag or id {args.channel!r}, and not a format ({', '.join(FORMATS)}).", file=sys.stderr)
            return EXIT_CONFIG
        form = channel.format
    print(alert.title)
    print(render(alert.payload, form) if alert.payload else alert.body)
    return EXIT_OK


def cmd_alerts_mark(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not open_store(settings).mark(args.alert_id, Verdict(args.verdict), args.note, clock()):
        print(f"No alert #{args.alert_id}.", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps({"id": args.alert_id, "verdict": args.verdict}) if args.format == "json" else f"Alert #{args.alert_id} marked {args.verdict}.")
    return EXIT_OK
