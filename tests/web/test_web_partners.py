"""The public partner views in a real browser: ranking (table, map, year slider, rank
intervals, filters, sorting, share links, CSV as displayed) and a partner's page (waterfall,
what-if sliders recomputed by the server)."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest

from burdenshare.web import STATIC


def table_rows(page, table: str = "#ranking-table") -> list[list[str]]:
    """The visible rows of a table as the CSV would write them (data-csv else the text)."""
    return page.eval_on_selector(
        table,
        """t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).map(r =>
             Array.from(r.children).map(c => c.hasAttribute('data-csv')
               ? c.getAttribute('data-csv') : c.textContent.trim()))""",
    )


def atlas_ids() -> set[str]:
    topo = json.loads((STATIC / "vendor" / "countries-110m.json").read_text())
    return {g.get("id") for g in topo["objects"]["countries"]["geometries"]}


def map_fills(page) -> list[str]:
    """Fill colours of the scored countries' shapes (the map's second layer)."""
    return page.eval_on_selector_all(
        "#map .layer_1_marks path", "ps => ps.map(p => p.getAttribute('fill'))"
    )


def test_ranking_shows_poland_tier_1_and_a_shape_per_scored_country(web):
    web.goto("/?policy=eo14383&year=2024")
    web.charts_ready(1)
    rows = table_rows(web.page)
    poland = next(r for r in rows if r[1] == "Poland")
    assert poland[2] == "Tier 1"
    # a hard gate's "no" is counted apart from "not scored for lack of data"
    data = json.loads(web.page.text_content("#page-data"))
    gated = sum(r["status"] == "ineligible" for r in data["rows"])
    unscored = sum(r["status"].startswith("excluded") for r in data["rows"])
    assert gated and unscored
    assert web.page.text_content("[data-stat=ineligible]") == str(gated)
    assert web.page.text_content("[data-stat=unscored]") == str(unscored)
    expected = sum(1 for r in data["rows"] if r["numeric"] in atlas_ids())
    assert expected > 60
    assert len(map_fills(web.page)) == expected
    assert web.page.get_attribute("#map", "data-countries") == str(len(data["rows"]))
    # gap-filled or estimated inputs are marked, never silently shown
    marked = [r for r in data["rows"] if r["gap_filled"]]
    assert marked and web.page.locator("#ranking-table .flag-mark").count() == len(marked)
    # each chart downloads as PNG and SVG (rendered in the browser, nothing fetched)
    web.page.click("#map details > summary")
    links = web.page.eval_on_selector_all(
        "#map details a", "as => as.map(a => a.textContent.trim())"
    )
    assert "Download PNG" in links and "Download SVG" in links
    web.shot("ranking-map")


def test_a_year_nobody_can_be_ranked_in_says_why(web):
    web.goto("/?year=2015")
    note = web.page.text_content("[data-none-ranked]")
    assert "No partner can be ranked for 2015" in note and "excluded: missing" in note


def test_year_slider_changes_the_map_and_the_url(web):
    web.goto("/?year=2024")
    web.charts_ready(1)
    before = map_fills(web.page)
    web.page.eval_on_selector(
        "#year",
        "el => { el.value = '2016'; el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
    )
    web.page.wait_for_function(
        "() => document.querySelector('[data-year-label]').textContent == '2016'"
    )
    web.page.wait_for_function("() => document.querySelector('#map[data-rendered]') !== null")
    web.page.wait_for_timeout(300)
    after = map_fills(web.page)
    assert after and after != before
    assert parse_qs(urlparse(web.page.url).query)["year"] == ["2016"]
    web.shot("ranking-2016")


def test_sort_filter_share_link_round_trip_and_csv_as_displayed(web, tmp_path):
    web.goto("/?tab=table")
    page = web.page
    assert page.get_attribute("#tab-table", "aria-selected") == "true"
    page.select_option("select[name=region]", "Europe")
    page.click("th[data-key=score] button")  # ascending
    page.click("th[data-key=score] button")  # descending
    rows = table_rows(page)
    data = json.loads(page.text_content("#page-data"))
    europe = [r for r in data["rows"] if r["region"] == "Europe"]
    assert len(rows) == len(europe) < len(data["rows"])
    scores = [float(r[3]) for r in rows if r[3]]
    assert scores == sorted(scores, reverse=True)
    assert page.get_attribute("th[data-key=score]", "aria-sort") == "descending"
    url = page.url
    q = parse_qs(urlparse(url).query)
    assert q["region"] == ["Europe"] and q["sort"] == ["score"] and q["dir"] == ["desc"]

    # the link reproduces the view in a fresh page
    other = page.context.new_page()
    other.goto(url)
    other.wait_for_load_state("networkidle")
    assert table_rows(other) == rows
    assert other.get_attribute("#tab-table", "aria-selected") == "true"
    assert other.input_value("select[name=region]") == "Europe"
    other.close()

    # the download is exactly the rows displayed, in the displayed order
    with page.expect_download() as info:
        page.click("[data-download]")
    path = tmp_path / "ranking.csv"
    info.value.save_as(path)
    got = list(csv.reader(io.StringIO(path.read_text())))
    assert got[0][:4] == ["Rank", "Country", "Tier", "Score"]
    assert got[1:] == rows


def test_rank_intervals_from_the_robustness_run(web):
    web.goto("/?tab=intervals")
    web.page.wait_for_selector("#intervals[data-rendered]", timeout=30000)
    ranked = [r for r in json.loads(web.page.text_content("#page-data"))["rows"] if r["rank"]]
    rules = web.page.locator("#intervals .layer_0_marks line, #intervals .layer_0_marks path")
    assert rules.count() == len(ranked)
    web.shot("ranking-intervals")


def test_country_page_waterfall_adds_up_to_the_score(web):
    web.goto("/partners/ESP?policy=eo14383&year=2024")
    web.charts_ready()
    points = web.page.eval_on_selector_all(
        "#values-table [data-points]", "cs => cs.map(c => c.textContent.trim())"
    )
    total = float(web.page.text_content("[data-total]"))
    assert sum(float(p) for p in points if p != "—") == pytest.approx(total, abs=0.01 * len(points))
    assert web.page.text_content("[data-score]").strip() == f"{total:.1f}"
    # every value names its source and release
    sources = web.page.eval_on_selector_all(
        "#values-table tbody tr td:nth-child(7)", "cs => cs.map(c => c.textContent.trim())"
    )
    assert all(s and s != "—" for s in sources)
    # dated gate badges with the legal citation
    assert "NATO since 1982-05-30" in web.page.text_content(".badges")
    # robustness: the rank interval of the Monte Carlo run (fetched once the run is done)
    web.page.wait_for_selector("[data-robust-ready]", timeout=30000)
    interval = web.page.text_content("[data-robust-interval]")
    assert re.fullmatch(
        r"90% interval \d+–\d+, median \d+( \(\d+–\d+ at this sample size\))?", interval.strip()
    )
    web.shot("partner-ESP")


def test_spending_slider_recomputes_tier_through_the_server(web, web_db):
    from burdenshare.services.partners import whatif
    from burdenshare.store.db import get_engine

    web.sign_in("anna")
    web.goto("/partners/ESP?policy=eo14383&year=2024")
    slider = web.page.locator("#wi-milex_gdp_pct")
    slider.focus()
    web.page.eval_on_selector(
        "#wi-milex_gdp_pct",
        "el => { el.value = '2.1'; el.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    result = web.page.wait_for_selector("[data-whatif-result][data-tier='1']", timeout=10000)
    expected = whatif(get_engine(web_db), "ESP", {"milex_gdp_pct": 2.1}, "eo14383", 2024)
    assert expected["after"]["tier"] == 1
    assert result.get_attribute("data-rank") == str(expected["after"]["rank"])
    assert parse_qs(urlparse(web.page.url).query)["milex_gdp_pct"] == ["2.1"]
    # the share link reproduces the scenario
    web.goto(urlparse(web.page.url).path + "?" + urlparse(web.page.url).query)
    web.page.wait_for_selector("[data-whatif-result][data-tier='1']", timeout=10000)
    web.shot("partner-ESP-whatif")
