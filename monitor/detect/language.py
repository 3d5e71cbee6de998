"""Language identification (py3langid)."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

# py3langid loads its model (74 MB, most of a second) on first use with no lock: the daemon's
# poll threads scoring their first texts together would each load one, and the process keeps the
# memory they took. The first use takes this lock; later ones find the model loaded.
_LOADING = threading.Lock()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language; None for too little text to tell."""
    sample = text[:3000]
    if len(sample.strip()) < 20:
        return None
    with _LOADING:
        identifier = _identifier()
    language, _ = identifier.classify(sample)
    return str(language)


@cache
def _identifier() -> Any:
    # Imported here: importing our modules must stay free of loading a model.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)
