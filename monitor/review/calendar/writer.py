"""Writing ``data/elections.yaml`` back in its one canonical form.

`monitor calendar import` rewrites the file: the comment block at its top is kept as it is, and
each entry becomes one line (a YAML flow mapping), in date order, under a comment per year. One
line per entry keeps diffs readable and gives every problem `calendar check` finds a line of its
own. Comments between entries are not kept: what an entry needs to say goes in its `note`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from monitor.detect.elections import ElectionsFile, ElectionSpec

# The keys of an entry, in the order they are written; optional ones only when set.
FIELDS = ("country", "type", "date", "end_date", "date_precision", "name", "status", "cancelled_on", "source", "note")
PLAIN = {"type", "date", "end_date", "date_precision", "status", "cancelled_on"}  # written unquoted


def header_of(text: str) -> str:
    """The comment block (and blank lines) before the file's first key."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines).rstrip() + "\n" if any(line.strip() for line in lines) else ""


def entry_line(entry: ElectionSpec) -> str:
    values = entry.model_dump(mode="json", exclude_defaults=True)
    return "  - {" + ", ".join(f"{key}: {_scalar(key, values[key])}" for key in FIELDS if key in values) + "}"


def _scalar(key: str, value: str) -> str:
    if key in PLAIN:
        return value
    # A JSON string is a valid YAML double-quoted scalar; codes stay quoted so that NO is Norway.
    return json.dumps(value, ensure_ascii=False)


def render(header: str, spec: ElectionsFile) -> str:
    ordered = sorted(spec.elections, key=lambda e: (e.date, e.country, str(e.type), e.name))
    out = [header.rstrip()] if header.strip() else []
    if spec.as_of is not None:
        out += ["", f"as_of: {spec.as_of.isoformat()}"]
    if spec.without_votes:
        out += ["", "without_votes:"]
        out += ["  - {" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in w.model_dump(exclude_none=True).items()) + "}" for w in spec.without_votes]
    out += ["", "elections:"]
    year = None
    for entry in ordered:
        if entry.date.year != year:
            year = entry.date.year
            out.append(f"  # ---------------------------- {year} ----------------------------")
        out.append(entry_line(entry))
    return "\n".join(out).lstrip("\n") + "\n"


def write(path: Path, text: str) -> None:
    """Replace ``path`` atomically: a crash leaves the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
