"""Sales catalog: validation with located messages, the illustrative catalog, the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from queue_helpers import item

from burdenshare.cases.catalog import (
    Catalog,
    illustrative_catalog,
    parse_csv,
    read_catalog_file,
)
from burdenshare.errors import CaseError, DataFormatError
from burdenshare.store.catalog import load_catalog, save_catalog

YAML = """\
catalog:
  name: test-catalog
  version: "2026-04"
items:
  - id: alpha
    name: Alpha missile
    category: missile
    usml_category: IV
    production_line: alpha-line
    capacity_per_year: 400
    unit_cost_usd_m: 1.5
    lead_time_months: 14
    strategy_priority: critical
    us_forces_draw: true
    backlog_units: 100
  - id: bravo
    name: Bravo radar
    category: sensor
    usml_category: XI(a)
    production_line: bravo-line
    capacity_per_quarter: 2
    unit_cost_usd_m: 30
    lead_time_months: 24
    strategy_priority: standard
    us_forces_draw: false
"""

CSV_HEADER = (
    "id,name,category,usml_category,production_line,capacity_per_quarter,capacity_per_year,"
    "unit_cost_usd_m,lead_time_months,strategy_priority,us_forces_draw,backlog_units\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_catalog_reads_and_normalises(tmp_path):
    cat = read_catalog_file(_write(tmp_path, "cat.yaml", YAML))
    assert cat.name == "test-catalog" and cat.version == "2026-04"
    assert not cat.illustrative
    assert cat.item_ids() == frozenset({"alpha", "bravo"})
    alpha = cat.get("alpha")
    assert alpha.quarterly_capacity == 100.0  # 400 a year
    assert alpha.lead_time_quarters == 5  # 14 months, rounded up
    assert cat.get("nope") is None
    frame = cat.to_frame()
    assert frame.loc[frame["id"] == "bravo", "capacity_per_year"].item() == 8.0
    lines = cat.lines()
    assert lines.loc["alpha-line", "backlog_units"] == 100.0
    assert lines.loc["bravo-line", "capacity_per_quarter"] == 2.0


def test_require_suggests_close_ids(tmp_path):
    cat = read_catalog_file(_write(tmp_path, "cat.yaml", YAML))
    assert cat.require("alpha").name == "Alpha missile"
    with pytest.raises(
        CaseError,
        match=r"case X: unknown catalog item 'alpah'.*did you mean "
        r"alpha",
    ):
        cat.require("alpah", where="case X")


def test_negative_capacity_names_file_item_line_and_field(tmp_path):
    path = _write(
        tmp_path, "cat.yaml", YAML.replace("capacity_per_quarter: 2", "capacity_per_quarter: -2")
    )
    with pytest.raises(DataFormatError) as err:
        read_catalog_file(path)
    message = str(err.value)
    assert message.startswith(
        f"{path}, items[1] (id 'bravo'), line 21, field 'capacity_per_quarter': "
    )
    assert "greater than or equal to 0" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("strategy_priority: critical", "strategy_priority: urgent"),
            r"items\[0\] \(id 'alpha'\), line 13, field 'strategy_priority'",
        ),
        (
            ("usml_category: IV", "usml_category: XXV"),
            r"field 'usml_category': 'XXV' is not a USML category",
        ),
        (
            ("    capacity_per_year: 400\n", ""),
            r"items\[0\].*give exactly one of capacity_per_quarter and capacity_per_year",
        ),
        (
            ("    lead_time_months: 14\n", ""),
            r"field 'lead_time_months': required field is missing",
        ),
        (("id: bravo", "id: alpha"), r"items\[1\].*duplicate item id 'alpha' \(first at "),
        (
            ("    us_forces_draw: false\n", "    us_forces_draw: false\n    colour: red\n"),
            r"field 'colour': unknown field",
        ),
    ],
)
def test_yaml_field_errors(tmp_path, change, expected):
    path = _write(tmp_path, "cat.yaml", YAML.replace(*change))
    with pytest.raises(DataFormatError, match=expected):
        read_catalog_file(path)


def test_shared_line_must_state_one_capacity(tmp_path):
    text = YAML.replace("production_line: bravo-line", "production_line: alpha-line")
    with pytest.raises(
        DataFormatError,
        match=r"items\[1\].*field 'capacity_per_quarter'.*"
        r"'alpha-line' makes 100 units per quarter in "
        r"item 'alpha' but 2 here",
    ):
        read_catalog_file(_write(tmp_path, "cat.yaml", text))
    ok = text.replace("capacity_per_quarter: 2", "capacity_per_quarter: 100")
    cat = read_catalog_file(_write(tmp_path, "ok.yaml", ok))
    assert cat.lines()["backlog_units"].to_dict() == {"alpha-line": 100.0}


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(DataFormatError, match=r"cat.yaml, line \d+, column \d+: not valid YAML"):
        read_catalog_file(_write(tmp_path, "cat.yaml", YAML + "  - id: [unclosed\n"))


def test_csv_catalog_and_its_errors_name_row_line_and_field(tmp_path):
    good = (
        CSV_HEADER
        + "a1,Alpha,missile,IV,l1,25,,1,6,high,yes,0\nb1,Bravo,tank,VII,l2,,40,9,36,standard,no,\n"
    )
    cat = read_catalog_file(_write(tmp_path, "cat.csv", good))
    assert cat.name == "cat"
    assert [i.quarterly_capacity for i in cat] == [25.0, 10.0]
    assert cat.get("a1").us_forces_draw is True
    bad = good.replace("b1,Bravo,tank,VII,l2,,40", "b1,Bravo,tank,VII,l2,,-40")
    path = _write(tmp_path, "bad.csv", bad)
    with pytest.raises(
        DataFormatError,
        match=r"bad.csv, row 2 \(line 3\), field "
        r"'capacity_per_year': .*greater than or equal",
    ):
        read_catalog_file(path)
    with pytest.raises(DataFormatError, match=r"line 1: unknown column\(s\) 'colour'"):
        parse_csv("id,colour\nx,red\n", "x.csv")
    with pytest.raises(DataFormatError, match="the catalog has no items"):
        parse_csv(CSV_HEADER, "empty.csv")


def test_unsupported_or_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="unsupported catalog format"):
        read_catalog_file(_write(tmp_path, "cat.json", "{}"))
    with pytest.raises(DataFormatError, match="file not found"):
        read_catalog_file(tmp_path / "absent.yaml")


def test_illustrative_catalog_is_labelled_as_such():
    cat = illustrative_catalog()
    assert cat.illustrative is True
    assert "ILLUSTRATIVE" in cat.describe() and "not official" in cat.describe()
    assert "invented" in cat.notice
    from importlib import resources

    text = resources.files("burdenshare.data.catalog").joinpath("illustrative.yaml").read_text()
    assert text.startswith("# ILLUSTRATIVE PRIORITIZED SALES CATALOG -- NOT OFFICIAL DATA.")
    assert len(cat) >= 10
    assert len(cat.lines()) == len({i.production_line for i in cat})
    assert {i.strategy_priority for i in cat} == {"critical", "high", "standard"}
    assert load_catalog(None) is cat


def test_content_hash_ignores_the_source_but_not_the_items(tmp_path):
    a = read_catalog_file(_write(tmp_path, "a.yaml", YAML))
    b = read_catalog_file(_write(tmp_path, "b.yaml", YAML))
    c = read_catalog_file(
        _write(tmp_path, "c.yaml", YAML.replace("backlog_units: 100", "backlog_units: 101"))
    )
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_store_round_trip_keeps_versions_and_is_idempotent(db_url, tmp_path):
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(db_url)
    try:
        assert load_catalog(engine) is illustrative_catalog()  # nothing stored yet
        first = read_catalog_file(_write(tmp_path, "cat.yaml", YAML))
        version, created = save_catalog(engine, first)
        assert created
        assert save_catalog(engine, first) == (version, False)
        back = load_catalog(engine)
        assert back.content_hash() == first.content_hash()
        assert back.get("alpha").capacity_per_year == 400.0
        assert back.get("bravo").capacity_per_quarter == 2.0
        second = Catalog(items=(item("zulu"),), name="second", version="v2")
        version2, created2 = save_catalog(engine, second)
        assert created2 and version2 > version
        assert load_catalog(engine).item_ids() == frozenset({"zulu"})
        import sqlalchemy as sa

        with engine.connect() as conn:
            n = conn.execute(sa.text("select count(*) from catalog_versions")).scalar_one()
        assert n == 2  # the first version is kept
    finally:
        dispose_all()
