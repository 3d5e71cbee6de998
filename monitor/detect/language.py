"""Language identification (py3langid)."""

from __future__ import annotations


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language; None for too little text to tell."""
    sample = text[:3000]
    if len(sample.strip()) < 20:
        return None
    # Imported here: py3langid loads its model when first used, and importing our modules
    # must stay free of such work.
    import py3langid

    language, _ = py3langid.classify(sample)
    return str(language)
