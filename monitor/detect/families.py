"""The indicator families of the project's taxonomy (EI-01 ... EI-13), as rules tag them (``ei:EI-02``).

Scoring reads them (EI-01, the timing and speaker context, never alerts alone), stories join items
that share families, and the validators hold every rule to a family that exists.
"""

from __future__ import annotations

import re

FAMILY_PREFIX = "ei:"
FAMILIES = tuple(f"ei:EI-{n:02d}" for n in range(1, 14))
FAMILY_TAG = re.compile(r"^ei:EI-(0[1-9]|1[0-3])$")
CONTEXT_FAMILY = FAMILIES[0]
