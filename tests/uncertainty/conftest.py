"""Fixtures for the robustness tests: a small synthetic panel and policy, the starter panel,
the real published files parsed by the real parsers, and a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

# Helpers shared by these tests live beside us under a unique module name (works with any
# pytest import mode, and never collides with another folder's conftest).
sys.path.insert(0, str(Path(__file__).parent))

from robustness_helpers import SYNTH_POLICY, make_panel, synth_values  # noqa: E402

from burdenshare.panel import Panel  # noqa: E402
from burdenshare.policy import parse_policy  # noqa: E402


@pytest.fixture(scope="session")
def synth_policy():
    return parse_policy(SYNTH_POLICY, "synth.yaml")


@pytest.fixture(scope="session")
def synth_panel() -> Panel:
    flags = {(0, 0): "estimate", (1, 0): "uncertain", (2, 1): "estimate", (3, 0): "estimate"}
    return make_panel(synth_values(), flags=flags, itar=("RUS",))


@pytest.fixture(scope="session")
def starter_panel():
    from burdenshare.panel import build_panel
    from burdenshare.starter import load_starter_facts

    return build_panel(load_starter_facts())


@pytest.fixture(scope="session")
def real_panel(shared_data):
    """The 2024 panel from the real SIPRI, NATO, World Bank, UNGA, troops and arms files."""
    from burdenshare import sources
    from burdenshare.panel import build_panel

    names = [
        "SIPRI-Milex-data-1949-2024_2.xlsx",
        "NATO-240617-def-exp-2024-TABLES-en.xlsx",
        "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
        "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
        "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
        "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
        "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
        "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
    ]
    frames = [sources.detect(shared_data / n).parse(shared_data / n).facts for n in names]
    return build_panel(pd.concat(frames, ignore_index=True), year=2024)


@pytest.fixture
def local_cluster():
    """A real Dask LocalCluster with 2 in-process workers (threads: fast to start)."""
    from burdenshare.uncertainty.backends import DaskBackend

    backend = DaskBackend(n_workers=2, processes=False)
    try:
        yield backend
    finally:
        backend.close()
