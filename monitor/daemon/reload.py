"""The rules in force, reloaded without a restart when their files change.

A change is taken only whole and only if it is sound: every file validates and every example
of every rule and filter passes. Otherwise the rules in force stay, and the problems are
reported once per broken version of the files (not at every check).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.loader import load_rules, rules_digest
from monitor.detect.rules.ruleset import RuleSet
from monitor.errors import ConfigError, Problem
from monitor.review.selftest import run_examples

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reload:
    status: str  # "unchanged", "reloaded", "rejected" (newly), "still_rejected"
    problems: tuple[str, ...] = ()


def check_rules(directory: Path, gazetteer: Gazetteer, calendar: ElectionCalendar) -> RuleSet:
    """Load the rules and run their examples; ConfigError lists every problem of either kind."""
    rules = load_rules(directory)
    failures = [r for r in run_examples(rules, gazetteer, calendar) if not r.passed]
    if failures:
        raise ConfigError(
            [
                Problem(r.owner.path, f"{r.kind} {r.owner.id}", f"example {'not matched' if r.expected else 'matched'}: {' '.join(r.example.text.split())[:80]}")
                for r in failures
            ]
        )
    return rules


class RuleBook:
    def __init__(self, directory: Path, rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar) -> None:
        self._directory = directory
        self._gazetteer = gazetteer
        self._calendar = calendar
        self._rules = rules
        self._rejected_digest: str | None = None
        self._lock = threading.Lock()

    def current(self) -> RuleSet:
        return self._rules  # swapped whole, never changed in place: reading needs no lock

    def reload(self) -> Reload:
        with self._lock:
            digest = rules_digest(self._directory)
            if digest == self._rules.digest:
                self._rejected_digest = None
                return Reload("unchanged")
            if digest == self._rejected_digest:
                return Reload("still_rejected")
            try:
                rules = check_rules(self._directory, self._gazetteer, self._calendar)
            except ConfigError as exc:
                self._rejected_digest = digest
                problems = tuple(str(p) for p in exc.problems)
                for problem in problems:
                    logger.error("rule change rejected: %s", problem)
                return Reload("rejected", problems)
            old = len(self._rules)
            self._rules = rules
            self._rejected_digest = None
            logger.info("rules reloaded: %d rules (were %d), %d filters", len(rules), old, len(rules.filters))
            return Reload("reloaded")
