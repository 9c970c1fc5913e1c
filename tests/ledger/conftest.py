"""Fixtures for the fast-lane and ledger tests: the starter panel (real figures shipped with
the package), SYNTHETIC open cases from the real generator, the illustrative catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(scope="session")
def panel():
    from burdenshare.panel import build_panel
    from burdenshare.starter import load_starter_facts

    return build_panel(load_starter_facts())


@pytest.fixture(scope="session")
def policy():
    from burdenshare.policy import load_policy

    return load_policy("eo14383")


@pytest.fixture(scope="session")
def open_frames():
    from ledger_helpers import open_frames as make

    return make(600, seed=3)


@pytest.fixture(scope="session")
def catalog():
    from burdenshare.cases.catalog import illustrative_catalog

    return illustrative_catalog()


@pytest.fixture(scope="session")
def key():
    from burdenshare.cases.queue import load_queue_key

    return load_queue_key()
