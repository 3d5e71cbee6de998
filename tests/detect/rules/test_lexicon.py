"""Lexicons: named concepts in many languages that rules reference as ``@name``.

One list serves every rule; an entry matches texts of its own language; ``@target`` is the
country whose vote is near; a reference to a lexicon that does not exist is refused with its
file, line and location.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.detect.article_context import build_context
from monitor.detect.document import prepare
from monitor.detect.rules.loader import load_rules, rules_digest
from monitor.detect.scoring import assess
from monitor.errors import RuleError
from monitor.models import Source, SourceKind, Thresholds
from tests.detect.rules.test_conditions import CALENDAR, GAZETTEER

THREAT = """\
lexicon:
  id: threat
  description: loss and menace
  entries:
    en: [sanction*2, pay the price]
    ru: [санкци*3]
    sr: [rat]
"""

ELECTION = """\
lexicon:
  id: election
  entries:
    en: [election*1, vote*1]
    ru: [выбор*3]
"""

RULES = """\
rules:
  - id: threat-near-target
    title: A threat next to the country that votes
    severity: medium
    weight: 2
    tags: [ei:EI-06]
    match:
      all:
        - source_kind: [official]
        - proximity:
            terms: ["@threat", ["@target", "@election"]]
            within: 6
    examples:
      match:
        - {text: Lithuania will pay the price., published: 2024-09-25, source_country: BY}
        - {text: Литве грозят санкции., published: 2024-09-25, source_country: BY}
      no_match:
        - {text: Lithuania will pay the price., published: 2023-01-01, source_country: BY}
        - {text: China will pay the price., published: 2024-09-25, source_country: BY}
"""


def pack(tmp_path: Path, rules: str = RULES, **lexicons: str) -> Path:
    directory = tmp_path / "rules"
    (directory / "lexicons").mkdir(parents=True)
    (directory / "pack.yaml").write_text(rules, encoding="utf-8")
    for name, text in (lexicons or {"threat": THREAT, "election": ELECTION}).items():
        (directory / "lexicons" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return directory


def matched(directory: Path, text: str, language: str | None, published: date = date(2024, 9, 25)) -> list[str]:
    rules = load_rules(directory)
    source = Source(id="s", name="s", url="https://example.invalid/", kind=SourceKind.OFFICIAL, country="BY")
    document = prepare("", text)
    context = build_context(document, source, datetime.combine(published, datetime.min.time(), tzinfo=UTC), GAZETTEER, CALENDAR, language)
    return [m.rule_id for m in assess(document, context, rules, Thresholds()).matches]


def test_a_rule_that_names_a_lexicon_matches_its_entries_in_every_language(tmp_path: Path) -> None:
    directory = pack(tmp_path)
    assert matched(directory, "Lithuania will face new sanctions.", "en") == ["threat-near-target"]
    assert matched(directory, "Литва получит новые санкции.", "ru") == ["threat-near-target"]


def test_an_entry_matches_only_texts_of_its_own_language(tmp_path: Path) -> None:
    """Serbian "rat" (war) is not the English animal; a text of unknown language is read with every list."""
    directory = pack(tmp_path)
    assert matched(directory, "A rat was seen near the election office in Vilnius.", "en") == []
    assert matched(directory, "Rat preti Vilnius.", "sr") == ["threat-near-target"]
    assert matched(directory, "Rat preti Vilnius.", None) == ["threat-near-target"]


def test_target_is_the_country_whose_vote_is_near(tmp_path: Path) -> None:
    """China has no vote in the calendar; Lithuania's is 18 days ahead; far from it, Lithuania is no target."""
    directory = pack(tmp_path)
    assert matched(directory, "Lithuania will pay the price.", "en") == ["threat-near-target"]
    assert matched(directory, "China will pay the price.", "en") == []
    assert matched(directory, "Lithuania will pay the price.", "en", date(2023, 1, 1)) == []


def test_a_reference_to_an_unknown_lexicon_is_refused_with_its_location(tmp_path: Path) -> None:
    directory = pack(tmp_path, RULES.replace('"@threat"', '"@threats"'))
    with pytest.raises(RuleError) as caught:
        load_rules(directory)
    [problem] = caught.value.problems
    assert problem.path.endswith("pack.yaml") and problem.line == 11
    assert "rules[0].match.all[1].proximity.terms[0]" in problem.location
    assert "unknown lexicon '@threats'" in problem.message and "election, threat" in problem.message


def test_a_broken_lexicon_file_is_reported_with_its_file(tmp_path: Path) -> None:
    directory = pack(tmp_path, threat=THREAT.replace("en: [", "en: ['*', "), election=ELECTION)
    with pytest.raises(RuleError) as caught:
        load_rules(directory)
    assert any(p.path.endswith("threat.yaml") and p.location == "lexicon.entries" and "only a wildcard" in p.message for p in caught.value.problems)


def test_count_lists_phrases_not_lexicons(tmp_path: Path) -> None:
    rules = RULES.replace('''        - proximity:
            terms: ["@threat", ["@target", "@election"]]
            within: 6''', '''        - count: {phrases: ["@threat", sanctions], at_least: 1}''')
    with pytest.raises(RuleError, match="count lists phrases, not lexicons"):
        load_rules(pack(tmp_path, rules))


def test_a_change_to_a_lexicon_is_a_change_to_the_rules(tmp_path: Path) -> None:
    """The reload compares digests: editing a lexicon must reload the rules that use it."""
    directory = pack(tmp_path)
    before = rules_digest(directory)
    (directory / "lexicons" / "threat.yaml").write_text(THREAT.replace("pay the price", "pay dearly"), encoding="utf-8")
    assert rules_digest(directory) != before
