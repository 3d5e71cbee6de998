"""`monitor export`: the founding case's alert as CSV, JSON and a STIX 2.1 bundle that the stix2 library reads back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import stix2

from monitor.cli.main import main


def export(settings, clock, capsys, form: str, *period: str) -> str:
    capsys.readouterr()
    assert main(["export", "--format", form, *period], clock=clock, settings=settings) == 0
    return capsys.readouterr().out


def test_json_gives_each_alert_with_its_indicators_techniques_rules_and_quotes(founding_case_stored, clock, capsys) -> None:
    (record,) = json.loads(export(founding_case_stored, clock, capsys, "json"))
    assert record["severity"] == "critical" and record["source"] == "demo-by-mfa"
    assert record["vote"] == "Lithuania, parliamentary election on 2024-10-13"
    assert "EI-02" in record["indicators"] and "T0138" in record["disarm"]
    appeal = next(r for r in record["rules"] if r["rule"] == "ei02-vote-appeal-foreign")
    assert "vote correctly" in appeal["quotes"]


def test_the_period_is_of_publication_days_both_ends_included(founding_case_stored, clock, capsys) -> None:
    assert len(json.loads(export(founding_case_stored, clock, capsys, "json", "--since", "2024-09-25", "--until", "2024-09-25"))) == 1
    assert json.loads(export(founding_case_stored, clock, capsys, "json", "--since", "2024-09-26")) == []


def test_csv_has_one_row_per_alert(founding_case_stored, clock, capsys) -> None:
    (row,) = csv.DictReader(io.StringIO(export(founding_case_stored, clock, capsys, "csv")))
    assert row["severity"] == "critical" and "T0138" in row["disarm"].split(";") and row["strongest_quote"]


def test_stix_is_a_valid_bundle_with_a_report_its_article_and_its_techniques(founding_case_stored, clock, capsys) -> None:
    text = export(founding_case_stored, clock, capsys, "stix")
    bundle = stix2.parse(text, allow_custom=False)  # the library's own checks, on reading it back
    by_type: dict[str, list] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    (report,) = by_type["report"]
    (observed,) = by_type["observed-data"]
    (address,) = by_type["url"]
    assert address.value.endswith("/by-mfa/reset-with-lithuania.html")
    assert observed.object_refs == [address.id] and observed.id in report.object_refs
    techniques = {p.external_references[0].external_id: p for p in by_type["attack-pattern"]}
    assert "T0138" in techniques and techniques["T0138"].id in report.object_refs
    assert "indicator:EI-02" in report.labels and report.created_by_ref == by_type["identity"][0].id
    assert export(founding_case_stored, clock, capsys, "stix") == text  # the same alerts, the same objects


def test_an_export_can_go_to_a_file(founding_case_stored, clock, capsys, tmp_path: Path) -> None:
    target = tmp_path / "alerts.json"
    assert main(["export", "--output", str(target)], clock=clock, settings=founding_case_stored) == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 1
    assert "1 alert(s) written" in capsys.readouterr().err
