"""The shipped pack and the development texts, read as the daemon reads them: shared by the rule set's and the gates' tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import yaml

from monitor.daemon.wiring import Knowledge, load_knowledge
from monitor.detect.article_context import build_context
from monitor.detect.document import Document, prepare
from monitor.detect.rules.ruleset import RuleSet
from monitor.models import Context, Source, SourceKind
from testbed.settings import make_settings
from tests.conftest import ROOT

CASES_PER_FILE = 15  # of each region's file: every language and family, in a few seconds
FOREIGN_OUTLET = Source.standing_in("s", SourceKind.STATE_MEDIA, "RU")


@dataclass(frozen=True)
class DevText:
    document: Document
    published: datetime
    language: str | None


@pytest.fixture(scope="package")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    return load_knowledge(make_settings(tmp_path_factory.mktemp("ruleset")))


@pytest.fixture(scope="package")
def knowledge_rules(knowledge: Knowledge) -> RuleSet:
    return knowledge.rules


@pytest.fixture(scope="package")
def dev_texts() -> list[DevText]:
    """The first cases of each development file (never the test split)."""
    texts = []
    for path in sorted((ROOT / "tests" / "eval" / "dev").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"][:CASES_PER_FILE]:
            published = datetime.fromisoformat(str(case["published"])).replace(tzinfo=UTC)
            texts.append(DevText(prepare(case["title"], case["text"]), published, case.get("language")))
    return texts


def read(knowledge: Knowledge, text: DevText, source: Source = FOREIGN_OUTLET, published: datetime | None = None) -> Context:
    """The text's context, with the places of the pack's lexicon."""
    context = build_context(text.document, source, published or text.published, knowledge.gazetteer, knowledge.calendar, text.language)
    return knowledge.rules.read(text.document, context)


@pytest.fixture(scope="package")
def scored(knowledge: Knowledge, dev_texts: list[DevText]) -> list[tuple[Document, Context]]:
    """The development texts, each read by the shipped pack's lexicon, as a foreign state outlet."""
    return [(text.document, read(knowledge, text)) for text in dev_texts]
