"""Fixtures for the monitor tests: NATO's real June 2024 tables parsed by the real parser, the
shipped press-reported 2025 releases, and the starter snapshot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

NATO_FILE = "NATO-240617-def-exp-2024-TABLES-en.xlsx"


@pytest.fixture(scope="session")
def nato_path(shared_data: Path) -> Path:
    return shared_data / NATO_FILE


@pytest.fixture(scope="session")
def nato_facts(nato_path: Path) -> pd.DataFrame:
    """NATO's June 2024 release (vintage 2024-06-17), every table."""
    from burdenshare.sources import nato

    return nato.parse(nato_path).facts


@pytest.fixture(scope="session")
def reported_facts() -> pd.DataFrame:
    from burdenshare.monitor.reported import reported_result

    return reported_result().facts


@pytest.fixture(scope="session")
def nato_and_reported(nato_facts, reported_facts) -> pd.DataFrame:
    return pd.concat([nato_facts, reported_facts], ignore_index=True)


@pytest.fixture(scope="session")
def starter_facts() -> pd.DataFrame:
    from burdenshare.starter import load_starter_facts

    return load_starter_facts()
