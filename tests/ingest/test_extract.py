"""Page bytes -> text: binary bodies are refused before extraction, and texts are capped."""

from __future__ import annotations

import random

import pytest

from monitor.errors import NotText
from monitor.ingest.extract import check_text_body, clip_text, extract_page
from testbed.builders import page

PAGE = page("Statement on Lithuania", "The ministry commented on relations with Lithuania and on the border regime in detail.")


class TestSniffing:
    @pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "application/xhtml+xml", "application/rss+xml", "application/octet-stream"])
    def test_a_web_page_passes_whatever_text_type_it_is_served_as(self, content_type: str | None) -> None:
        check_text_body(PAGE.encode(), content_type)

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "windows-1251"])
    def test_pages_in_wide_or_legacy_encodings_are_text(self, encoding: str) -> None:
        """UTF-16 and UTF-32 are full of NUL bytes, with or without a byte order mark; they are still text."""
        check_text_body(page("Заявление", "Министерство прокомментировало отношения с Литвой.").encode(encoding), "text/html")

    def test_a_stray_nul_byte_does_not_make_a_page_binary(self) -> None:
        check_text_body(PAGE.encode().replace(b"<p>", b"<p>\0", 1), "text/html")

    @pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/zip", "video/mp4", "application/json"])
    def test_a_type_that_is_not_a_web_page_is_refused(self, content_type: str) -> None:
        with pytest.raises(NotText, match=f"not a web page: content type {content_type}"):
            check_text_body(PAGE.encode(), content_type)

    def test_binary_bytes_are_refused_whatever_their_type_says(self) -> None:
        junk = random.Random(1).randbytes(50_000)
        for body in (junk, b"<html><body>" + junk):
            with pytest.raises(NotText, match="binary content"):
                check_text_body(body, "text/html")

    def test_binary_bytes_after_a_first_stretch_of_text_are_refused_after_extraction(self) -> None:
        """The sniffed beginning is clean, but the text extracted is mostly replacement characters."""
        body = b"<html><body><article><p>" + b"text " * 14_000 + b"</p><p>" + random.Random(2).randbytes(100_000) + b"</p></article></body></html>"
        check_text_body(body, "text/html")  # the first 64 KB are text
        with pytest.raises(NotText, match="undecodable"):
            extract_page(body, None, "text/html")


class TestClip:
    def test_a_short_text_is_kept_whole(self) -> None:
        assert clip_text("short text", 100) == "short text"

    def test_a_long_text_is_cut_at_the_last_space_before_the_limit(self) -> None:
        text = "word " * 1_000
        clipped = clip_text(text, 1_002)
        assert len(clipped) <= 1_002 and clipped.endswith("word") and clipped.split() == ["word"] * 200

    def test_a_text_without_spaces_is_cut_at_the_limit(self) -> None:
        assert clip_text("a" * 5_000, 1_000) == "a" * 1_000
