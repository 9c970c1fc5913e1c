"""Core defence spending (The Hague 3.5%) and defence-related spending (up to 1.5%) as their
own measures: the panel's gap indicators, the monitor's status, crossings, projections to
2035 and tiers judge 3.5% on core and 5% on core plus related where NATO publishes them,
NATO's total (pensions included) stays the 2% measure, and every output says which.

The real June 2024 tables and the press-reported 2025 releases have no core figures; a
"2026 edition" (source nato_defexp, vintage 2026-07-01) is made here with core and
defence-related figures for four allies, as NATO's July 2026 tables publish them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from burdenshare.facts import FACT_COLUMNS, validate_facts
from burdenshare.monitor.crossings import crossings
from burdenshare.monitor.projection import project_allies
from burdenshare.monitor.status import status
from burdenshare.monitor.tiers import tier_changes
from burdenshare.panel import build_panel

VINTAGE = "2026-07-01"
YEARS = list(range(2014, 2027))
#: core % of GDP by year 2014-2026 (illustrative, below each ally's total)
CORE = {
    "POL": [1.80, 1.95, 1.90, 1.85, 1.95, 1.90, 2.10, 2.00, 2.10, 3.60, 3.40, 3.90, 4.20],
    "LTU": [0.85, 1.10, 1.45, 1.70, 1.95, 1.95, 2.00, 1.95, 2.40, 2.50, 2.80, 3.20, 3.60],
    "DEU": [1.05, 1.10, 1.10, 1.10, 1.15, 1.25, 1.35, 1.30, 1.35, 1.50, 2.00, 2.30, 2.60],
    "ESP": [0.85, 0.85, 0.75, 0.85, 0.85, 0.85, 0.95, 0.95, 1.00, 1.10, 1.20, 1.90, 2.00],
}
#: defence-related % of GDP by year (ESP: none published)
RELATED = {
    "POL": [0.3] * 10 + [0.4, 0.5, 0.6],
    "LTU": [0.2] * 10 + [0.3, 1.8, 2.0],  # 1.8 and 2.0: counted up to 1.5
    "DEU": [0.4] * 13,
}


def _rows(indicator, table):
    return [
        (iso3, y, indicator, v, "percent", "estimate" if y >= 2025 else "", "nato_defexp", VINTAGE)
        for iso3, values in table.items()
        for y, v in zip(YEARS, values, strict=True)
    ]


@pytest.fixture(scope="module")
def edition_2026() -> pd.DataFrame:
    rows = _rows("milex_core_gdp_pct", CORE) + _rows("milex_related_gdp_pct", RELATED)
    return validate_facts(pd.DataFrame(rows, columns=list(FACT_COLUMNS)))


@pytest.fixture(scope="module")
def facts(nato_and_reported, edition_2026) -> pd.DataFrame:
    return pd.concat([nato_and_reported, edition_2026], ignore_index=True)


def _val(panel, iso3, ind):
    return panel.values[panel.row(iso3), panel.indicators.index(ind)]


def _measure(panel, iso3, ind):
    return panel.measure(ind)[panel.row(iso3)]


# ---- the panel ------------------------------------------------------------------------------


def test_panel_keeps_core_and_related_as_their_own_indicators(facts, nato_facts):
    """Core and related come from NATO's tables as separate indicators; milex_gdp_pct stays
    NATO's total (the Wales 2% measure) and gap_to_2pct is measured on it."""
    p = build_panel(facts, year=2024)
    total = nato_facts.query("iso3 == 'POL' and year == 2024 and indicator == 'milex_gdp_pct'")[
        "value"
    ].iloc[0]
    assert _val(p, "POL", "milex_core_gdp_pct") == pytest.approx(3.40)
    assert _val(p, "POL", "milex_related_gdp_pct") == pytest.approx(0.40)
    assert _val(p, "POL", "milex_gdp_pct") == pytest.approx(total)
    assert _val(p, "POL", "gap_to_2pct") == pytest.approx(total - 2.0)
    assert _measure(p, "POL", "gap_to_2pct") == "total"
    assert np.isnan(_val(p, "FRA", "milex_core_gdp_pct"))
    assert p.sources[p.row("POL"), p.indicators.index("milex_core_gdp_pct")] == "nato_defexp"


def test_panel_hague_gaps_use_core_where_published_else_total(facts):
    """The Hague 2025, paras. 2-3: 3.5% on core, 5% on core + related (up to 1.5%)."""
    p = build_panel(facts, year=2024)
    assert _val(p, "POL", "gap_to_3_5pct") == pytest.approx(3.40 - 3.5)
    assert _measure(p, "POL", "gap_to_3_5pct") == "core"
    assert _val(p, "POL", "gap_to_5pct") == pytest.approx(3.40 + 0.40 - 5.0)
    assert _measure(p, "POL", "gap_to_5pct") == "core+related"
    # Spain: core published, defence-related not: 3.5% on core, 5% on the total
    assert _measure(p, "ESP", "gap_to_3_5pct") == "core"
    assert _measure(p, "ESP", "gap_to_5pct") == "total"
    assert _val(p, "ESP", "gap_to_5pct") == pytest.approx(_val(p, "ESP", "milex_gdp_pct") - 5)
    # France: no core figures: every gap on the total
    for ind in ("gap_to_3_5pct", "gap_to_5pct", "hague_path_gap"):
        assert _measure(p, "FRA", ind) == "total"
    assert _val(p, "FRA", "gap_to_3_5pct") == pytest.approx(_val(p, "FRA", "milex_gdp_pct") - 3.5)


def test_panel_hague_level_indicators_for_the_hague2035_policy(facts):
    """hague2035 scores the level reached against 3.5% on milex_hague_gdp_pct (and its
    3-year mean): core where NATO publishes it, else the total."""
    from burdenshare.policy import load_policy
    from burdenshare.scoring import score

    p = build_panel(facts, year=2024)
    assert _val(p, "POL", "milex_hague_gdp_pct") == pytest.approx(3.40)
    assert _val(p, "POL", "milex_hague_gdp_pct_3y") == pytest.approx((2.10 + 3.60 + 3.40) / 3)
    assert _measure(p, "POL", "milex_hague_gdp_pct_3y") == "core"
    assert _val(p, "FRA", "milex_hague_gdp_pct") == _val(p, "FRA", "milex_gdp_pct")
    assert _val(p, "FRA", "milex_hague_gdp_pct_3y") == _val(p, "FRA", "milex_gdp_pct_3y")
    pol = load_policy("hague2035")
    assert "milex_hague_gdp_pct" in pol.indicators and "milex_gdp_pct" not in pol.indicators
    res = score(p, pol)
    assert res.sources.at["POL", "milex_hague_gdp_pct"] == "nato_defexp"
    q = p.with_values("POL", {"milex_gdp_pct": _val(p, "POL", "milex_gdp_pct") + 0.3})
    assert _val(q, "POL", "milex_hague_gdp_pct") == pytest.approx(3.70)
    assert _val(q, "POL", "milex_hague_gdp_pct_3y") == pytest.approx((2.10 + 3.60 + 3.70) / 3)


def test_panel_related_counts_up_to_one_and_a_half(facts):
    """The Hague 2025, para. 3: 'up to 1.5%' defence-related counts towards 5%."""
    from burdenshare.monitor.releases import view

    p = build_panel(view(facts).loc[:, list(FACT_COLUMNS)], year=2025)
    assert _val(p, "LTU", "milex_related_gdp_pct") == pytest.approx(1.8)
    assert _val(p, "LTU", "gap_to_5pct") == pytest.approx(3.20 + 1.5 - 5.0)
    assert _val(p, "LTU", "milex_gdp_pct") == pytest.approx(4.00)  # reported total, 2%


def test_panel_hague_path_runs_on_the_core_series(facts):
    """The 2035 trajectory: the core series' 5-year trend against the core still missing."""
    p = build_panel(facts, year=2024)
    core = np.array(CORE["DEU"][6:11])  # 2020-2024
    slope = np.polyfit(np.arange(2020, 2025), core, 1)[0]
    needed = (3.5 - core[-1]) / (2035 - 2024)
    assert _val(p, "DEU", "hague_path_gap") == pytest.approx(slope - needed)
    assert _measure(p, "DEU", "hague_path_gap") == "core"


def test_panel_what_if_moves_the_core_gaps_by_the_same_amount(facts):
    """A what-if on spending is taken as core spending on the Hague measures."""
    p = build_panel(facts, year=2024)
    q = p.with_values("POL", {"milex_gdp_pct": _val(p, "POL", "milex_gdp_pct") + 1.0})
    assert _val(q, "POL", "gap_to_3_5pct") == pytest.approx(_val(p, "POL", "gap_to_3_5pct") + 1)
    assert _val(q, "POL", "gap_to_5pct") == pytest.approx(_val(p, "POL", "gap_to_5pct") + 1)
    assert _val(q, "POL", "hague_path_gap") > _val(p, "POL", "hague_path_gap")
    # a country on the total keeps the exact old rule
    r = p.with_values("FRA", {"milex_gdp_pct": 2.5})
    assert _val(r, "FRA", "gap_to_3_5pct") == 2.5 - 3.5


def test_real_data_without_core_is_unchanged(nato_and_reported):
    """The real 2024 tables and press reports hold no core figures: every gap stays on the
    total, exactly as before the core measure existed."""
    p = build_panel(nato_and_reported, year=2024)
    pct = p.column("milex_gdp_pct")
    np.testing.assert_array_equal(p.column("gap_to_3_5pct"), pct - 3.5)
    np.testing.assert_array_equal(p.column("gap_to_5pct"), pct - 5.0)
    assert set(p.measure("gap_to_3_5pct")) <= {"total", ""}
    assert np.isnan(p.column("milex_core_gdp_pct")).all()


# ---- status ---------------------------------------------------------------------------------


def test_status_gaps_say_their_measure(facts):
    st = status(facts, year=2024)
    t = st.table
    assert t.loc["POL", "measure_3_5pct"] == "core"
    assert t.loc["POL", "gap_to_3_5pct"] == pytest.approx(3.40 - 3.5)
    assert t.loc["POL", "measure_5pct"] == "core+related"
    assert t.loc["POL", "measure_2pct"] == "total"
    assert t.loc["POL", "gap_to_2pct"] == pytest.approx(t.loc["POL", "milex_gdp_pct"] - 2)
    assert t.loc["FRA", "measure_3_5pct"] == "total"
    assert t.loc["ISL", "measure_3_5pct"] == ""
    # NATO's total for Poland in 2024 is above 3.5%, its core is not: nobody is at 3.5%
    assert st.counts["3.5"] == 0
    assert st.measures["3.5"] == {"core": 4, "total": 27}
    assert st.measures["5"] == {"core+related": 3, "total": 28}
    assert st.summary()["measures"]["2"] == {"total": 31}
    assert st.core_above_total == []


def test_status_names_core_above_total_as_a_data_problem(facts):
    """NATO's core leaves out what its total includes (pensions): core above total is
    reported, not hidden."""
    bad = facts.copy()
    sel = (
        (bad["iso3"] == "ESP") & (bad["indicator"] == "milex_core_gdp_pct") & (bad["year"] == 2024)
    )
    bad.loc[sel, "value"] = 1.9
    st = status(bad, year=2024)
    assert st.core_above_total == [("ESP", 2024)]
    assert st.summary()["core_above_total"] == [["ESP", 2024]]


# ---- crossings ------------------------------------------------------------------------------


def test_crossings_3_5_on_core_2_on_total(facts):
    res = crossings(facts, [2.0, 3.5, 5.0])
    assert res.meta["release"] == f"nato_defexp:{VINTAGE}"
    ev = res.events
    pol35 = ev[(ev["iso3"] == "POL") & (ev["threshold"] == 3.5)]
    # core: 3.60 (2023) up, 3.40 (2024) down, 3.90 (2025) up
    assert list(zip(pol35["to_year"], pol35["direction"], strict=True)) == [
        (2023, "up"),
        (2024, "down"),
        (2025, "up"),
    ]
    assert set(pol35["measure"]) == {"core"}
    assert pol35.iloc[0]["to_origin"] == f"nato_defexp:{VINTAGE}"
    assert set(ev.loc[ev["threshold"] == 2.0, "measure"]) == {"total"}
    first = res.first_reached
    ltu = first[(first["iso3"] == "LTU") & (first["threshold"] == 3.5)].iloc[0]
    assert ltu["first_year"] == 2026 and ltu["measure"] == "core"
    # Lithuania reaches 5% with core 3.60 + related counted up to 1.5 in 2026
    ltu5 = first[(first["iso3"] == "LTU") & (first["threshold"] == 5.0)].iloc[0]
    assert ltu5["first_year"] == 2026 and ltu5["measure"] == "core+related"
    lv = res.levels
    assert set(lv.loc[(lv["threshold"] == 3.5) & (lv["year"] == 2026), "measure"]) == {"core"}
    assert set(lv.loc[(lv["threshold"] == 3.5) & (lv["year"] == 2024), "measure"]) == {
        "core, total"
    }


def test_crossings_between_releases_name_both_measures(facts):
    """2025-08 judged Poland's 2024 on NATO's total (4.07 revised), the 2026 edition on core
    (3.40): the 3.5% line is crossed downwards and the event says 'total -> core'."""
    res = crossings(facts, [3.5], between=("2025-08", VINTAGE), year=2024)
    pol = res.events[res.events["iso3"] == "POL"].iloc[0]
    assert pol["direction"] == "down" and pol["measure"] == "total -> core"
    assert pol["from_value"] == pytest.approx(4.07) and pol["to_value"] == pytest.approx(3.40)


# ---- projections to 2035 --------------------------------------------------------------------


def test_projection_to_2035_on_core_and_core_plus_related(facts):
    out = project_allies(facts, [3.5, 5.0], by=2035, countries=["POL", "FRA", "ESP"])
    row = out.set_index(["iso3", "target"])
    pol = row.loc[("POL", 3.5)]
    assert pol["measure"] == "core" and pol["latest_year"] == 2026
    assert pol["latest_value"] == pytest.approx(4.20) and pol["required"] == 0
    assert pol["origin"] == f"nato_defexp:{VINTAGE}"
    esp = row.loc[("ESP", 3.5)]
    slope = np.polyfit(np.arange(2022, 2027), CORE["ESP"][-5:], 1)[0]
    assert esp["trend"] == pytest.approx(slope)
    assert esp["required"] == pytest.approx((3.5 - 2.0) / (2035 - 2026))
    assert row.loc[("ESP", 5.0), "measure"] == "total"  # no defence-related figures
    assert row.loc[("POL", 5.0), "measure"] == "core+related"
    assert row.loc[("POL", 5.0), "latest_value"] == pytest.approx(4.20 + 0.6)
    fra = row.loc[("FRA", 3.5)]
    assert fra["measure"] == "total" and fra["latest_year"] == 2024
    assert list(out["iso3"][:3]) == ["POL", "FRA", "ESP"]


def test_projection_unknown_member_is_named(facts):
    from burdenshare.errors import UserError

    with pytest.raises(UserError, match="JPN not among the nato members"):
        project_allies(facts, [3.5], by=2035, countries=["JPN"])


# ---- tiers ----------------------------------------------------------------------------------


def test_tiers_say_which_measure_each_release_used(facts):
    res = tier_changes(facts, "2025-08", VINTAGE, policy="hague2035", year=2024)
    t = res.table
    assert t.loc["POL", "measure_a"] == "total" and t.loc["POL", "measure_b"] == "core"
    assert np.isnan(t.loc["POL", "core_a"]) and t.loc["POL", "core_b"] == pytest.approx(3.40)
    assert t.loc["FRA", "measure_b"] == "total"
    rec = res.records(all_rows=True)["rows"]
    assert {"measure_a", "measure_b", "core_a", "core_b"} <= set(rec[0])


# ---- the CLI --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def core_store(tmp_path_factory, edition_2026):
    """A store: the starter snapshot, the press-reported releases and the 2026 edition."""
    from burdenshare.facts import ParseResult
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import dispose_all, get_engine
    from burdenshare.store.facts import import_result

    url = f"sqlite:///{tmp_path_factory.mktemp('monitor-core') / 'core.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    import_reported(engine)
    import_result(
        engine,
        ParseResult(facts=edition_2026, source="nato_defexp", vintage=VINTAGE),
        file_name="def-exp-2026-en.xlsx (test fixture)",
        sha256="0" * 64,
        fmt="nato-xlsx",
    )
    yield url
    dispose_all()


def _cli(capsys, *args):
    from burdenshare.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_cli_status_project_crossings_report_the_measure(capsys, core_store):
    import json

    st = json.loads(
        _cli(capsys, "monitor", "status", "--year", "2024", "--format", "json", "--db", core_store)
    )
    rows = {r["iso3"]: r for r in st["rows"]}
    assert rows["POL"]["measure_3_5pct"] == "core" and rows["FRA"]["measure_3_5pct"] == "total"
    assert rows["POL"]["milex_core_gdp_pct"] == pytest.approx(3.40)
    assert st["measures"]["3.5"]["core"] == 4
    table = _cli(capsys, "monitor", "status", "--year", "2024", "--db", core_store)
    assert "core %" in table and "c+r" in table and "3.5% on core 4" in table
    pj = json.loads(
        _cli(
            capsys,
            "monitor",
            "project",
            "--country",
            "POL",
            "--country",
            "France",
            "--format",
            "json",
            "--db",
            core_store,
        )
    )
    got = {(r["iso3"], r["target"]): r["measure"] for r in pj["rows"]}
    assert got == {
        ("POL", 3.5): "core",
        ("FRA", 3.5): "total",
        ("POL", 5.0): "core+related",
        ("FRA", 5.0): "total",
    }
    out = _cli(
        capsys, "monitor", "crossings", "--threshold", "3.5", "--format", "csv", "--db", core_store
    )
    header = out.splitlines()[0].split(",")
    assert header[-1] == "measure"
    assert any(line.startswith("POL,3.5,") and line.endswith(",core") for line in out.splitlines())


def test_explain_says_which_measure_each_hague_indicator_used(facts):
    """explain: the policy's Hague indicators name their measure (core for Poland, total
    for France); indicators that are not spending targets name none."""
    from burdenshare.scoring import explain

    p = build_panel(facts, year=2024)
    pol = {i["indicator"]: i for i in explain(p, "hague2035", "POL").to_dict()["indicators"]}
    assert pol["milex_hague_gdp_pct"]["measure"] == "core"
    assert pol["gap_to_5pct"]["measure"] == "core+related"
    assert pol["hague_path_gap"]["measure"] == "core"
    fra = {i["indicator"]: i for i in explain(p, "hague2035", "FRA").to_dict()["indicators"]}
    assert {i["measure"] for i in fra.values()} == {"total"}
    eo = {i["indicator"]: i for i in explain(p, "eo14383", "POL").to_dict()["indicators"]}
    assert eo["milex_gdp_pct"]["measure"] == "total"
    assert all(i["measure"] == "total" for n, i in eo.items() if n.startswith("milex_gdp"))
    assert all(i["measure"] is None for n, i in eo.items() if not n.startswith("milex_gdp"))
