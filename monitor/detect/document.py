"""An article prepared for detection: its title, text and lead, each normalised once."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.detect.normalisation import Normalised, normalise
from monitor.models import Field


@dataclass(frozen=True)
class Document:
    """An article's title and text, normalised once and shared by context and scoring.

    The lead is the text's first paragraph (at most ``LEAD_CHARS``): a prefix of the text, so
    offsets in the lead are offsets in the text too.
    """

    title: Normalised
    text: Normalised
    lead: Normalised

    def field(self, which: Field) -> Normalised:
        if which is Field.TITLE:
            return self.title
        return self.lead if which is Field.LEAD else self.text


LEAD_CHARS = 600


def prepare(title: str, text: str) -> Document:
    return Document(normalise(title), normalise(text), normalise(lead_of(text)))


def lead_of(text: str) -> str:
    """The text's first paragraph, at most ``LEAD_CHARS``."""
    paragraph_end = text.find("\n", 1)
    return text[: min(LEAD_CHARS, paragraph_end if paragraph_end > 0 else len(text))]
