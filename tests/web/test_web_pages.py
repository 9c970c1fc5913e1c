"""Every page: renders with data, loads nothing from another host, passes axe-core with no
serious or critical violation, and works on a phone-width screen."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

PUBLIC = ["/", "/?tab=table", "/partners/POL", "/monitor"]
ANALYST = ["/compare"]
CASES = ["/cases", "/cases/SYN-000002", "/metrics?quarter=2024Q3"]


def axe_violations(page) -> list[dict]:
    # evaluated through the DevTools protocol: the page's CSP (no inline script) stays on
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("who,paths", [(None, PUBLIC), ("anna", ANALYST), ("olga", CASES)])
def test_pages_render_offline_and_pass_axe(web, who, paths):
    if who:
        web.sign_in(who)
    for path in paths:
        resp = web.goto(path)
        assert resp.status == 200, path
        web.charts_ready()
        assert web.page.locator("main h1").count() == 1
        bad = axe_violations(web.page)
        assert bad == [], (path, [(v["id"], v["nodes"]) for v in bad])
        web.shot("page" + path.replace("/", "_").replace("?", "_").replace("=", "-"))


def test_compare_shows_spearman_kendall_and_the_transition_matrix(web, web_db):
    from burdenshare.services.partners import compare
    from burdenshare.store.db import get_engine

    web.sign_in("anna")
    web.goto("/compare?a=eo14383&b=hague2035")
    web.charts_ready()
    expected = compare(get_engine(web_db), "eo14383", "hague2035")
    assert web.page.text_content("[data-spearman]") == f"{expected['spearman']:,.3f}"
    assert web.page.text_content("[data-kendall]") == f"{expected['kendall']:,.3f}"
    cells = web.page.eval_on_selector_all(
        "#matrix tbody td", "cs => cs.map(c => Number(c.textContent))"
    )
    assert sum(cells) == len(expected["rows"])


def test_monitor_shows_crossings_between_releases(web):
    web.goto("/monitor?from=2024-06-17&to=2025-08")
    web.charts_ready()
    rows = web.page.locator("#crossings-table tbody tr")
    assert rows.count() >= 1
    assert "crossed up" in web.page.text_content("#crossings-table")
    assert web.page.locator("[data-tier-changes]").count() == 1
    assert web.page.locator("#projection-table tbody tr").count() >= 25


def test_keyboard_reaches_tabs_and_sorts(web):
    web.goto("/")
    web.page.focus("#tab-map")
    web.page.keyboard.press("ArrowRight")
    assert web.page.get_attribute("#tab-table", "aria-selected") == "true"
    web.page.focus("th[data-key=name] button")
    web.page.keyboard.press("Enter")
    assert web.page.get_attribute("th[data-key=name]", "aria-sort") == "ascending"


def test_phone_width(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    for path in ("/", "/partners/ESP"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, (path, width)
        page.screenshot(path=f"/tmp/web-shots/phone{path.replace('/', '_')}.png", full_page=True)
    ctx.close()
