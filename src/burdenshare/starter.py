"""The bundled starter snapshot: the embedded default that works offline on a fresh machine.

``data/starter/facts.csv.gz`` holds recent-year facts (2014 onwards) for the NATO members and
the main partners in every region, cut from the official files by
``scripts/build_starter.py``; ``data/starter/manifest.yaml`` names each slice's publisher,
release (vintage), original file, its sha256 and download URL, and the terms of use. The
facts keep their original source and vintage, so a later import of the full official file of
the same release replaces the starter rows (see :mod:`burdenshare.store.facts`). Values are
stored at full precision (shortest round-trip repr; ``manifest.yaml`` ``values``), so a
starter figure equals its publisher's cell.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml
from sqlalchemy.engine import Engine

from burdenshare.facts import FACT_COLUMNS

_PACKAGE = "burdenshare.data.starter"


def manifest() -> dict:
    """The snapshot's provenance: one entry per (source, vintage) slice."""
    text = resources.files(_PACKAGE).joinpath("manifest.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _starter_bytes() -> bytes:
    return resources.files(_PACKAGE).joinpath("facts.csv.gz").read_bytes()


def load_starter_facts() -> pd.DataFrame:
    """The snapshot's facts as a tidy frame (FACT_COLUMNS)."""
    import io

    frame = pd.read_csv(
        io.BytesIO(_starter_bytes()),
        compression="gzip",
        dtype={
            "iso3": str,
            "indicator": str,
            "unit": str,
            "flags": str,
            "source": str,
            "vintage": str,
            "year": "int64",
            "value": "float64",
        },
        keep_default_na=False,
        na_values={"value": [""]},
    )
    frame["flags"] = frame["flags"].fillna("")
    return frame.loc[:, list(FACT_COLUMNS)]


def _slices(facts: pd.DataFrame):
    """(manifest slice, its facts) per slice: one per original file, so two files of one
    release (the World Bank's GDP and population files share source and vintage) keep their
    own names and checksums."""
    rest = facts
    for info in manifest()["slices"]:
        mask = (
            (rest["source"] == info["source"])
            & (rest["vintage"] == str(info["vintage"]))
            & rest["indicator"].isin(info.get("indicators", []))
        )
        part = rest.loc[mask]
        rest = rest.loc[~mask]
        if len(part):
            yield info, part
    for (source, vintage), part in rest.groupby(["source", "vintage"], sort=True):
        yield {"source": source, "vintage": vintage}, part


def ensure_starter(engine: Engine) -> int:
    """Load the snapshot into ``engine`` when the store holds no facts; return rows loaded."""
    from burdenshare.facts import ParseResult
    from burdenshare.store.facts import has_facts, import_result

    if has_facts(engine):
        return 0
    facts = load_starter_facts()
    loaded = 0
    for info, part in _slices(facts):
        source, vintage = info["source"], str(info["vintage"])
        digest = hashlib.sha256(
            b"starter|"
            + _starter_bytes()
            + f"|{source}|{vintage}|{info.get('sha256', '')}".encode()
        ).hexdigest()
        result = ParseResult(
            facts=part,
            source=source,
            vintage=vintage,
            meta={
                "file": str(info.get("file", "")),
                "file_sha256": str(info.get("sha256", "")),
                "values": str(manifest().get("values", "")),
            },
        )
        summary = import_result(
            engine,
            result,
            file_name=f"starter snapshot of {info.get('file', source)}",
            sha256=digest,
            fmt=info.get("format", "starter"),
            publisher_url=info.get("url", ""),
            is_starter=True,
        )
        loaded += 0 if summary.skipped else summary.rows
    return loaded
