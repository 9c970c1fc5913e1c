"""Build the bundled starter snapshot from the official files.

Usage::

    .venv/bin/python scripts/build_starter.py [DATA_DIR]

``DATA_DIR`` defaults to ``../shared/data``. Every supported file found there is parsed with
the package's own parsers; the facts for 2014 onwards and for the countries in
:data:`STARTER_COUNTRIES` (the NATO members plus the main partners and the principal
adversaries in each region) are written to ``src/burdenshare/data/starter/facts.csv.gz``, and
the provenance of each (source, vintage) slice to ``manifest.yaml``. Re-run it when new
releases appear; the diff of ``manifest.yaml`` shows what changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "burdenshare" / "data" / "starter"
FIRST_YEAR = 2014

NATO = [
    "ALB",
    "BEL",
    "BGR",
    "CAN",
    "HRV",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "ISL",
    "ITA",
    "LVA",
    "LTU",
    "LUX",
    "MNE",
    "NLD",
    "MKD",
    "NOR",
    "POL",
    "PRT",
    "ROU",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
    "TUR",
    "GBR",
    "USA",
]
PARTNERS = {
    "indo_pacific": "JPN KOR AUS NZL PHL THA TWN IND SGP IDN VNM MYS",
    "middle_east": "ISR SAU ARE QAT KWT BHR JOR EGY OMN IRQ",
    "western_hemisphere": "BRA ARG COL CHL MEX PER",
    "africa": "MAR TUN KEN NGA ZAF",
    "south_central_asia": "PAK KAZ",
    "europe_non_nato": "UKR AUT IRL CHE GEO MDA SRB",
    "adversaries_and_embargoed": "CHN RUS IRN PRK BLR SYR VEN CUB MMR",
}
STARTER_COUNTRIES: tuple[str, ...] = tuple(
    dict.fromkeys(NATO + [c for group in PARTNERS.values() for c in group.split()])
)


def build(data_dir: Path) -> pd.DataFrame:
    """Parse every supported file in ``data_dir`` and cut the starter slice."""
    from burdenshare import sources
    from burdenshare.store.facts import file_sha256

    frames, slices = [], []
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        try:
            parser = sources.detect(path)
        except Exception:  # noqa: BLE001 - files no parser claims (README, provenance)
            print(f"skip {path.name}: no parser")
            continue
        result = parser.parse(path)
        facts = result.facts
        cut = facts[(facts["year"] >= FIRST_YEAR) & facts["iso3"].isin(STARTER_COUNTRIES)]
        if cut.empty:
            print(f"skip {path.name}: no facts in the starter slice")
            continue
        frames.append(cut)
        slices.append(
            {
                "source": result.source,
                "vintage": result.vintage,
                "format": parser.FORMAT,
                "file": path.name,
                "sha256": file_sha256(path),
                "publisher": parser.PUBLISHER,
                "url": result.meta.get("url") or parser.DOWNLOAD_URL,
                "terms": parser.TERMS,
                "rows": len(cut),
                "indicators": sorted(cut["indicator"].unique().tolist()),
            }
        )
        print(f"{path.name}: {len(cut):,} of {len(facts):,} facts")
    facts = pd.concat(frames, ignore_index=True)
    facts = facts.sort_values(["source", "vintage", "indicator", "iso3", "year"])
    OUT.mkdir(parents=True, exist_ok=True)
    facts.to_csv(
        OUT / "facts.csv.gz",
        index=False,
        compression={"method": "gzip", "mtime": 0},
    )
    manifest = {
        "description": "burdenshare starter snapshot: facts for "
        f"{FIRST_YEAR} onwards for NATO members and main partners, cut from the official "
        "files listed below by scripts/build_starter.py. Each figure keeps its publisher "
        "(source) and release (vintage).",
        "first_year": FIRST_YEAR,
        "values": "full precision (shortest round-trip decimal of each parsed value)",
        "countries": list(STARTER_COUNTRIES),
        "slices": slices,
    }
    (OUT / "manifest.yaml").write_text(
        yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100), "utf-8"
    )
    return facts


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"
    out = build(data)
    print(f"wrote {len(out):,} facts for {out['iso3'].nunique()} countries to {OUT}")
