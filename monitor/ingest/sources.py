"""``data/sources.yaml`` -> Source objects."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from monitor.config.fieldtypes import CountryCode, Duration, WebUrl
from monitor.config.yamlfile import load_model, unique
from monitor.models import Source, SourceKind


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    url: WebUrl  # http(s), a host, no whitespace or control character: checked here, before any poll
    kind: SourceKind
    country: CountryCode
    language: str | None = None
    interval: Duration | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    fetch_pages: bool = Field(True, description="Fetch each entry's page; false for full-text feeds.")

    @field_validator("interval")
    @classmethod
    def _interval_sane(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError("interval must be at least 1m")
        return value


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[SourceSpec, ...] = ()


def load_sources(path: Path, default_interval: timedelta) -> tuple[Source, ...]:
    """Every source in the file, enabled or not; ids must be unique."""
    spec = load_model(SourcesFile, path, unique("sources", "id"))
    return tuple(
        Source(
            id=s.id,
            name=s.name,
            url=s.url,
            kind=s.kind,
            country=s.country,
            language=s.language,
            interval=s.interval or default_interval,
            tags=s.tags,
            enabled=s.enabled,
            fetch_pages=s.fetch_pages,
        )
        for s in spec.sources
    )
