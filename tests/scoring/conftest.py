"""Fixtures for the scoring tests: synthetic facts for real countries, hand-built panels for
property tests, and the real published files parsed by the real parsers."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

# The suite runs with --import-mode=importlib, which does not put test folders on sys.path;
# the helpers shared by these tests (strategies use them at import time) live beside us.
sys.path.insert(0, str(Path(__file__).parent))

from scoring_helpers import make_facts  # noqa: E402


@pytest.fixture(scope="session")
def facts() -> pd.DataFrame:
    return make_facts()


@pytest.fixture(scope="session")
def panel(facts):
    from burdenshare.panel import build_panel

    return build_panel(facts, year=2024)


@pytest.fixture(scope="session")
def real_facts(shared_data) -> pd.DataFrame:
    """Facts parsed by the real parsers from every usable file in shared/data."""
    from burdenshare import sources

    names = [
        "SIPRI-Milex-data-1949-2024_2.xlsx",
        "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv",
        "NATO-240617-def-exp-2024-TABLES-en.xlsx",
        "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
        "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
        "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
        "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
        "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
        "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
    ]
    frames = [sources.detect(shared_data / n).parse(shared_data / n).facts for n in names]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def real_panel_2024(real_facts):
    from burdenshare.panel import build_panel

    return build_panel(real_facts, year=2024)
