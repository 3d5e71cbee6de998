"""A prepared document: title, text and lead normalised once; the lead is a prefix of the text."""

from __future__ import annotations

from monitor.detect.document import LEAD_CHARS, prepare
from monitor.models import Field


def test_the_lead_is_the_first_paragraph() -> None:
    document = prepare("Title", "First paragraph.\nSecond paragraph.")
    assert document.lead.text == "first paragraph."
    assert document.text.text.startswith(document.lead.text)


def test_a_long_first_paragraph_is_cut_at_the_lead_length() -> None:
    text = "word " * LEAD_CHARS
    assert len(prepare("Title", text).lead.original) == LEAD_CHARS


def test_each_field_names_its_normalised_text() -> None:
    document = prepare("ВЫБОРЫ", "Lead.\nBody.")
    assert document.field(Field.TITLE).text == "выборы"
    assert document.field(Field.LEAD) is document.lead
    assert document.field(Field.TEXT) is document.text
