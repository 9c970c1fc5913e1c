"""Cases benchmark (plain script): ``python benchmarks/bench_cases.py [--quick]``.

1. Congressional-notification checks per second for 100,000 synthetic cases: the vectorised
   path (:func:`notification_frame`) against a per-case loop (:func:`notification`), and
   their ratio; the two must agree case by case.
2. Concurrent transitions: 8 writer threads x 1,000 transitions each on a shared pool of
   cases, on SQLite and on a throwaway PostgreSQL (burdenshare.store.pgserver). Writers
   read a case, move it one stage along the main line and save with optimistic locking; a
   writer that loses a race re-reads and tries again. Reports throughput, conflicts and
   lost updates (successful transitions not reflected in the case versions or the audit
   log: must be 0), and verifies the audit chain.
3. Quarterly metrics over 100,000 cases: read from SQLite and compute with disclosure control.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import print_table  # noqa: E402

from burdenshare.store.pgserver import throwaway_postgres  # noqa: E402

END = dt.date(2026, 9, 30)


def bench_notification(n: int) -> list[tuple[str, ...]]:
    import numpy as np

    from burdenshare.cases.notification import (
        NotificationInput,
        load_rule_sets,
        notification,
        notification_frame,
    )
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.groups import is_member, members

    cases, _ = generate_frames(n, 1, end=END)
    cases = cases.assign(
        as_of=cases["offer_data_at"].fillna(cases["request_date"]), firearms_value=0.0
    )
    load_rule_sets()
    members("nato_plus_5", END)
    t0 = time.perf_counter()
    vec = notification_frame(cases)
    t_vec = time.perf_counter() - t0

    recs = cases[
        [
            "partner",
            "sale_type",
            "mde_value",
            "total_value",
            "dc_value",
            "manufacture_abroad",
            "emergency",
            "as_of",
        ]
    ].to_dict(orient="records")
    t0 = time.perf_counter()
    loop = [
        notification(
            NotificationInput(
                r["partner"],
                r["sale_type"],
                r["mde_value"],
                r["total_value"],
                r["dc_value"],
                0.0,
                bool(r["manufacture_abroad"]),
                bool(r["emergency"]),
            ),
            as_of=r["as_of"],
            membership=is_member,
        )
        for r in recs
    ]
    t_loop = time.perf_counter() - t0
    agree = np.array([x.required for x in loop]) == vec["required"].to_numpy()
    if not agree.all():
        raise SystemExit(f"vectorised and per-case results differ on {int((~agree).sum())} cases")
    return [
        ("vectorised", f"{n:,}", f"{t_vec:.3f}", f"{n / t_vec:,.0f}", ""),
        (
            "per-case loop",
            f"{n:,}",
            f"{t_loop:.3f}",
            f"{n / t_loop:,.0f}",
            f"{t_loop / t_vec:.0f}x slower",
        ),
        ("required", f"{int(vec['required'].sum()):,}", "", "", "identical in both paths"),
    ]


def _seed_pool(engine, n_cases: int) -> None:
    """Small cases (no notification needed) at 'received', in one transaction."""
    import pandas as pd

    from burdenshare.cases.synthetic import CASE_COLUMNS, ITEM_COLUMNS
    from burdenshare.store.cases import insert_frames

    rows = []
    for i in range(n_cases):
        rows.append(
            {c: None for c in CASE_COLUMNS}
            | {
                "id": f"B-{i:06d}",
                "partner": "POL",
                "sale_type": "FMS",
                "request_date": dt.date(2020, 1, 1),
                "status": "received",
                "aod_group": "B",
                "emergency": False,
                "manufacture_abroad": False,
                "mde_value": 1e6,
                "total_value": 2e6,
                "dc_value": 0.0,
                "synthetic": True,
                "note": "benchmark",
                "version": 1,
                "received_at": dt.date(2020, 1, 1),
            }
        )
    insert_frames(
        engine,
        pd.DataFrame(rows, columns=list(CASE_COLUMNS)),
        pd.DataFrame(columns=list(ITEM_COLUMNS)),
        kind="benchmark_seed",
    )


def bench_concurrency(url: str, writers: int, per_writer: int, n_cases: int) -> tuple[str, ...]:
    import numpy as np
    import sqlalchemy as sa

    from burdenshare.cases.lifecycle import next_main_stage, transition
    from burdenshare.store import cases as repo
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(url)
    _seed_pool(engine, n_cases)
    ids = [f"B-{i:06d}" for i in range(n_cases)]
    done = [0] * writers
    conflicts = [0] * writers
    barrier = threading.Barrier(writers)

    def writer(w: int) -> None:
        rng = np.random.default_rng(w)
        barrier.wait()
        while done[w] < per_writer:
            cid = ids[int(rng.integers(len(ids)))]
            case = repo.get_case(engine, cid)
            target = next_main_stage(case, notice_required=False)
            if target is None:
                continue
            new = transition(
                case, target, case.last_stage_date + dt.timedelta(days=1), notice=_NOT_REQUIRED
            )
            try:
                repo.save_transition(engine, case, new, actor=f"bench{w}")
                done[w] += 1
            except repo.ConcurrentUpdateError:
                conflicts[w] += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    with engine.connect() as c:
        version_moves = c.execute(sa.select(sa.func.sum(repo.CASES.c.version - 1))).scalar_one()
        audited = c.execute(
            sa.select(sa.func.count())
            .select_from(repo.AUDIT)
            .where(repo.AUDIT.c.kind == "transition")
        ).scalar_one()
    ok = repo.verify_audit(engine)
    total = sum(done)
    lost = total - int(version_moves)
    lost_audit = total - int(audited)
    dispose_all()
    name = sa.engine.make_url(url).get_backend_name()
    return (
        name,
        f"{writers}x{per_writer}",
        f"{took:.1f}",
        f"{total / took:,.0f}",
        f"{sum(conflicts):,}",
        str(lost),
        str(lost_audit),
        "ok" if ok.ok else ok.summary(),
    )


def _not_required():
    from burdenshare.cases.notification import NotificationInput, notification

    return notification(NotificationInput("POL", "FMS", 1e6, 2e6), as_of=END)


_NOT_REQUIRED = None


def bench_metrics(n: int) -> list[tuple[str, ...]]:
    from burdenshare.cases import metrics
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.store.cases import cases_frame, insert_frames
    from burdenshare.store.db import dispose_all, get_engine

    folder = Path(tempfile.mkdtemp(prefix="bs-bench-metrics-"))
    engine = get_engine(f"sqlite:///{folder / 'm.db'}")
    cases, items = generate_frames(n, 2, end=END)
    t0 = time.perf_counter()
    insert_frames(engine, cases, items)
    t_insert = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = cases_frame(engine)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = metrics.quarterly_metrics(frame, "2026Q2")
    table = metrics.disclose(raw, 5)
    t_calc = time.perf_counter() - t0
    dispose_all()
    received = int(table.loc[table["metric"] == "cases_received", "value"].iloc[0])
    return [
        ("bulk insert (cases + items)", f"{n:,}", f"{t_insert:.2f}"),
        ("read cases from SQLite", f"{n:,}", f"{t_read:.2f}"),
        ("quarterly metrics + disclosure", f"{n:,}", f"{t_calc:.3f}"),
        ("total metrics wall time", f"{n:,}", f"{t_read + t_calc:.2f}"),
        (f"(2026Q2: {received:,} cases received)", "", ""),
    ]


def main() -> None:
    global _NOT_REQUIRED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    n = 100_000 // scale
    per_writer = 1_000 // scale
    _NOT_REQUIRED = _not_required()

    print_table(
        "1. notification checks",
        bench_notification(n),
        ("path", "cases", "seconds", "checks/s", "ratio"),
    )

    rows = []
    folder = Path(tempfile.mkdtemp(prefix="bs-bench-cases-"))
    rows.append(
        bench_concurrency(f"sqlite:///{folder / 'c.db'}", 8, per_writer, 2 * per_writer * 8 // 8)
    )
    if not args.no_postgres:
        with throwaway_postgres() as url:
            rows.append(bench_concurrency(url, 8, per_writer, 2 * per_writer * 8 // 8))
    print_table(
        "2. concurrent transitions",
        rows,
        (
            "backend",
            "writers x transitions",
            "seconds",
            "transitions/s",
            "conflicts",
            "lost updates",
            "lost audit",
            "audit chain",
        ),
    )

    print_table("3. quarterly metrics", bench_metrics(n), ("step", "cases", "seconds"))


if __name__ == "__main__":
    main()
