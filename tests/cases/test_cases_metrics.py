"""Quarterly metrics on a small hand-computed fixture, and disclosure control."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from burdenshare.cases.metrics import disclose, quarterly_metrics, to_json_obj, write_xlsx
from burdenshare.cases.model import Stage
from burdenshare.errors import CaseError, UserError

STAGES = tuple(s.value for s in Stage)


def fixture_cases() -> pd.DataFrame:
    rows = [
        dict(
            id="A",
            partner="POL",
            aod_group="A",
            total_value=100.4e6,
            notification_section="36(b)",
            received_at="2025-11-25",
            complete_at="2025-12-01",
            notified_at="2025-12-20",
            offered_at="2026-01-10",
            accepted_at="2026-02-09",
            delivering_at="2026-03-01",
        ),
        dict(
            id="B",
            partner="EGY",
            aod_group="B",
            total_value=60e6,
            notification_section="36(b)",
            received_at="2026-01-05",
            complete_at="2026-01-10",
            notified_at="2026-02-01",
            offered_at="2026-03-01",
        ),
        dict(
            id="C",
            partner="JPN",
            aod_group="A",
            total_value=40e6,
            notification_section="36(b)",
            received_at="2025-09-20",
            complete_at="2025-10-01",
            notified_at="2026-01-20",
            offered_at="2026-02-15",
            accepted_at="2026-03-20",
        ),
        dict(id="D", partner="POL", aod_group="C", total_value=5e6, received_at="2026-02-01"),
        dict(
            id="E",
            partner="SAU",
            aod_group="B",
            total_value=200e6,
            notification_section="36(b)",
            received_at="2025-07-20",
            complete_at="2025-08-01",
            notified_at="2025-11-01",
            offered_at="2025-12-01",
            accepted_at="2026-01-15",
            delivering_at="2026-03-15",
        ),
        dict(
            id="F",
            partner="DEU",
            aod_group="B",
            total_value=30e6,
            notification_section="36(c)",
            received_at="2025-12-01",
            complete_at="2025-12-05",
            offer_data_at="2026-01-10",
            notified_at="2026-03-05",
        ),
        dict(
            id="G",
            partner="KOR",
            aod_group="B",
            total_value=10e6,
            received_at="2022-01-01",
            complete_at="2022-01-05",
            offered_at="2022-03-01",
            accepted_at="2022-04-01",
            implemented_at="2022-05-01",
            delivering_at="2023-01-01",
            closed_at="2026-02-10",
        ),
    ]
    frame = pd.DataFrame(rows)
    for s in STAGES:
        frame[f"{s}_at"] = pd.to_datetime(frame.get(f"{s}_at"))
    return frame


TIERS = pd.DataFrame(
    {"tier": ["tier 1", "tier 1", "tier 2"], "region": ["Europe", "Indo-Pacific", "Middle East"]},
    index=["POL", "JPN", "SAU"],
)


def value(table, metric, group="all", statistic=None):
    sel = (table["metric"] == metric) & (table["group"] == group)
    if statistic:
        sel &= table["statistic"] == statistic
    row = table[sel]
    assert len(row) == 1, (metric, group, statistic)
    return row.iloc[0]


@pytest.fixture
def raw():
    return quarterly_metrics(fixture_cases(), "2026Q1", tiers=TIERS)


def test_counts_by_stage(raw):
    expected = {
        "received": 2,
        "offered": 3,
        "accepted": 3,
        "implemented": 0,
        "delivering": 2,
        "closed": 1,
    }
    for stage, n in expected.items():
        assert value(raw, f"cases_{stage}")["value"] == n


def test_median_and_p90_durations(raw):
    # complete->offer for A, B, C: 40, 50, 137 days
    assert value(raw, "days_complete_to_offer", statistic="median")["value"] == 50
    assert value(raw, "days_complete_to_offer", statistic="p90")["value"] == pytest.approx(119.6)
    # offer->acceptance for A, C, E: 30, 33, 45
    assert value(raw, "days_offer_to_acceptance", statistic="median")["value"] == 33
    assert value(raw, "days_offer_to_acceptance", statistic="p90")["value"] == pytest.approx(42.6)
    # acceptance->first delivery for A, E: 20, 59
    row = value(raw, "days_acceptance_to_first_delivery", statistic="median")
    assert row["value"] == 39.5 and row["n"] == 2
    assert value(raw, "days_acceptance_to_first_delivery", statistic="p90")[
        "value"
    ] == pytest.approx(55.1)


def test_share_of_offers_on_or_before_the_aod(raw):
    row = value(raw, "offers_on_or_before_aod")
    assert row["n"] == 3 and row["value"] == pytest.approx(2 / 3)  # C (group A) is late


def test_notifications_by_section(raw):
    assert value(raw, "notifications_by_section", "36(b)")["value"] == 2
    assert value(raw, "notifications_by_section", "36(c)")["value"] == 1


def test_value_by_tier_and_region(raw):
    t1 = value(raw, "value_by_tier", "tier 1")
    assert t1["n"] == 2 and t1["value"] == pytest.approx(140.4e6)
    assert value(raw, "value_by_tier", "tier 2")["value"] == 200e6
    assert value(raw, "value_by_region", "Middle East")["value"] == 200e6


def test_unranked_partners_without_tiers():
    raw = quarterly_metrics(fixture_cases(), "2026Q1", tiers=None)
    assert value(raw, "value_by_tier", "unranked")["n"] == 3


def test_suppression_below_k(raw):
    pub = disclose(raw, k=3)
    assert value(pub, "cases_offered")["value"] == 3
    assert not value(pub, "cases_offered")["suppressed"]
    for metric in ("cases_received", "cases_delivering", "cases_closed"):
        row = value(pub, metric)
        assert row["suppressed"] and row["value"] is None
    zero = value(pub, "cases_implemented")
    assert zero["value"] == 0 and not zero["suppressed"]
    assert value(pub, "days_acceptance_to_first_delivery", statistic="median")["suppressed"]
    assert value(pub, "offers_on_or_before_aod")["value"] == 0.667
    assert value(pub, "days_complete_to_offer", statistic="p90")["value"] == 119.6


def test_complementary_suppression_in_breakdowns(raw):
    pub = disclose(raw, k=2)
    # tier 2 (one case) is suppressed, so tier 1 is too: otherwise tier 2 = regions - tier 1
    assert value(pub, "value_by_tier", "tier 2")["suppressed"]
    assert value(pub, "value_by_tier", "tier 1")["suppressed"]
    assert value(pub, "notifications_by_section", "36(c)")["suppressed"]
    assert value(pub, "notifications_by_section", "36(b)")["suppressed"]
    assert not value(pub, "cases_received")["suppressed"]


def test_values_rounded_to_the_million(raw):
    pub = disclose(raw, k=1)
    assert value(pub, "value_by_tier", "tier 1")["value"] == 140e6
    assert not pub["suppressed"].any()


def test_bad_k_and_quarter():
    with pytest.raises(UserError, match="k must be at least 1"):
        disclose(quarterly_metrics(fixture_cases(), "2026Q1"), k=0)
    with pytest.raises(CaseError, match="2026Q3"):
        quarterly_metrics(fixture_cases(), "2026-7")


def test_json_and_xlsx_exports(raw, tmp_path):
    pub = disclose(raw, k=3)
    obj = to_json_obj(pub, quarter="2026Q1", k=3)
    text = json.dumps(obj, allow_nan=False)
    back = json.loads(text)
    assert back["k"] == 3 and len(back["rows"]) == len(pub)
    path = tmp_path / "m.xlsx"
    write_xlsx(pub, path, quarter="2026Q1", k=3, notes=["note"])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["metrics"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["quarter", "metric", "group"]
    assert ws.max_row == len(pub) + 1
    assert wb["notes"]["B2"].value == 3
