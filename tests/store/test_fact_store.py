"""The fact store on SQLite and PostgreSQL: atomic, idempotent, vintage-aware imports."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sqlalchemy as sa

from burdenshare.errors import StoreError
from burdenshare.facts import ParseResult
from burdenshare.store.db import dispose_all, get_engine
from burdenshare.store.facts import import_result, load_facts, load_records, status


@pytest.fixture
def engine(db_url):
    eng = get_engine(db_url)
    yield eng
    dispose_all()


def _facts(vintage: str, pol: float, *, source: str = "demo", extra_rows=()) -> pd.DataFrame:
    rows = [
        ("POL", 2023, "milex_gdp_pct", 3.9, "percent", "estimate", source, vintage),
        ("POL", 2024, "milex_gdp_pct", pol, "percent", "", source, vintage),
        ("DEU", 2024, "milex_gdp_pct", float("nan"), "percent", "missing", source, vintage),
        *extra_rows,
    ]
    return pd.DataFrame(
        rows, columns=["iso3", "year", "indicator", "value", "unit", "flags", "source", "vintage"]
    )


def _result(vintage: str, pol: float, **kw) -> ParseResult:
    return ParseResult(facts=_facts(vintage, pol, **kw), source="demo", vintage=vintage)


def _count(engine, table: str) -> int:
    with engine.connect() as c:
        return c.execute(sa.text(f"select count(*) from {table}")).scalar_one()


def test_import_then_reimport_is_a_noop(engine):
    first = import_result(engine, _result("2024-06", 4.12), file_name="a", sha256="1", fmt="x")
    again = import_result(engine, _result("2024-06", 4.12), file_name="a", sha256="1", fmt="x")
    assert (first.rows, first.skipped) == (3, False)
    assert again.skipped is True
    assert _count(engine, "facts") == 3
    assert _count(engine, "imports") == 1
    assert first.flag_counts == {"estimate": 1, "missing": 1}


def test_two_vintages_coexist_and_latest_is_default(engine):
    import_result(engine, _result("2024-06-17", 4.12), file_name="old", sha256="1", fmt="x")
    import_result(engine, _result("2025-04-30", 4.07), file_name="new", sha256="2", fmt="x")
    latest = load_facts(engine)
    every = load_facts(engine, vintage="all")
    old = load_facts(engine, vintage="2024-06-17")
    pol = latest[(latest.iso3 == "POL") & (latest.year == 2024)]
    assert pol["value"].tolist() == [4.07]
    assert len(every) == 6
    assert old.loc[(old.iso3 == "POL") & (old.year == 2024), "value"].item() == 4.12
    missing = latest[latest.iso3 == "DEU"]
    assert math.isnan(missing["value"].item()) and missing["flags"].item() == "missing"


def test_failing_import_leaves_database_unchanged(engine):
    import_result(engine, _result("2024", 4.0), file_name="ok", sha256="1", fmt="x")
    before = (_count(engine, "facts"), _count(engine, "imports"))
    # a second *different* file claiming the same release and indicator is refused ...
    with pytest.raises(StoreError, match="would replace the 3 stored"):
        import_result(engine, _result("2024", 5.0), file_name="clash", sha256="2", fmt="x")
    # ... and an insert that fails half-way (a unit too long for its column on PostgreSQL,
    # a duplicate key everywhere) rolls the whole file back.
    dup = _facts("2025", 1.0)
    bad = ParseResult(
        facts=pd.concat([dup, dup.iloc[[0]].assign(year=2030)]), source="demo", vintage="2025"
    )
    bad.facts.loc[bad.facts.index[-1], "year"] = 2023  # duplicate key -> validation error
    with pytest.raises(ValueError):
        import_result(engine, bad, file_name="dup", sha256="3", fmt="x")
    assert (_count(engine, "facts"), _count(engine, "imports")) == before


def test_database_error_midway_rolls_back(engine, monkeypatch):
    from burdenshare.store import facts as store_facts

    def boom(conn, import_id, facts):
        conn.execute(
            sa.text(
                "insert into facts (import_id, source, vintage, iso3, year, "
                "indicator, value, unit, flags) values "
                f"({import_id}, 'demo', 'v', 'POL', 1, 'x', 1.0, 'u', '')"
            )
        )
        raise sa.exc.OperationalError("insert", {}, Exception("disk full"))

    monkeypatch.setattr(store_facts, "_bulk_insert_facts", boom)
    with pytest.raises(sa.exc.OperationalError):
        import_result(engine, _result("2024", 4.0), file_name="f", sha256="9", fmt="x")
    assert _count(engine, "facts") == 0 and _count(engine, "imports") == 0


def test_full_file_supersedes_starter_rows_of_same_release(engine):
    import_result(
        engine, _result("2024", 4.0), file_name="starter", sha256="s", fmt="x", is_starter=True
    )
    summary = import_result(engine, _result("2024", 4.0), file_name="full", sha256="f", fmt="x")
    assert summary.superseded_starter_rows == 3
    assert _count(engine, "facts") == 3
    st = status(engine)
    # the wholly superseded starter slice is no longer listed (issue 15)
    assert [(i["file_name"], i["rows"]) for i in st["imports"]] == [("full", 3)]


def test_extra_tables_round_trip(engine):
    deals = pd.DataFrame(
        {
            "recipient_iso3": ["POL", None],
            "delivery_years": [[2020, 2021], []],
            "tiv": [1.5, float("nan")],
        }
    )
    res = ParseResult(
        facts=_facts("2024", 4.0), source="demo", vintage="2024", extra={"deals": deals}
    )
    import_result(engine, res, file_name="d", sha256="d", fmt="x")
    back = load_records(engine, "deals")
    assert back["recipient_iso3"].iloc[0] == "POL" and pd.isna(back["recipient_iso3"].iloc[1])
    assert back["delivery_years"].tolist() == [[2020, 2021], []]
    assert back["tiv"].iloc[0] == 1.5 and pd.isna(back["tiv"].iloc[1])


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(StoreError, match=r"cannot open database postgresql\+psycopg://u:\*\*\*@"):
        get_engine("postgresql+psycopg://u:secret@127.0.0.1:1/nowhere")


# --- damaged files never replace good data (issue 17) ----------------------------------------


def _snapshot(engine) -> list[tuple]:
    with engine.connect() as c:
        return sorted(
            c.execute(
                sa.text("select source, vintage, iso3, year, indicator, value from facts")
            ).all(),
            key=str,
        )


def test_fewer_facts_of_the_same_release_are_refused(engine):
    import_result(engine, _result("2024", 4.0), file_name="good", sha256="1", fmt="x")
    before = _snapshot(engine), _count(engine, "imports")
    cut = ParseResult(facts=_facts("2024", 4.0).iloc[:2], source="demo", vintage="2024")
    with pytest.raises(StoreError, match=r"'cut'.*1 of them missing \(e\.g\. DEU 2024\)") as exc:
        import_result(engine, cut, file_name="cut", sha256="2", fmt="x")
    assert "\n" not in str(exc.value) and "--replace" in str(exc.value)
    assert (_snapshot(engine), _count(engine, "imports")) == before


def test_replace_keeps_the_old_facts_as_their_own_vintage(engine):
    import_result(engine, _result("2024", 4.0), file_name="good", sha256="1", fmt="x")
    summary = import_result(
        engine, _result("2024", 5.0), file_name="fix", sha256="2", fmt="x", replace=True
    )
    assert summary.replaced == {"2024~replaced-1": 3}
    latest = load_facts(engine)
    assert latest.loc[(latest.iso3 == "POL") & (latest.year == 2024), "value"].item() == 5.0
    assert set(load_facts(engine, vintage="all")["vintage"]) == {"2024"}
    old = load_facts(engine, vintage="2024~replaced-1")
    assert old.loc[(old.iso3 == "POL") & (old.year == 2024), "value"].item() == 4.0
    assert _count(engine, "facts") == 6  # nothing deleted
    listed = [(i["file_name"], i["vintage"]) for i in status(engine)["imports"]]
    assert listed == [("good", "2024~replaced-1"), ("fix", "2024")]


def test_another_file_of_the_same_release_needs_replace_even_when_it_only_adds(engine):
    import_result(engine, _result("2024", 4.0), file_name="a", sha256="1", fmt="x")
    more = ("ITA", 2024, "milex_gdp_pct", 1.5, "percent", "", "demo", "2024")
    bigger = _result("2024", 4.0, extra_rows=[more])
    with pytest.raises(StoreError, match="a different file claims the same release"):
        import_result(engine, bigger, file_name="b", sha256="2", fmt="x")
    summary = import_result(engine, bigger, file_name="b", sha256="2", fmt="x", replace=True)
    assert summary.replaced == {"2024~replaced-1": 3}
    assert len(load_facts(engine)) == 4 and _count(engine, "facts") == 7


def test_an_implausibly_small_new_release_is_refused(engine):
    rows = [
        (f"X{k:02d}", 2024, "milex_gdp_pct", 1.0, "percent", "", "demo", "2024") for k in range(20)
    ]
    frame = pd.DataFrame(rows, columns=_facts("2024", 1).columns)
    import_result(engine, ParseResult(frame, "demo", "2024"), file_name="old", sha256="1", fmt="x")
    small = frame.iloc[:10].assign(vintage="2025")
    with pytest.raises(StoreError, match=r"holds 10 'milex_gdp_pct' facts.*under 90% of the 20"):
        import_result(
            engine, ParseResult(small, "demo", "2025"), file_name="new", sha256="2", fmt="x"
        )
    assert _count(engine, "imports") == 1
    import_result(
        engine,
        ParseResult(small, "demo", "2025"),
        file_name="new",
        sha256="2",
        fmt="x",
        replace=True,
    )
    assert _count(engine, "facts") == 30
