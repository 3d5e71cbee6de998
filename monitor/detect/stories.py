"""One alert per story: is a new alerting item a copy of a story that already alerted?

The same statement is republished by the ministry, the state agency and several outlets within
hours, sometimes translated. Two items are one story when, within the realert period:
- in the same language, their texts are near-duplicates: the Jaccard similarity of their sets
  of word 4-grams ("shingles") reaches the threshold; or
- in different languages (a translation), they bear on the same election and share at least
  two indicator families (``ei:`` tags of the rules that matched).
Pure functions: the store supplies the recent alerts, and the texts are normalised here, the
new item's and the stored alerts' alike, so that their shingles compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from monitor.detect.document import Document
from monitor.detect.families import FAMILY_PREFIX
from monitor.detect.normalisation import Normalised, normalise
from monitor.models import Assessment

SHINGLE_WORDS = 4


@dataclass(frozen=True)
class StoryCandidate:
    """What story matching needs to know of an alerting item."""

    shingles: frozenset[int]
    language: str | None
    elections: frozenset[tuple[str, str]]  # (country, date)
    families: frozenset[str]  # ei:EI-NN tags of the matched rules
    published: datetime


@dataclass(frozen=True)
class StoryAlert:
    alert_id: int
    candidate: StoryCandidate


def item_candidate(document: Document, language: str | None, assessment: Assessment, published: datetime) -> StoryCandidate:
    """A new alerting item, from the document it was scored on."""
    return StoryCandidate(
        shingles=shingles(document.text),
        language=language,
        elections=frozenset((n.election.country, n.election.date.isoformat()) for n in assessment.elections),
        families=families(m.tags for m in assessment.matches),
        published=published,
    )


def alert_candidate(
    text: str, language: str | None, elections: Iterable[tuple[str, str]], tags: Iterable[str], published: datetime
) -> StoryCandidate:
    """A stored alert's item, from what the store kept: its text is normalised as the item's was."""
    return StoryCandidate(shingles(normalise(text)), language, frozenset(elections), families([tags]), published)


def families(tag_lists: Iterable[Iterable[str]]) -> frozenset[str]:
    """The indicator families among the tags of the matched rules."""
    return frozenset(tag for tags in tag_lists for tag in tags if tag.startswith(FAMILY_PREFIX))


def shingles(text: Normalised) -> frozenset[int]:
    words = [word for word, _, _ in text.tokens]
    if len(words) < SHINGLE_WORDS:
        return frozenset({hash(tuple(words))}) if words else frozenset()
    return frozenset(hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def same_story(new: StoryCandidate, old: StoryCandidate, similarity: float) -> bool:
    if new.language and new.language == old.language:
        return jaccard(new.shingles, old.shingles) >= similarity
    return bool(new.elections & old.elections) and len(new.families & old.families) >= 2


def find_story(new: StoryCandidate, recent: list[StoryAlert], similarity: float) -> int | None:
    """The alert of the story the new item belongs to, if any (the most similar first)."""
    matching = [a for a in recent if same_story(new, a.candidate, similarity)]
    if not matching:
        return None
    return max(matching, key=lambda a: jaccard(new.shingles, a.candidate.shingles)).alert_id
