"""What the rule pack costs per article, and how that cost grows with the pack.

On the real news pages of the shared corpus (``../shared/corpora/html``), per article (median):
- extracting it with trafilatura (the baseline, measured in the same run);
- preparing it for scoring: normalising its title and text, and its context (language,
  countries and places named, elections near): what every pack needs, whatever its rules;
- scoring it with the whole shipped pack (one scan of the lexicons' automaton, the rules its
  words concern), given its context;
- scoring it with a pack ten times larger: every rule copied ten times, each copy a rule of its
  own (a new id, one more phrase in each of its lists, a window a few days wider), and every
  lexicon given ten times its entries (new words that do not occur in the pages, so that the
  matches stay about the same and only the size changes).

The project's promise: scoring costs at most 5 % of extraction, and the ten-fold pack at most
1.5 times the shipped one.

    .venv/bin/python bench/rule_pack.py [--limit N]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.headline import headline  # noqa: E402
from bench.pipeline import pages_from_arguments  # noqa: E402  (the same pages as the pipeline benchmark)
from monitor.daemon.wiring import load_knowledge  # noqa: E402
from monitor.detect.article_context import build_context  # noqa: E402
from monitor.detect.document import Document, prepare  # noqa: E402
from monitor.detect.rules.loader import load_rules, rule_files  # noqa: E402
from monitor.detect.rules.ruleset import RuleSet  # noqa: E402
from monitor.detect.scoring import assess  # noqa: E402
from monitor.ingest.extract import extract_page  # noqa: E402
from monitor.models import Context, Source, SourceKind, Thresholds  # noqa: E402
from testbed.settings import make_settings  # noqa: E402

COPIES = 10


def larger_pack(source: Path, target: Path, copies: int) -> None:
    """The shipped pack, each rule ``copies`` times, each lexicon with ``copies`` times its entries."""
    shutil.copytree(source, target)
    (target / "weights.yaml").unlink(missing_ok=True)
    for path in rule_files(target):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("rules", "filters"):
            data[key] = [variant(item, n) for item in data.get(key, []) for n in range(copies)]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for path in sorted((target / "lexicons").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = data["lexicon"]["entries"]
        for language, phrases in entries.items():
            entries[language] = list(phrases) + [f"{p.split()[0].rstrip('*0123456789')}qz{n} {p}" for p in phrases for n in range(1, copies)]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def variant(item: dict[str, Any], n: int) -> dict[str, Any]:
    """Copy ``n`` of a rule or filter: a new id, one more phrase in each of its own lists and a
    window a few days wider, so that no two copies are the same rule."""
    if n == 0:
        return item

    def vary(node: Any, key: str = "") -> Any:  # Any: parsed YAML
        if isinstance(node, dict):
            changed = {k: vary(v, k) for k, v in node.items()}
            if key == "election_window" and "before" in changed:
                changed["before"] = min(730, int(changed["before"]) + n)
            return changed
        if isinstance(node, list):
            items = [vary(v, key) for v in node]
            is_list_of_phrases = key in ("phrases", "terms") and all(isinstance(v, str) for v in items) and items
            return [*items, f"qzcopy{n}"] if is_list_of_phrases else items
        return node

    return dict(vary(item), id=f"{item['id']}-{n}")


def prepared(files: list[Path], tmp: Path) -> tuple[list[tuple[Document, Context]], list[float], list[float]]:
    """Each page extracted once (timed), with its document and context (their preparation timed:
    the fastest of three, as scoring)."""
    knowledge = load_knowledge(make_settings(tmp))
    source = Source.standing_in("b", SourceKind.STATE_MEDIA, "RU")
    readings, extract_times, prepare_times = [], [], []
    for path in files:
        body = path.read_bytes()
        started = time.perf_counter()
        extracted = extract_page(body)
        extract_times.append(time.perf_counter() - started)
        if extracted is None:
            continue
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            document = prepare(extracted.title or "", extracted.text)
            context = build_context(document, source, datetime(2024, 9, 25, tzinfo=UTC), knowledge.gazetteer, knowledge.calendar, extracted.language or "und")
            best = min(best, time.perf_counter() - started)
        prepare_times.append(best)
        readings.append((document, context))
    return readings, extract_times, prepare_times


def scoring_times(readings: list[tuple[Document, Context]], packs: list[RuleSet], rounds: int = 3) -> list[list[float]]:
    """Per pack, per article, the fastest of ``rounds`` scorings (the least disturbed by other
    work on the machine); the packs take turns on each article, so that both meet the same load."""
    thresholds = Thresholds()
    times: list[list[float]] = [[] for _ in packs]
    for document, context in readings:
        for rules, kept in zip(packs, times, strict=True):
            best = float("inf")
            for _ in range(rounds):
                started = time.perf_counter()
                assess(document, context, rules, thresholds)
                best = min(best, time.perf_counter() - started)
            kept.append(best)
    return times


def main() -> None:
    files = pages_from_arguments(__doc__ or "")
    with tempfile.TemporaryDirectory() as tmp:
        readings, extract_times, prepare_times = prepared(files, Path(tmp))
        shipped = load_rules(ROOT / "rules")
        larger_pack(ROOT / "rules", Path(tmp) / "rules10", COPIES)
        larger = load_rules(Path(tmp) / "rules10")
    entries = sum(len(v) for v in shipped.lexicon.entries.values())
    larger_entries = sum(len(v) for v in larger.lexicon.entries.values())
    small, big = (statistics.median(times) for times in scoring_times(readings, [shipped, larger]))
    extraction = statistics.median(extract_times)
    preparation = statistics.median(prepare_times)
    print(f"{len(readings)} articles; shipped pack: {len(shipped)} rules, {entries} lexicon entries; larger: {len(larger)} rules, {larger_entries} entries")
    print(f"per article, median: extraction {extraction * 1000:.2f} ms")
    print(f"normalise+context {preparation * 1000:.2f} ms (ratio to extraction {preparation / extraction:.3f})")
    print(f"scoring, shipped pack {small * 1000:.2f} ms; pack x{COPIES} {big * 1000:.2f} ms")
    headline("scoring per article / extraction per page (shipped pack)", small / extraction, "at most 0.05")
    headline(f"scoring with the pack x{COPIES} / the shipped pack", big / small, "at most 1.5")


if __name__ == "__main__":
    main()
