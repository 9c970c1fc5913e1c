"""The quarterly report end to end: the PDF's text carries exactly the published figures of
``metrics quarterly --format json`` (same quarter, same k), suppressed cells show no figure,
the HTML fetches nothing, the XLSX matches, pages and charts are counted."""

from __future__ import annotations

import json
import re

import pytest
from report_helpers import pdf_pages, pdf_text, render_pages

from burdenshare.cli import main
from burdenshare.reports.common import fmt_num, fmt_pct, fmt_usd_m
from burdenshare.reports.quarterly import COUNT_LABELS, DURATION_LABELS

QUARTER, K = "2026Q2", 10


@pytest.fixture(scope="module")
def published(cases_db, capsys_module):
    """The JSON metrics of the same quarter from the existing export (the service's numbers)."""
    code = main(["metrics", "quarterly", "--quarter", QUARTER, "--k", str(K), "--format",
                 "json", "--db", cases_db])  # fmt: skip
    out = capsys_module.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.fixture(scope="module")
def capsys_module():
    """A module-wide stdout capture for fixtures (pytest's capsys is per test)."""
    import io
    import sys

    class Cap:
        def readouterr(self):
            text = self.buf.getvalue()
            self.buf.seek(0)
            self.buf.truncate()
            return type("R", (), {"out": text})

    cap = Cap()
    cap.buf = io.StringIO()
    old = sys.stdout
    sys.stdout = cap.buf
    try:
        yield cap
    finally:
        sys.stdout = old


@pytest.fixture(scope="module")
def files(cases_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("quarterly")
    paths = {}
    for fmt in ("pdf", "html", "xlsx"):
        p = out / f"q.{fmt}"
        code = main(["report", "quarterly", "--quarter", QUARTER, "--k", str(K), "--format", fmt,
                     "-o", str(p), "--db", cases_db])  # fmt: skip
        assert code == 0 and p.stat().st_size > 1000
        paths[fmt] = p
    return paths


def _rows(published):
    return {(r["metric"], r["group"], r["statistic"]): r for r in published["rows"]}


def _line(text: str, label: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip().startswith(label)]
    assert lines, f"no line for {label!r}"
    return lines[0]


def test_pdf_figures_equal_the_published_metrics(files, published):
    text = pdf_text(files["pdf"])
    rows = _rows(published)
    assert any(r["suppressed"] for r in published["rows"]), "fixture needs suppressed cells"
    for metric, label in COUNT_LABELS.items():
        r = rows[(metric, "all", "count")]
        line = _line(text, label)
        if r["suppressed"]:
            assert "suppressed" in line and not re.search(r"\d", line[len(label) + 2 :])
        else:
            assert line.split()[-1] == fmt_num(r["value"])
    for metric, label in DURATION_LABELS.items():
        med, p90 = rows[(metric, "all", "median")], rows[(metric, "all", "p90")]
        line = _line(text, label)
        if med["suppressed"]:
            assert "suppressed" in line and not re.search(r"\d", line[len(label) :])
        else:
            assert line.split()[-3:] == [fmt_num(med["value"], 1), fmt_num(p90["value"], 1),
                                         fmt_num(med["n"])]  # fmt: skip
    aod = rows[("offers_on_or_before_aod", "all", "share")]
    if not aod["suppressed"]:
        assert f"{fmt_pct(aod['value'])} of {fmt_num(aod['n'])} offers" in text
    for (metric, group, _), r in rows.items():
        if not metric.startswith(("value_by_", "notifications_by_")):
            continue
        if r["suppressed"]:
            assert re.search(rf"(^|\s){re.escape(group)}\s+suppressed", text, re.M), group
            assert not re.search(rf"(^|\s){re.escape(group)}\s+[\d$]", text, re.M), group
        elif metric.startswith("value_by_"):
            pat = rf"{re.escape(group)}\s+{re.escape(fmt_usd_m(r['value']))}\s+{r['n']}\b"
            assert re.search(pat, text), (group, pat)
        else:
            assert re.search(rf"{re.escape(group)}\s+{fmt_num(r['value'])}\b", text), group


def test_every_page_says_synthetic_and_carries_the_provenance(files, tmp_path):
    text = pdf_text(files["pdf"])
    pages = text.split("\f")[:-1]
    n = pdf_pages(files["pdf"])
    assert len(pages) == n and 2 <= n <= 4
    for page in pages:
        assert "SYNTHETIC DATA" in page
        assert "Policy eo14383" in page and "sha256" in page
        assert "Audit-chain head: record" in page
        assert f"burdenshare report quarterly --quarter {QUARTER} --k {K}" in page
    pngs = render_pages(files["pdf"], tmp_path / "pages")
    assert len(pngs) == n and all(p.stat().st_size > 5000 for p in pngs)


def test_html_is_self_contained_with_five_charts(files):
    html = files["html"].read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:|#)[a-z]+:""", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", html)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?https?:", html)
    assert "<script" not in html.lower()
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == 5
    assert html.count('class="sup">suppressed<') >= 1


def test_xlsx_opens_and_matches(files, published):
    from openpyxl import load_workbook

    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == [QUARTER, "trends", "notes"]
    ws = wb[QUARTER]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    got = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        rec = dict(zip(header, row, strict=True))
        got[(rec["metric"], rec["group"], rec["statistic"])] = rec
    rows = _rows(published)
    assert set(got) == set(rows)
    for key, r in rows.items():
        g = got[key]
        if r["suppressed"]:
            assert g["suppressed"] == "suppressed" and g["n"] is None and g["value"] is None
        else:
            assert g["n"] == r["n"] and g["value"] == pytest.approx(r["value"])
    trends = {r[0] for r in wb["trends"].iter_rows(min_row=2, values_only=True)}
    assert len(trends) == 8 and QUARTER in trends
    notes = "\n".join(str(r[0]) for r in wb["notes"].iter_rows(values_only=True) if r[0])
    assert "complementary suppression" in notes and "Audit-chain head" in notes
