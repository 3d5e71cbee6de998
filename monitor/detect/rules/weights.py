"""``rules/weights.yaml``: learned weights that take the place of the rules' own.

``monitor rules tune`` writes the file; the loader reads it beside the rule files. A weight for
a rule that does not exist is an error (the rule was renamed or removed: re-run the tuning).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from monitor.config.yamlfile import load_model

WEIGHTS_FILE = "weights.yaml"


class WeightsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(gt=0, description="the alert score the weights were scaled to")
    trained: date
    cases: int = Field(ge=0)
    verdicts: int = Field(ge=0)
    weights: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)


def weights_path(rules_directory: Path) -> Path:
    return rules_directory / WEIGHTS_FILE


def load_weights(rules_directory: Path) -> WeightsFile | None:
    path = weights_path(rules_directory)
    return load_model(WeightsFile, path) if path.is_file() else None
