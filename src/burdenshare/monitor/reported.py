"""NATO's later releases as reported in the press, shipped as package data.

``data/monitor/nato_reported_2025.yaml`` holds NATO's % of GDP figures for twelve allies from
the April 2025 revision (2024 estimates) and the August 2025 release (2025 estimates) as
reported in the press; the official NATO tables are authoritative where available. They
become facts of source ``nato_defexp_reported``, indicator ``milex_gdp_pct``, flag
``estimate``, one vintage per release, so the monitor can show crossings and tier changes
between NATO's June 2024 file and these later releases.

:func:`reported_result` is pure (package data in, :class:`ParseResult` out);
:func:`import_reported` stores it through :func:`burdenshare.store.facts.import_result`: one
transaction, a no-op when the same file (same sha256) was imported before.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from burdenshare.errors import DataFormatError
from burdenshare.facts import FACT_COLUMNS, KNOWN_FLAGS, ParseResult, join_flags, validate_facts

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

    from burdenshare.store.facts import ImportSummary

SOURCE = "nato_defexp_reported"
FORMAT = "nato-reported-yaml"
FILE = "monitor/nato_reported_2025.yaml"


class _Release(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vintage: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    title: str
    year: int = Field(ge=1949, le=2100)
    values: dict[str, float]

    @field_validator("values")
    @classmethod
    def _check(cls, values: dict[str, float]) -> dict[str, float]:
        from burdenshare.countries import is_known_code

        for iso3, v in values.items():
            if not is_known_code(iso3):
                raise ValueError(f"unknown ISO3 code {iso3!r}")
            if not 0.0 <= v <= 100.0:
                raise ValueError(f"{iso3}: {v} is not a percentage (0-100)")
        return values


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    source: str
    indicator: str
    unit: str
    flags: list[str]
    publisher: str
    publisher_url: str
    note: str
    releases: list[_Release] = Field(min_length=1)

    @field_validator("flags")
    @classmethod
    def _known(cls, flags: list[str]) -> list[str]:
        bad = sorted(set(flags) - KNOWN_FLAGS)
        if bad:
            raise ValueError(f"unknown flags {bad}")
        return flags


def reported_bytes() -> bytes:
    """The package data file's bytes (what the import's sha256 is taken of)."""
    return resources.files("burdenshare.data").joinpath(FILE).read_bytes()


def reported_sha256() -> str:
    return hashlib.sha256(reported_bytes()).hexdigest()


def parse_reported(data: bytes, where: str = f"burdenshare/data/{FILE}") -> ParseResult:
    """Facts (FACT_COLUMNS) of every release in the YAML ``data``; errors name the field."""
    try:
        spec = _File.model_validate(yaml.safe_load(data.decode("utf-8")))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise DataFormatError(f"field {field}: {err['msg']}", where=where) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"not a YAML file: {exc}", where=where) from None
    vintages = [r.vintage for r in spec.releases]
    if len(set(vintages)) != len(vintages):
        raise DataFormatError(f"vintage listed twice in {vintages}", where=f"{where}: releases")
    flags = join_flags(spec.flags)
    rows = [
        (iso3, r.year, spec.indicator, float(v), spec.unit, flags, spec.source, r.vintage)
        for r in spec.releases
        for iso3, v in r.values.items()
    ]
    facts = validate_facts(pd.DataFrame(rows, columns=list(FACT_COLUMNS)))
    return ParseResult(
        facts=facts,
        source=spec.source,
        vintage=", ".join(sorted(vintages)),
        meta={
            "format": FORMAT,
            "version": spec.version,
            "publisher": spec.publisher,
            "publisher_url": spec.publisher_url,
            "note": spec.note,
            "releases": "; ".join(f"{r.vintage}: {r.title}" for r in spec.releases),
        },
    )


def reported_result() -> ParseResult:
    """The shipped file's facts: source ``nato_defexp_reported``, vintages 2025-04, 2025-08."""
    return parse_reported(reported_bytes())


def import_reported(engine: Engine) -> ImportSummary:
    """Store the shipped figures in one transaction; a no-op if this file was imported."""
    from burdenshare.store.facts import import_result

    result = reported_result()
    return import_result(
        engine,
        result,
        file_name=f"burdenshare/data/{FILE}",
        sha256=reported_sha256(),
        fmt=FORMAT,
        publisher_url=result.meta["publisher_url"],
    )
