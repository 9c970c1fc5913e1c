"""Signed-in views in a real browser: roles decide what a user sees and may do; a case
officer's transition is recorded under that user's name."""

from __future__ import annotations

import re


def test_viewer_cannot_see_cases_or_metrics(web):
    web.allow_http_errors = True
    web.sign_in("vera")
    assert web.page.locator(".who .user").text_content().startswith("vera")
    assert web.page.locator(".who .role").text_content() == "viewer"
    for path in ("/cases", "/cases/SYN-000001", "/metrics"):
        resp = web.goto(path)
        assert resp.status == 403, path
        assert "does not include" in web.page.text_content("main")


def test_anonymous_is_sent_to_sign_in(web):
    web.goto("/cases")
    assert urlpath(web.page.url) == "/signin"
    assert "next=%2Fcases" in web.page.url


def test_wrong_password_is_refused(web):
    web.allow_http_errors = True
    web.sign_in("carl", "not-the-password")
    assert urlpath(web.page.url) == "/signin"
    assert "Wrong name or password" in web.page.text_content("[role=alert]")


def test_queue_explains_positions_and_shows_the_schedule(web):
    web.sign_in("carl")
    web.goto("/cases")
    web.charts_ready(1)
    rows = web.page.locator("#queue-table tbody tr")
    assert rows.count() > 10
    first = rows.nth(0).locator("td").nth(-1).text_content()
    assert first.startswith("key ")
    bars = web.page.locator("#gantt .mark-rect path")
    assert bars.count() >= 3 * 10  # greedy, optimal and FCFS bars
    web.shot("cases-queue")


def test_case_officer_transitions_a_case_and_the_audit_names_them(web):
    web.sign_in("carl")
    web.goto("/cases")
    case_id = web.page.locator("#queue-table tbody tr th a").first.text_content().strip()
    web.goto(f"/cases/{case_id}")
    options = web.page.eval_on_selector_all(
        "select[name=stage] option", "os => os.map(o => o.value)"
    )
    assert options
    web.page.select_option("select[name=stage]", options[0])
    web.page.click("text=Record transition")
    web.page.wait_for_load_state("networkidle")
    assert web.page.text_content("[data-message]").startswith("Moved to")
    actors = web.page.eval_on_selector_all("[data-actor]", "cs => cs.map(c => c.textContent)")
    assert "carl" in actors
    web.shot("case-after-transition")


def test_oversight_reads_cases_but_cannot_transition(web):
    web.allow_http_errors = True
    web.sign_in("olga")
    web.goto("/cases")
    case_id = web.page.locator("#queue-table tbody tr th a").first.text_content().strip()
    web.goto(f"/cases/{case_id}")
    assert web.page.locator("select[name=stage]").count() == 0
    assert web.page.locator("[data-readonly]").count() == 1
    # a forged form post is refused on the server
    status = post_transition(web.page, case_id, "x")
    assert status == 403
    web.goto("/metrics?quarter=2024Q3")
    assert web.page.locator("#metrics-table tbody tr").count() > 5
    assert "suppressed" in web.page.text_content("#metrics-table")
    web.shot("metrics")


def test_case_page_shows_its_transfer_checks(web):
    web.sign_in("olga")
    web.goto("/cases/SYN-000002")
    text = web.page.text_content("[data-transfers]")
    assert "JOR → EGY" in text and "transfer check" in text


def test_transition_without_the_session_csrf_token_is_refused(web):
    web.allow_http_errors = True
    web.sign_in("carl")
    web.goto("/cases")
    case_id = web.page.locator("#queue-table tbody tr th a").first.text_content().strip()
    status = post_transition(web.page, case_id, "forged")
    assert status == 403


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]


def post_transition(page, case_id: str, csrf: str) -> int:
    """POST a transition form from the page's origin (with its cookies); the status."""
    return page.evaluate(
        """async ([id, csrf]) => (await fetch('/cases/' + id + '/transition', {
             method: 'POST', redirect: 'manual',
             body: new URLSearchParams({stage: 'closed', csrf: csrf})})).status""",
        [case_id, csrf],
    )
