"""The bundled starter snapshot: reproducible from the official files, broad enough to rank,
loaded once into an empty store and replaced by the full files of the same release."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from burdenshare.starter import ensure_starter, load_starter_facts, manifest
from burdenshare.store.db import dispose_all, get_engine
from burdenshare.store.facts import import_file, load_facts

NATO_2024 = {
    *("ALB", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC"),
    *("HUN", "ISL", "ITA", "LVA", "LTU", "LUX", "MNE", "NLD", "MKD", "NOR", "POL", "PRT"),
    *("ROU", "SVK", "SVN", "ESP", "SWE", "TUR", "GBR", "USA"),
}


@pytest.fixture(scope="module")
def starter() -> pd.DataFrame:
    return load_starter_facts()


def _build_module():
    repo = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "build_starter", repo / "scripts" / "build_starter.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_starter"] = module
    spec.loader.exec_module(module)
    return module


def test_snapshot_is_reproducible_from_the_official_files(
    starter, shared_data, tmp_path, monkeypatch
):
    build = _build_module()
    monkeypatch.setattr(build, "OUT", tmp_path)
    rebuilt = build.build(shared_data)
    ours = starter.sort_values(["source", "vintage", "indicator", "iso3", "year"])
    rebuilt = pd.read_csv(
        tmp_path / "facts.csv.gz",
        keep_default_na=False,
        na_values={"value": [""]},
        dtype={"vintage": str},
    )
    rebuilt = rebuilt.sort_values(["source", "vintage", "indicator", "iso3", "year"])
    assert len(ours) == len(rebuilt)
    for col in ("iso3", "year", "indicator", "flags", "source", "vintage"):
        assert ours[col].astype(str).tolist() == rebuilt[col].astype(str).tolist(), col
    np.testing.assert_allclose(
        ours["value"].to_numpy(), rebuilt["value"].to_numpy(), rtol=1e-6, equal_nan=True
    )


def test_snapshot_covers_nato_and_30_partners_across_regions(starter):
    countries = set(starter["iso3"])
    assert countries >= NATO_2024
    partners = countries - NATO_2024
    assert len(partners) >= 30
    for region_members in (("JPN", "KOR", "AUS"), ("ISR", "SAU"), ("BRA", "COL"), ("KEN",)):
        assert set(region_members) <= partners
    assert starter["year"].min() == 2014
    milex = starter[(starter.indicator == "milex_gdp_pct") & (starter.year == 2024)]
    assert NATO_2024 - {"ISL"} <= set(milex["iso3"])


def test_every_slice_cites_its_publisher(starter):
    slices = manifest()["slices"]
    assert {(s["source"], str(s["vintage"])) for s in slices} == set(
        starter.groupby(["source", "vintage"]).groups
    )
    for s in slices:
        assert s["publisher"] and s["terms"] and len(s["sha256"]) == 64


def test_snapshot_values_match_the_official_files(starter):
    def one(source, iso3, year, indicator):
        row = starter[
            (starter.source == source)
            & (starter.iso3 == iso3)
            & (starter.year == year)
            & (starter.indicator == indicator)
        ]
        return row["value"].item()

    # NATO June 2024 table 3, 2024e: Poland 4.12 %, United States 3.38 %
    assert one("nato_defexp", "POL", 2024, "milex_gdp_pct") == pytest.approx(4.12, abs=0.005)
    assert one("nato_defexp", "USA", 2024, "milex_gdp_pct") == pytest.approx(3.38, abs=0.005)
    # troopdata: US active-duty troops in Japan, 2024
    assert one("troopdata", "JPN", 2024, "us_troops_active") == 55154


def test_ensure_starter_loads_once_and_full_file_replaces_it(db_url, shared_data):
    engine = get_engine(db_url)
    try:
        loaded = ensure_starter(engine)
        assert loaded == len(load_starter_facts())
        assert ensure_starter(engine) == 0
        before = load_facts(engine, sources=["nato_defexp"])
        summary = import_file(engine, shared_data / "NATO-240617-def-exp-2024-TABLES-en.xlsx")
        assert summary.superseded_starter_rows == len(before)
        after = load_facts(engine, sources=["nato_defexp"])
        assert len(after) == summary.rows
        with engine.connect() as c:
            total = c.execute(sa.text("select count(*) from facts")).scalar_one()
        assert total == loaded - len(before) + summary.rows
    finally:
        dispose_all()


def test_every_file_keeps_its_own_name_and_checksum_and_full_precision(sqlite_url, shared_data):
    """Issue 15: the World Bank's GDP and population files share source and vintage; each
    slice is its own import under its own file name and checksum, values unrounded."""
    from burdenshare.sources import worldbank
    from burdenshare.store.facts import status

    engine = get_engine(sqlite_url)
    try:
        ensure_starter(engine)
        st = status(engine)["imports"]
        names = [i["file_name"] for i in st]
        for slice_ in manifest()["slices"]:
            assert f"starter snapshot of {slice_['file']}" in names
        wdi = {i["file_name"]: i for i in st if i["source"] == "worldbank_wdi"}
        gdp = wdi["starter snapshot of API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv"]
        pop = wdi["starter snapshot of API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv"]
        assert "NY.GDP.MKTP.CD" in gdp["publisher_url"] and "SP.POP.TOTL" in pop["publisher_url"]
        with engine.connect() as c:
            metas = dict(c.execute(sa.text("select file_name, meta from imports")).all())
        meta = metas[gdp["file_name"]]
        meta = meta if isinstance(meta, dict) else __import__("json").loads(meta)
        assert meta["file_sha256"] == next(
            s["sha256"] for s in manifest()["slices"] if s["file"].startswith("API_NY")
        )
        # values equal the publisher's cells exactly (no 6-significant-figure rounding)
        full = worldbank.parse(shared_data / "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv").facts
        mine = load_facts(engine, indicators=["gdp_usd_m"], sources=["worldbank_wdi"])
        merged = mine.merge(full, on=["iso3", "year", "indicator"], suffixes=("", "_full"))
        assert len(merged) == len(mine) > 500
        assert (merged["value"] == merged["value_full"]).all()
        # after the full file, its empty starter slice is no longer listed
        import_file(engine, shared_data / "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv")
        names = [i["file_name"] for i in status(engine)["imports"]]
        assert gdp["file_name"] not in names and pop["file_name"] in names
    finally:
        dispose_all()
