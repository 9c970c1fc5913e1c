"""The Python API: lazy top-level names, and a quick CLI start."""

from __future__ import annotations

import subprocess
import sys

import burdenshare as bs


def test_every_public_name_resolves_to_a_callable():
    for name in bs.__all__:
        if name != "__version__":
            assert callable(getattr(bs, name)), name


def test_api_round_trip_on_the_starter_snapshot(sqlite_url):
    from burdenshare.store.db import dispose_all

    engine = bs.get_engine(sqlite_url)
    try:
        assert bs.ensure_starter(engine) > 10_000
        panel = bs.build_panel(bs.load_facts(engine), year=2024)
        result = bs.score(panel, bs.load_policy("eo14383"))
        table = result.table
        assert table.loc["POL", "tier"] == 1
        assert not table.loc[["CHN", "RUS", "IRN", "PRK"], "eligible"].any()
        ranked = bs.rank_partners(engine)
        assert ranked.loc["POL", "rank"] == table.loc["POL", "rank"]
    finally:
        dispose_all()


def test_import_burdenshare_does_not_load_the_heavy_stack():
    code = (
        "import sys, burdenshare, burdenshare.cli; "
        "print(sorted(m for m in ('pandas', 'sqlalchemy', 'scipy', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
