"""The shipped rule pack: valid, its own examples pass, and a failing example fails the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.daemon.wiring import load_knowledge
from monitor.detect.rules.validators import DEFAULT_VALIDATORS, FamiliesCovered, validate_pack
from monitor.review.selftest import pack_validators, run_examples
from testbed.settings import make_settings
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return load_knowledge(make_settings(tmp_path_factory.mktemp("pack")))


def test_every_rule_has_examples_of_both_kinds_and_they_pass(knowledge) -> None:
    """Each shipped rule matches its `match` examples and none of its `no_match` examples."""
    results = run_examples(knowledge.rules, knowledge.gazetteer, knowledge.calendar)
    failures = [f"{r.owner.id}: expected {'match' if r.expected else 'no match'}: {r.example.text}" for r in results if not r.passed]
    assert not failures
    rule_ids = {r.id for r in knowledge.rules.rules}
    assert {r.owner.id for r in results if r.expected and r.kind == "rule"} == {r.owner.id for r in results if not r.expected and r.kind == "rule"} == rule_ids


def test_rules_check_and_test_pass_on_the_shipped_pack(tmp_path: Path, capsys) -> None:
    """`monitor rules check` and `monitor rules test` exit 0 on what the project ships."""
    settings = make_settings(tmp_path)
    assert main(["rules", "check"], settings=settings) == 0
    assert main(["rules", "test"], settings=settings) == 0
    assert "examples pass" in capsys.readouterr().out


def test_a_failing_example_makes_rules_test_exit_1(tmp_path: Path, capsys) -> None:
    """An example the rule does not honour is listed as FAIL and the command exits 1."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (ROOT / "rules" / "ei06-threat.yaml").read_text(encoding="utf-8")
    (rules / "ei06-threat.yaml").write_text(text.replace("- text: The climber stood at the edge of the abyss in the Alps.\n          published: 2024-09-25\n          source_kind: state_media", "- text: The climber stood at the edge of the abyss in Lithuania.\n          published: 2024-09-25\n          source_kind: state_media"), encoding="utf-8")
    assert main(["rules", "test"], settings=make_settings(tmp_path, rules_dir=rules)) == 1
    assert "FAIL ei06-abyss-threat: should not match" in capsys.readouterr().out


FOUNDING = (ROOT / "monitor" / "demo" / "site" / "by-mfa" / "reset-with-lithuania.html").read_text(encoding="utf-8")


def score_page(tmp_path: Path, published: str, country: str = "BY") -> tuple[Path, list[str]]:
    page = tmp_path / "page.html"
    page.write_text(FOUNDING, encoding="utf-8")
    return page, ["score", str(page), "--published", published, "--source-kind", "official", "--source-country", country, "--format", "json"]


def test_the_founding_case_names_at_least_four_indicator_families_with_evidence(tmp_path: Path, capsys) -> None:
    """The Belarusian minister's article, 18 days before the Seimas election, alerts on four or more families."""
    _, argv = score_page(tmp_path, "2024-09-25")
    assert main(argv, settings=make_settings(tmp_path)) == 0
    result = json.loads(capsys.readouterr().out)
    families = {tag for m in result["matches"] for tag in m["tags"] if tag.startswith("ei:")}
    assert result["alert"] and len(families - {"ei:EI-01"}) >= 4, families
    assert all(m["evidence"] for m in result["matches"] if "ei:EI-01" not in m["tags"])
    assert result["elections"][0]["days_until"] == 18


def test_the_same_content_far_from_any_election_does_not_alert(tmp_path: Path, capsys) -> None:
    """Content indicators alone — the same article in January 2026, outside any Lithuanian window — stay below alert."""
    _, argv = score_page(tmp_path, "2026-01-23")
    main(argv, settings=make_settings(tmp_path))
    assert json.loads(capsys.readouterr().out)["alert"] is False


def test_the_same_content_from_the_target_country_does_not_alert(tmp_path: Path, capsys) -> None:
    """Published by a Lithuanian source (coverage, or a domestic speaker), the article is not interference."""
    _, argv = score_page(tmp_path, "2024-09-25", country="LT")
    main(argv, settings=make_settings(tmp_path))
    assert json.loads(capsys.readouterr().out)["alert"] is False


def test_the_pack_covers_every_indicator_family_with_three_examples_each_way_in_two_scripts(knowledge) -> None:
    """EI-01 ... EI-13 each have a rule; every rule has 3+ match and 3+ no_match examples, Latin and Cyrillic texts among them."""
    families = {tag for rule in knowledge.rules.rules for tag in rule.tags if tag.startswith("ei:")}
    assert families >= {f"ei:EI-{n:02d}" for n in range(1, 14)}
    for rule in knowledge.rules.rules:
        examples = rule.examples.match + rule.examples.no_match
        assert len(rule.examples.match) >= 3 and len(rule.examples.no_match) >= 3, rule.id
        scripts = {"cyrillic" if any("\u0400" <= ch <= "\u04ff" for ch in e.example.text) else "latin" for e in examples}
        assert scripts == {"cyrillic", "latin"}, rule.id


def test_the_shipped_pack_has_no_issue_with_any_validator(knowledge) -> None:
    """Not even a warning: the default validators, the examples, and the opt-in family coverage."""
    validators = (*pack_validators(knowledge.gazetteer, knowledge.calendar), FamiliesCovered())
    assert {v.id for v in DEFAULT_VALIDATORS} < {v.id for v in validators}
    assert [str(issue) for issue in validate_pack(knowledge.rules, validators)] == []


def test_every_shipped_rule_filter_and_example_knows_its_file_and_line(knowledge) -> None:
    """So that whatever finds fault with one (a reload, a validator) can say where it is."""
    owners = [*knowledge.rules.rules, *knowledge.rules.filters]
    assert all(Path(o.path).is_file() and o.line for o in owners)
    for owner in owners:
        lines = Path(owner.path).read_text(encoding="utf-8").splitlines()
        assert f"id: {owner.id}" in lines[owner.line - 1]
        for item in owner.examples.match + owner.examples.no_match:
            assert item.line is not None and item.line > owner.line
