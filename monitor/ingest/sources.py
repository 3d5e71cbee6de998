"""``data/sources.yaml`` -> Source objects."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from cssselect import GenericTranslator, SelectorError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from monitor.config.fieldtypes import CountryCode, Duration, WebUrl
from monitor.config.yamlfile import load_model, unique
from monitor.models import Listing, Source, SourceFormat, SourceKind


def _css(selector: str) -> str:
    """A CSS selector lxml can use (ValueError naming the fault otherwise)."""
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"not a CSS selector lxml understands: {exc}") from exc
    return selector


CssSelector = Annotated[str, StringConstraints(min_length=1), AfterValidator(_css)]


class ListingSpec(BaseModel):
    """How to read a listing page: CSS selectors (see ``monitor.models.Listing``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    links: CssSelector = Field(description="The article links (a elements with an href).")
    item: CssSelector | None = Field(None, description="The element around each link that holds its title and date.")
    title: CssSelector | None = Field(None, description="Within the item: the title (default: the link's text).")
    date: CssSelector | None = Field(None, description="Within the item: the date (its datetime attribute, else its text).")


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
    fetch_pages: bool = Field(True, description="Fetch each entry's page; false for full-text feeds (and always for telegram).")
    format: SourceFormat = Field(SourceFormat.FEED, description="What the URL serves: feed, sitemap, html (a listing page) or telegram (a channel's web preview).")
    listing: ListingSpec | None = Field(None, description="For format html: the selectors that read the listing.")

    @model_validator(mode="after")
    def _listing_with_html(self) -> SourceSpec:
        if self.format is SourceFormat.HTML and self.listing is None:
            raise ValueError("a source of format html needs listing: with at least links: (a CSS selector)")
        if self.format is not SourceFormat.HTML and self.listing is not None:
            raise ValueError("listing: is for sources of format html")
        return self

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
            fetch_pages=s.fetch_pages and s.format is not SourceFormat.TELEGRAM,  # a message is its own text
            format=s.format,
            listing=Listing(s.listing.links, s.listing.item, s.listing.title, s.listing.date) if s.listing else None,
        )
        for s in spec.sources
    )
