"""HTML fragments (feed summaries and content) -> plain text."""

from __future__ import annotations

import html
import re

import lxml.etree
import lxml.html

_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section", "article", "pre"}
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\s*\n\s*")


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, one line per block; plain text passes through unescaped."""
    if not fragment or not _TAG.search(fragment):
        return _tidy(html.unescape(fragment or ""))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    return _BLANKS.sub("\n", _SPACES.sub(" ", text)).strip()
