"""`monitor alerts evidence ID --output DIR`: what an alert rests on, as fetched, with a manifest of checksums."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from monitor.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Subparsers, add_format, open_store
from monitor.daemon.settings import Settings
from monitor.models import Clock
from monitor.store.evidence import KeptEvidence

# The file name's ending by what the server said the bytes were.
_ENDINGS = (("json", ".json"), ("html", ".html"), ("xml", ".xml"), ("rss", ".xml"), ("atom", ".xml"), ("text/plain", ".txt"))


def register(alerts: Subparsers) -> None:
    evidence = alerts.add_parser(
        "evidence",
        help="write what an alert rests on, as fetched, with checksums",
        description="Write an alert's evidence into DIR: the feed document and the page exactly as they were fetched "
        "(kept, compressed, when the alert was raised), the text extracted from them, and manifest.json giving for each "
        "file its name, URL, final URL, SHA-256, time of fetch and response headers. DIR must be new or empty.",
    )
    evidence.add_argument("alert_id", type=int, metavar="ID")
    evidence.add_argument("--output", type=Path, required=True, metavar="DIR")
    add_format(evidence)
    evidence.set_defaults(handler=cmd_alerts_evidence)


def cmd_alerts_evidence(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    target: Path = args.output
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        print(f"Configuration error: {target} exists and is not an empty folder; nothing was written", file=sys.stderr)
        return EXIT_CONFIG
    found = open_store(settings).evidence(args.alert_id)
    if found is None:
        print(f"No alert #{args.alert_id} on an item.", file=sys.stderr)
        return EXIT_FAILED
    target.mkdir(parents=True, exist_ok=True)
    files = [_write(target, f"{kept.kind}{_ending(kept)}", kept.body) | _described(kept) for kept in found.kept]
    text = f"{found.title}\n\n{found.text}\n".encode()
    files.append(_write(target, "text.txt", text) | {"kind": "text", "note": "the text the monitor extracted and scored"})
    manifest = {"alert": found.alert_id, "url": found.item_url, "files": files}
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.format == "json":
        print(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        kept = ", ".join(f["name"] for f in files)
        print(f"Alert #{found.alert_id}: {kept} and manifest.json written to {target}.")
        if not found.kept:
            print("No fetched bytes were kept for this alert (it was raised before evidence was kept).", file=sys.stderr)
    return EXIT_OK


def _write(folder: Path, name: str, body: bytes) -> dict[str, Any]:
    (folder / name).write_bytes(body)
    return {"name": name, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}


def _described(kept: KeptEvidence) -> dict[str, Any]:
    return {"kind": kept.kind, "url": kept.url, "final_url": kept.final_url, "fetched_at": kept.fetched_at.isoformat(), "headers": [list(pair) for pair in kept.headers]}


def _ending(kept: KeptEvidence) -> str:
    content_type = next((value.lower() for name, value in kept.headers if name.lower() == "content-type"), "")
    return next((ending for mark, ending in _ENDINGS if mark in content_type), ".bin")
