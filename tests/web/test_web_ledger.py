"""The fast lane and the consequence ledger on the dashboard, in a real browser: the numbers
on ``/partners/{iso3}`` and ``/monitor`` equal the service layer's answers
(:mod:`burdenshare.services.ledger`), case details only for roles that read cases, and the
allies table downloads as displayed."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

#: Australia spends under 2% and has open (synthetic) cases in the test store.
PARTNER = "AUS"


@pytest.fixture(scope="module")
def engine(web_db):
    from burdenshare.store.db import get_engine

    return get_engine(web_db)


def table_rows(page, table: str) -> list[list[str]]:
    """The visible rows of a table as the CSV download writes them (data-csv else text)."""
    return page.eval_on_selector(
        table,
        """t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).map(r =>
             Array.from(r.children).map(c => c.hasAttribute('data-csv')
               ? c.getAttribute('data-csv') : c.textContent.trim()))""",
    )


def _fmt(v: float | None, digits: int) -> str:
    """A number as the page's ``fmt`` filter writes it (— for missing)."""
    return "—" if v is None or math.isnan(v) else f"{v:,.{digits}f}"


def test_partner_page_fast_lane_card_equals_the_service(web, engine):
    from burdenshare.services.ledger import fast_lane_check

    web.goto(f"/partners/{PARTNER}?policy=eo14383&year=2024")
    want = fast_lane_check(engine, PARTNER, policy="eo14383", year=2024)
    page = web.page
    assert page.get_attribute("[data-fast-lane]", "data-fast-lane") == (
        "yes" if want["qualifies"] else "no"
    )
    assert want["verdict"] in page.text_content("[data-fast-lane]")
    for c in want["criteria"]:
        sel = f"[data-criterion='{c['id']}']"
        assert page.get_attribute(sel, "data-passed") == ("yes" if c["passed"] else "no")
        assert c["source"] in page.text_content(sel)
    steps = page.eval_on_selector_all(
        "#fast-lane-steps tbody tr[data-step]", "rs => rs.map(r => r.dataset.step)"
    )
    assert steps == [*want["expedite"]["steps"], "queue_points"]
    for name, st in want["expedite"]["steps"].items():
        assert st["source"] in page.text_content(f"[data-step='{name}']")
    # an anonymous reader sees no case ids
    assert page.query_selector("#fast-lane-cases") is None
    assert not any(c["case_id"] in page.content() for c in want["cases"])


def test_partner_page_shortfall_card_equals_the_ledger(web, engine):
    from burdenshare.services.ledger import ledger

    web.sign_in("carl")  # a case officer reads cases
    web.goto(f"/partners/{PARTNER}?policy=eo14383&year=2024")
    page = web.page

    def cell(target: str, field: str) -> str:
        return page.text_content(f"#shortfall-table [data-t='{target}'][data-f='{field}']")

    for target in ("2", "3.5"):
        p = ledger(engine, policy="eo14383", year=2024, target=target, partner=PARTNER)
        row = p.partners.iloc[0]
        assert cell(target, "tier_at_target") == str(int(row.tier_at_target))
        assert cell(target, "rank_at_target") == str(int(row.rank_at_target))
        assert cell(target, "increase_pp") == _fmt(float(row.increase_pp), 2)
        assert cell(target, "increase_usd_m_const") == _fmt(float(row.increase_usd_m_const), 0)
        assert cell(target, "positions_at_stake") == str(int(row.positions_at_stake))
        assert cell(target, "days_at_stake") == _fmt(float(row.days_at_stake), 0)
        assert cell(target, "fast_lane_at_target") == ("yes" if row.fast_lane_at_target else "no")
        assert page.text_content(f"[data-explanation='{target}']").strip() == (
            row.explanation + "."
        )
        if target == "2":
            assert page.text_content("[data-now='tier_now']") == str(int(row.tier_now))
            assert page.text_content("[data-now='rank_now']") == str(int(row.rank_now))
    p2 = ledger(engine, policy="eo14383", year=2024, target="2", partner=PARTNER)
    assert int(p2.partners.iloc[0].positions_at_stake) > 0  # the test shows something real
    # the case officer sees the fast lane's gain per open case, synthetic cases labelled
    cases = table_rows(page, "#fast-lane-cases")
    assert len(cases) == int(p2.partners.iloc[0].open_cases)
    assert all("(synthetic)" in r[0] for r in cases)
    web.shot("partner-AUS-ledger")


def test_shortfall_case_figures_hidden_from_a_viewer(web):
    web.sign_in("vera")  # viewer: read only
    web.goto(f"/partners/{PARTNER}?policy=eo14383&year=2024")
    page = web.page
    assert page.query_selector("#shortfall-table [data-f='tier_at_target']") is not None
    assert page.query_selector("#shortfall-table [data-f='positions_at_stake']") is None
    assert page.query_selector("[data-explanation]") is None
    assert page.query_selector("#fast-lane-cases") is None


def test_monitor_allies_ledger_equals_the_service_sorts_and_downloads(web, engine, tmp_path):
    from burdenshare.services.ledger import ally_headlines

    web.sign_in("olga")  # oversight reads cases
    web.goto("/monitor?target=3.5")
    page = web.page
    rows, _ = ally_headlines(engine, target=3.5)
    shown = {
        r["iso3"]: r
        for r in page.eval_on_selector_all(
            "#ledger-table tbody tr",
            """rs => rs.map(r => ({iso3: r.dataset.iso3,
                 cells: Array.from(r.children).map(c => c.textContent.trim())}))""",
        )
    }
    assert set(shown) == set(rows["iso3"])
    for r in rows.itertuples(index=False):
        cells = shown[r.iso3]["cells"]
        assert cells[0] == r.name
        assert cells[2] == _fmt(float(r.increase_pp), 2)
        assert cells[3] == ("—" if pd.isna(r.tier_now) else str(int(r.tier_now)))
        assert cells[9] == str(int(r.positions_at_stake))
        assert cells[10] == _fmt(float(r.days_at_stake), 0)
    assert rows["positions_at_stake"].sum() > 0

    # sort by positions at stake, descending, and download exactly that
    page.click("#ledger-table th[data-key=positions] button")
    page.click("#ledger-table th[data-key=positions] button")
    displayed = table_rows(page, "#ledger-table")
    positions = [int(r[9]) for r in displayed]
    assert positions == sorted(positions, reverse=True)
    with page.expect_download() as info:
        page.click("[data-download][data-table=ledger-table]")
    path = tmp_path / "ledger.csv"
    info.value.save_as(path)
    got = list(csv.reader(io.StringIO(path.read_text())))
    assert got[0][0] == "Ally" and got[0][9] == "Positions at stake"
    assert got[1:] == displayed
    web.shot("monitor-ledger")


def test_monitor_ledger_case_columns_hidden_from_anonymous(web):
    web.goto("/monitor?target=2")
    page = web.page
    assert page.query_selector("#ledger-table") is not None
    assert page.query_selector("#ledger-table th[data-key=positions]") is None
    web.shot("monitor-ledger-anonymous")


def test_viewing_a_case_writes_no_audit_record_and_shows_the_service_decision(web, engine):
    from burdenshare.services.audit import count
    from burdenshare.services.cases import case_notification

    web.sign_in("carl")
    before = count(engine)
    web.goto("/cases/SYN-000003")
    web.goto("/cases/SYN-000003")
    assert count(engine) == before  # reading a case is not an audited check
    want = case_notification(engine, "SYN-000003")
    text = web.page.text_content("#nt-h + p")
    if want.required:
        assert want.section in text and f"{want.review_days}-day review" in text
    else:
        assert "No notification required" in text
