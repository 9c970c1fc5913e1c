"""Reports benchmark (plain script): ``python benchmarks/bench_reports.py [--quick]``.

1. The quarterly report over 100,000 synthetic cases on SQLite: the time to gather the data
   (read the cases, metrics of 8 quarters with disclosure control, tiers, audit head) and
   the time to render each format (PDF with its 5 charts, HTML, XLSX), against the baseline
   measured in the same run: the existing CSV export of the same quarter
   (``metrics quarterly --format csv``: read, compute one quarter, disclose, write CSV).
2. A brief for every ranked partner (PDF), sharing one batch (``brief_batch``: one Monte
   Carlo run of 10,000 samples, one priority queue of the open cases, the spending tables,
   the open cases and the audit head, loaded once):
   per-brief data and render times, against one ``explain --format json`` of the same
   partner (the baseline: the brief prints explain's figures), and the first few briefs
   built alone (``brief_data`` without the batch and ``brief.pdf``, as ``report brief``
   does) for comparison; the batch renders with ``brief.pdfs`` (charts drawn ahead).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import print_table  # noqa: E402

QUARTER = "2026Q3"
ALONE = 5  # briefs built without the batch, for comparison


def _store(n: int, tmp: Path) -> str:
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.starter import ensure_starter
    from burdenshare.store import cases as case_store
    from burdenshare.store.catalog import load_catalog
    from burdenshare.store.db import get_engine

    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    cases, items = generate_frames(n, 11, catalog=load_catalog(engine))
    case_store.insert_frames(engine, cases, items, actor="bench", meta={"seed": 11})
    return url


def _best(fn, repeat: int):
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return best, out


def bench_quarterly(url: str, n: int, repeat: int) -> list[tuple[str, ...]]:
    from burdenshare.charts.render import clear
    from burdenshare.reports import quarterly
    from burdenshare.services import metrics, partners
    from burdenshare.services.reports import quarterly_data
    from burdenshare.store.db import get_engine

    engine = get_engine(url)
    partners.panel(engine)  # warm the scoring cache both paths use
    t_csv, csv = _best(lambda: metrics.quarterly(engine, QUARTER, k=5).to_csv(), repeat)
    t_data, data = _best(lambda: quarterly_data(engine, QUARTER, k=5), repeat)
    # each render from scratch: no chart drawn by an earlier repeat (charts.render's cache)
    t_pdf, pdf = _best(lambda: (clear(), quarterly.pdf(data))[1], repeat)
    t_html, html = _best(lambda: (clear(), quarterly.html(data))[1], repeat)
    t_xlsx, xlsx = _best(lambda: quarterly.xlsx(data), repeat)
    assert pdf.startswith(b"%PDF") and csv.count("\n") > 20 and len(xlsx) > 1000
    rows = [
        ("CSV export (baseline)", f"{t_csv:.2f}", "1.0", f"{len(csv):,}"),
        ("report data (8 quarters)", f"{t_data:.2f}", f"{t_data / t_csv:.1f}", ""),
        ("render PDF", f"{t_pdf:.2f}", f"{t_pdf / t_csv:.1f}", f"{len(pdf):,}"),
        ("render HTML", f"{t_html:.2f}", f"{t_html / t_csv:.1f}", f"{len(html):,}"),
        ("render XLSX", f"{t_xlsx:.2f}", f"{t_xlsx / t_csv:.1f}", f"{len(xlsx):,}"),
        (
            "quarterly PDF total",
            f"{t_data + t_pdf:.2f}",
            f"{(t_data + t_pdf) / t_csv:.1f}",
            "",
        ),
    ]
    print_table(
        f"Quarterly report {QUARTER}, {n:,} synthetic cases (SQLite), best of {repeat}",
        rows,
        ("step", "seconds", "x CSV export", "bytes"),
    )
    return rows


def bench_briefs(url: str, limit: int | None) -> list[tuple[str, ...]]:
    from burdenshare.charts.render import clear
    from burdenshare.reports import brief
    from burdenshare.services import partners
    from burdenshare.services.queue import build as build_queue
    from burdenshare.services.reports import brief_batch, brief_data
    from burdenshare.store.db import get_engine
    from burdenshare.uncertainty import robustness

    engine = get_engine(url)
    pol = partners.resolve_policy("eo14383")
    pan = partners.panel(engine)
    ranked = [r["iso3"] for r in partners.rank(engine, "eo14383").rows if r["rank"] is not None]
    ranked = ranked[:limit] if limit else ranked
    t0 = time.perf_counter()
    mc = robustness(pan, pol, n_samples=10_000, seed=0, sobol_samples=0)
    t_mc = time.perf_counter() - t0
    t0 = time.perf_counter()
    queue = build_queue(engine, policy="eo14383").queue
    t_queue = time.perf_counter() - t0
    # briefs alone (no batch: facts, cases and audit head read per brief), first few
    alone = ranked[:ALONE]
    t_alone = 0.0
    for iso3 in alone:
        t0 = time.perf_counter()
        data = brief_data(engine, iso3, robustness_result=mc, queue=queue)
        assert brief.pdf(data).startswith(b"%PDF")
        t_alone += time.perf_counter() - t0
    clear()  # the batch draws every chart afresh, those of the briefs above included
    t0 = time.perf_counter()
    batch = brief_batch(engine, policy="eo14383", robustness_result=mc, queue=queue)
    t_batch = time.perf_counter() - t0
    t_explain = t_data = 0.0
    datas = []
    for iso3 in ranked:
        t0 = time.perf_counter()
        partners.explain(engine, iso3, "eo14383")
        t_explain += time.perf_counter() - t0
        t0 = time.perf_counter()
        datas.append(brief_data(engine, iso3, batch=batch))
        t_data += time.perf_counter() - t0
    t0 = time.perf_counter()
    # brief.pdfs: the next brief's charts drawn while WeasyPrint lays out this one
    assert all(pdf.startswith(b"%PDF") for pdf in brief.pdfs(datas))
    t_render = time.perf_counter() - t0
    k = len(ranked)
    total = t_mc + t_queue + t_batch + t_data + t_render

    def row(name: str, t: float) -> tuple[str, ...]:
        return (name, f"{t:.2f}", f"{1000 * t / k:.0f}", f"{t / t_explain:.1f}")

    rows = [
        row("explain JSON (baseline)", t_explain),
        row("Monte Carlo 10,000 (once)", t_mc),
        row("priority queue (once)", t_queue),
        row("batch: facts, cases, audit head (once)", t_batch),
        row("brief data", t_data),
        row("brief render PDF", t_render),
        row("all briefs total", total),
        (
            f"brief alone: data + PDF (first {len(alone)})",
            f"{t_alone:.2f}",
            f"{1000 * t_alone / len(alone):.0f}",
            f"{t_alone / len(alone) / (t_explain / k):.1f}",
        ),
        (
            "brief in the batch: data + PDF",
            f"{t_data + t_render:.2f}",
            f"{1000 * (t_data + t_render) / k:.0f}",
            f"{(t_data + t_render) / t_explain:.1f}",
        ),
    ]
    print_table(
        f"Briefs for {k} ranked partners (PDF)",
        rows,
        ("step", "seconds", "ms per brief", "x explain"),
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 cases, 10 briefs, 1 repeat")
    args = ap.parse_args()
    n = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url = _store(n, Path(tmp))
        print(f"store with {n:,} synthetic cases built in {time.perf_counter() - t0:.1f} s")
        bench_quarterly(url, n, 1 if args.quick else 3)
        bench_briefs(url, 10 if args.quick else None)
        from burdenshare.store.db import dispose_all

        dispose_all()


if __name__ == "__main__":
    main()
