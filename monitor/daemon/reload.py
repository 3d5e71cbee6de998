"""The rules in force, reloaded without a restart when their files change.

A change is taken only whole and only if it is sound: every file validates, every example of
every rule and filter passes, and no validator finds an error (``monitor.review.selftest``).
Otherwise the rules in force stay, and the problems are reported once per broken version of the
files (not at every check). The warnings of a change that is taken are logged once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.loader import rules_digest
from monitor.detect.rules.ruleset import RuleSet
from monitor.errors import ConfigError
from monitor.review.selftest import checked_rules

logger = logging.getLogger(__name__)


class ReloadStatus(StrEnum):
    UNCHANGED = "unchanged"  # the files are those of the rules in force
    RELOADED = "reloaded"  # a sound change, now in force
    REJECTED = "rejected"  # a broken change, newly seen: its problems are reported
    STILL_REJECTED = "still_rejected"  # the broken change already reported


@dataclass(frozen=True)
class Reload:
    status: ReloadStatus
    problems: tuple[str, ...] = ()


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
                return Reload(ReloadStatus.UNCHANGED)
            if digest == self._rejected_digest:
                return Reload(ReloadStatus.STILL_REJECTED)
            try:
                rules, warnings = checked_rules(self._directory, self._gazetteer, self._calendar)
            except ConfigError as exc:
                self._rejected_digest = digest
                problems = tuple(str(p) for p in exc.problems)
                for problem in problems:
                    logger.error("rule change rejected: %s", problem)
                return Reload(ReloadStatus.REJECTED, problems)
            for warning in warnings:
                logger.warning("rule change taken with a warning: %s", warning.problem())
            old = len(self._rules)
            self._rules = rules
            self._rejected_digest = None
            logger.info("rules reloaded: %d rules (were %d), %d filters", len(rules), old, len(rules.filters))
            return Reload(ReloadStatus.RELOADED)
