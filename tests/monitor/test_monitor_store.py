"""The monitor on a real store (SQLite and PostgreSQL): the press-reported releases import in
one idempotent transaction and keep every vintage next to NATO's June 2024 file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from burdenshare.errors import StoreError
from burdenshare.monitor import reported
from burdenshare.monitor.crossings import crossings
from burdenshare.monitor.status import status
from burdenshare.starter import ensure_starter
from burdenshare.store.db import dispose_all, get_engine
from burdenshare.store.facts import import_file, import_result, load_facts
from burdenshare.store.models import Fact, Import


@pytest.fixture
def engine(db_url, nato_path):
    eng = get_engine(db_url)
    ensure_starter(eng)
    import_file(eng, nato_path)  # the real June 2024 file replaces its starter slice
    yield eng
    dispose_all()


def _count(engine, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Fact).where(*where)).scalar_one()


def test_load_reported_is_idempotent_and_keeps_vintages(engine):
    first = reported.import_reported(engine)
    assert not first.skipped and first.rows == 24 and first.countries == 12
    again = reported.import_reported(engine)
    assert again.skipped
    assert _count(engine, Fact.source == "nato_defexp_reported") == 24
    with engine.connect() as conn:
        imports = conn.execute(
            sa.select(Import.vintage, Import.sha256).where(Import.source == "nato_defexp_reported")
        ).all()
    assert imports == [("2025-04, 2025-08", reported.reported_sha256())]
    latest = load_facts(engine, sources=["nato_defexp_reported"])  # the store's "latest"
    assert set(latest["vintage"]) == {"2025-08"}
    every = load_facts(engine, sources=["nato_defexp_reported"], vintage="all")
    assert set(every["vintage"]) == {"2025-04", "2025-08"}


def test_crossings_and_status_from_the_store(engine):
    reported.import_reported(engine)
    facts = load_facts(engine, indicators=["milex_gdp_pct", "equipment_share_pct"], vintage="all")
    res = crossings(facts, [2.0, 3.5], between=("2024-06-17", "2025-08"))
    got = {(r.iso3, r.threshold) for r in res.events.itertuples()}
    assert got == {
        *((c, 2.0) for c in ("ITA", "CAN", "BEL", "ESP", "PRT", "LUX")),
        ("LTU", 3.5),
        ("LVA", 3.5),
    }
    st = status(facts, year=2024, as_of="2024-06-17")
    assert st.counts["2"] == 23
    assert st.table.loc["POL", "milex_gdp_pct"] == pytest.approx(4.12, abs=0.005)


def test_a_conflicting_file_writes_nothing(engine):
    reported.import_reported(engine)
    before = _count(engine)
    text = reported.reported_bytes().decode().replace('vintage: "2025-04"', 'vintage: "2025-05"')
    result = reported.parse_reported(text.encode(), where="edited.yaml")
    with pytest.raises(StoreError, match="2025-08"):
        import_result(engine, result, file_name="edited.yaml", sha256="0" * 64, fmt="x")
    assert _count(engine) == before
    assert _count(engine, Fact.vintage == "2025-05") == 0
