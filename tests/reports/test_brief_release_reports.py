"""The country brief (its score is explain's), the release review (crossings, revisions,
tiers with their cells), and bad input: one line, exit code 2, no file left behind."""

from __future__ import annotations

import json
import re

import pytest
from report_helpers import pdf_pages, pdf_text, render_pages

from burdenshare.cli import main
from burdenshare.reports.common import fmt_num


def test_brief_score_rank_and_interval_equal_explain(cases_db, tmp_path, capsys):
    code = main(["explain", "ESP", "--format", "json", "--robustness", "2000", "--db", cases_db])
    ex = json.loads(capsys.readouterr().out)
    assert code == 0
    pdf = tmp_path / "esp.pdf"
    code = main(["report", "brief", "Spain", "--robustness", "2000", "-o", str(pdf),
                 "--db", cases_db])  # fmt: skip
    assert code == 0 and "wrote" in capsys.readouterr().err
    text = pdf_text(pdf)
    assert "Country brief: Spain (ESP)" in text
    assert fmt_num(ex["score"], 1) in text.split("score (0-100)")[0]
    rob = ex["robustness"]
    assert f"{rob['rank_p05']} to {rob['rank_p95']}" in text
    assert ex["tier_label"].split(":")[0] in text
    wiwt = ex["what_it_would_take"]
    assert f"Spending {fmt_num(wiwt['required'], 2)}% of GDP" in " ".join(text.split())
    for gate in ex["gates"]:
        assert gate["source"].split()[0] in text
    assert "2,000 samples, seed 0" in text and "SYNTHETIC DATA" in text
    from burdenshare.services.queue import build
    from burdenshare.store.db import get_engine

    queue = build(get_engine(cases_db)).queue
    mine = queue.loc[queue["partner"] == "ESP"].sort_values("position")
    assert len(mine), "fixture: Spain has open cases"
    first = mine.iloc[0]
    assert f"{len(mine):,} of {len(queue):,} queued cases" in " ".join(text.split())
    assert re.search(rf"{first['case_id']}\s+{int(first['position']):,}\b", text)
    assert first["items"].split(",")[0] in text and "built-in method" not in text
    assert 1 <= pdf_pages(pdf) <= 2
    assert len(render_pages(pdf, tmp_path / "pages")) == pdf_pages(pdf)


def test_brief_html_has_two_charts_and_no_external_urls(cases_db, tmp_path):
    html = tmp_path / "pol.html"
    code = main(["report", "brief", "POL", "--format", "html", "--robustness", "0",
                 "-o", str(html), "--db", cases_db])  # fmt: skip
    text = html.read_text("utf-8")
    assert code == 0 and text.count('<img src="data:image/svg+xml;base64,') == 2
    assert "http://" not in text and "https://" not in text
    assert "Monte Carlo" not in text.split('id="footer"')[1].split("</div>\n</div>")[0]


@pytest.fixture(scope="module")
def release_files(releases_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    paths = {}
    for fmt in ("pdf", "xlsx"):
        p = out / f"r.{fmt}"
        code = main(["report", "release", "--from-vintage", "2024-06-17", "--to-vintage",
                     "2025-08", "--format", fmt, "-o", str(p), "--db", releases_db])  # fmt: skip
        assert code == 0
        paths[fmt] = p
    return paths


def test_release_review_crossings_and_revisions(release_files, releases_db, capsys):
    code = main(["monitor", "crossings", "--between-vintages", "2024-06-17", "2025-08",
                 "-t", "2", "-t", "3.5", "--format", "json", "--db", releases_db])  # fmt: skip
    events = json.loads(capsys.readouterr().out)["events"]
    assert code == 0 and events
    text = pdf_text(release_files["pdf"])
    flat = " ".join(text.split())
    for e in events:
        assert f"({e['iso3']})" in text
        assert f"{e['from_value']:.2f} ({e['from_year']})" in flat
        assert f"{e['to_value']:.2f} ({e['to_year']})" in flat
    from openpyxl import load_workbook

    wb = load_workbook(release_files["xlsx"])
    assert wb.sheetnames == ["revisions", "crossings", "tiers", "notes"]
    cross = list(wb["crossings"].iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[1]) for r in cross} == {(e["iso3"], e["threshold"]) for e in events}
    revs = list(wb["revisions"].iter_rows(min_row=2, values_only=True))
    assert revs, "2025-08 revises NATO's 2024 estimates"
    for iso3, _, year, a, b, change, cell_a, cell_b in revs:
        assert change == pytest.approx(b - a) and abs(change) >= 0.01 - 1e-9
        assert cell_a == f"nato_defexp:2024-06-17 {iso3} {year}" and iso3 in cell_b
        assert f"{change:+.2f}" in text
    assert wb["revisions"]["F2"].number_format.startswith("+0.00")
    tiers = list(wb["tiers"].iter_rows(min_row=2, values_only=True))
    code = main(["monitor", "tiers", "--from-vintage", "2024-06-17", "--to-vintage", "2025-08",
                 "--all", "--format", "json", "--db", releases_db])  # fmt: skip
    rows = {r["iso3"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert code == 0 and len(tiers) == len(rows)
    for t in tiers:
        assert (t[2], t[3], t[4], t[5]) == tuple(
            rows[t[0]][c] for c in ("tier_a", "tier_b", "rank_a", "rank_b")
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quarterly", "--quarter", "2026Q5"], "--quarter: expected a quarter like 2026Q3"),
        (["quarterly", "--quarter", "2031Q1"], "no cases in 2031Q1"),
        (["quarterly", "--quarter", "2026Q3", "--k", "0"], "--k: k must be at least 1"),
        (
            ["quarterly", "--quarter", "2026Q3", "--format", "docx"],
            "--format: 'docx' is not one of pdf, html, xlsx or json",
        ),
        (["brief", "Atlantis"], "unknown country 'Atlantis'"),
        (["brief", "FRA", "--format", "xlsx"], "--format: 'xlsx' is not one of pdf, html or json"),
        (["release", "--from-vintage", "1999", "--to-vintage", "2025-08"], "unknown vintage"),
    ],
)
def test_bad_input_one_line_exit_2_no_file(cases_db, tmp_path, capsys, args, message):
    out = tmp_path / "report.pdf"
    code = main(["report", *args, "-o", str(out), "--db", cases_db])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing-dir/r.pdf", "."])
def test_bad_output_path_refused_before_work(cases_db, tmp_path, capsys, monkeypatch, where):
    import burdenshare.services.reports as service

    def boom(*a, **k):  # the output path is checked before any data is read
        raise AssertionError("work started")

    monkeypatch.setattr(service, "quarterly_data", boom)
    target = tmp_path / where
    code = main(["report", "quarterly", "--quarter", "2026Q3", "-o", str(target),
                 "--db", cases_db])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--output" in err and len(err.strip().splitlines()) == 1


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    import os

    from burdenshare.reports.common import write_atomic

    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")

    def fail(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_a_brief_in_a_batch_equals_the_brief_built_alone(cases_db):
    """The batch (one Monte Carlo run, queue, spending tables, open cases and audit head for
    every brief) changes no figure: the same HTML as ``report brief`` but the clock."""
    from dataclasses import replace

    from burdenshare.reports import brief
    from burdenshare.services.reports import brief_batch, brief_data
    from burdenshare.store.db import get_engine

    engine = get_engine(cases_db)
    batch = brief_batch(engine, samples=500)
    assert batch.open_cases and batch.audit_head is not None
    datas = []
    for iso3 in ("ESP", "POL", "ISL"):
        alone = brief_data(engine, iso3, samples=500)
        shared = brief_data(engine, iso3, batch=batch)
        shared = replace(
            shared,
            provenance=replace(shared.provenance, generated_at=alone.provenance.generated_at),
        )
        assert shared == alone
        assert brief.html(shared) == brief.html(alone)
        datas.append(shared)
    # the batch's renderer (charts drawn ahead, CSS parsed once): the same PDF bytes
    assert list(brief.pdfs(datas)) == [brief.pdf(d) for d in datas]
    from weasyprint import HTML

    page = brief.html(datas[0])
    assert brief.pdf(datas[0]) == HTML(string=page, base_url=None).write_pdf()
    none = brief_batch(engine, samples=0, include_cases=False)
    lone = brief_data(engine, "ESP", batch=none, include_cases=False)
    assert lone.robustness is None and lone.open_cases is None and lone.queue is None
    assert lone.provenance.audit_head is None and lone.provenance.seed is None
