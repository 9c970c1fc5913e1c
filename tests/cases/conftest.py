"""Fixtures for the case tests: a case factory and a migrated engine on each backend."""

from __future__ import annotations

import datetime as dt

import pytest

from burdenshare.cases.model import Case, CaseItem, Stage

D = dt.date


def _make_case(
    case_id: str = "C-1",
    partner: str = "POL",
    *,
    status: Stage = Stage.received,
    times: dict[Stage, dt.date] | None = None,
    mde: float = 10e6,
    total: float = 20e6,
    sale_type: str = "FMS",
    items: tuple[CaseItem, ...] | None = None,
    **kw,
) -> Case:
    """A small valid case; ``times`` gives stage dates (received defaults to 2026-01-05)."""
    times = dict(times or {})
    times.setdefault(Stage.received, D(2026, 1, 5))
    if items is None:
        items = (
            CaseItem(
                line=1, description="Javelin missiles", usml_category="IV", quantity=10, value=total
            ),
        )
    return Case(
        id=case_id,
        partner=partner,
        sale_type=sale_type,
        request_date=times[Stage.received],
        mde_value=mde,
        total_value=total,
        status=status,
        stage_times=times,
        items=items,
        **kw,
    )


@pytest.fixture
def make_case():
    """Build a small valid case: ``make_case(id, partner, status=..., times=..., ...)``."""
    return _make_case


@pytest.fixture
def engine(db_url):
    """A migrated engine on SQLite and on PostgreSQL (disposed afterwards)."""
    from burdenshare.store.db import dispose_all, get_engine

    eng = get_engine(db_url)
    yield eng
    dispose_all()


@pytest.fixture
def sqlite_engine(sqlite_url):
    from burdenshare.store.db import dispose_all, get_engine

    eng = get_engine(sqlite_url)
    yield eng
    dispose_all()
