"""Alerts for people outside the monitor: rows for a spreadsheet (CSV), JSON, and STIX 2.1 for
threat-intelligence tools (a report per alert, its article as observed data, the DISARM
techniques its rules are tagged with as attack patterns).

Pure: the findings come from the store (``monitor.store.findings``); nothing is read or sent here.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.store.findings import Finding

if TYPE_CHECKING:
    import stix2

# Ids derived from what they stand for, so that exporting the same alerts twice gives the same
# objects (a tool importing both sees one report, not two).
_NAMESPACE = uuid.UUID("5b0d2c9e-7d3f-4f2e-9a57-6c1f3e0a8d21")
CSV_COLUMNS = (
    "alert_id", "published", "alerted", "severity", "score", "source", "url", "title", "vote",
    "indicators", "disarm", "rules", "strongest_quote", "verdict", "silenced",
)


def indicators(finding: Finding) -> list[str]:
    """The indicator ids (EI-01 …) the alert's rules are tagged with, in the order they first appear."""
    return _tagged(finding, "ei:")


def techniques(finding: Finding) -> list[str]:
    """The DISARM technique ids (T0138 …) the alert's rules are tagged with."""
    return _tagged(finding, "disarm:")


def _tagged(finding: Finding, prefix: str) -> list[str]:
    return list(dict.fromkeys(tag.removeprefix(prefix) for match in finding.matches for tag in match.tags if tag.startswith(prefix)))


def as_record(finding: Finding) -> dict[str, Any]:
    """One alert as plain data: what the JSON export holds."""
    return {
        "alert_id": finding.alert_id,
        "published": finding.published_at.isoformat(),
        "alerted": finding.created_at.isoformat(),
        "severity": str(finding.severity),
        "score": finding.score,
        "source": finding.source_id,
        "url": finding.url,
        "title": finding.item_title,
        "language": finding.language,
        "vote": finding.target,
        "countries": list(finding.countries),
        "indicators": indicators(finding),
        "disarm": techniques(finding),
        "rules": [{"rule": m.rule_id, "title": m.title, "weight": m.weight, "severity": m.severity, "quotes": list(m.quotes)} for m in finding.matches],
        "verdict": str(finding.verdict) if finding.verdict else None,
        "silenced": finding.silenced,
    }


def to_csv(findings: list[Finding]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")  # the JSON's lists are left out
    writer.writeheader()
    for finding in findings:
        record = as_record(finding)
        quotes = [q for m in finding.matches for q in m.quotes]
        writer.writerow(
            record
            | {
                "indicators": ";".join(record["indicators"]),
                "disarm": ";".join(record["disarm"]),
                "rules": ";".join(m.rule_id for m in finding.matches),
                "strongest_quote": quotes[0] if quotes else "",
            }
        )
    return out.getvalue()


def to_stix(findings: list[Finding], now: datetime) -> stix2.Bundle:
    """A STIX 2.1 bundle: the monitor as the identity that made it, one attack pattern per DISARM
    technique named, and per alert a report whose refs are its article (observed data of a URL)
    and its techniques. The library checks every object as it is built."""
    import stix2  # imported here: the `monitor` command loads every command's module, and the daemon is one of them

    monitor = stix2.Identity(id=_id("identity", "election-interference indicator monitor"), name="Election-interference indicator monitor", identity_class="system", created=now, modified=now)
    patterns = {
        technique: stix2.AttackPattern(
            id=_id("attack-pattern", f"disarm:{technique}"),
            name=f"DISARM {technique}",
            external_references=[{"source_name": "DISARM", "external_id": technique}],
            created_by_ref=monitor.id,
            created=now,
            modified=now,
        )
        for finding in findings
        for technique in techniques(finding)
    }
    objects: list[Any] = [monitor, *patterns.values()]
    for finding in findings:
        objects.extend(_report(finding, monitor.id, patterns, now))
    return stix2.Bundle(objects=objects, id=_id("bundle", f"{now.isoformat()}:{[f.alert_id for f in findings]}"))


def _report(finding: Finding, creator: str, patterns: dict[str, stix2.AttackPattern], now: datetime) -> list[Any]:
    import stix2

    key = f"{finding.alert_id}:{finding.url}:{finding.published_at.isoformat()}"
    refs: list[str] = []
    objects: list[Any] = []
    if finding.url:
        address = stix2.URL(value=finding.url)
        observed = stix2.ObservedData(
            id=_id("observed-data", key),
            first_observed=finding.published_at,
            last_observed=finding.published_at,
            number_observed=1,
            object_refs=[address.id],
            created_by_ref=creator,
            created=now,
            modified=now,
        )
        objects += [address, observed]
        refs.append(observed.id)
    refs += [patterns[technique].id for technique in techniques(finding)]
    lines = [f"{finding.item_title} ({finding.source_id}, published {finding.published_at:%Y-%m-%d})", finding.target, ""]
    lines += [f"{m.rule_id} (+{m.weight:g}): {m.title}" + "".join(f"\n  “{q}”" for q in m.quotes[:3]) for m in finding.matches]
    report = stix2.Report(
        id=_id("report", key),
        name=finding.title,
        description="\n".join(lines),
        published=finding.created_at,
        report_types=["threat-report"],
        object_refs=refs or [creator],
        labels=[f"severity:{finding.severity}", *(f"indicator:{i}" for i in indicators(finding))],
        external_references=[{"source_name": finding.source_id, "url": finding.url}] if finding.url else None,
        created_by_ref=creator,
        created=finding.created_at,
        modified=finding.created_at,
    )
    return [*objects, report]


def _id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, name)}"
