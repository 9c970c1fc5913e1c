"""Dashboard benchmark (plain script): ``python benchmarks/bench_web.py [--repeat N]``.

For each page, on the starter snapshot plus 40 synthetic cases in SQLite, served by the real
app (API + dashboard) through Starlette's in-process client: the first view (cold: the panel,
the ranking and, for the ranking's intervals, the Monte Carlo run are built) and the warm view
(caches filled), against the baseline measured in the same run: the same data from the API's
JSON route. The issue's target: each page's first view ready in under 1 s with the embedded
store (warm figure; the cold one is the first visitor after a data import).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import print_table  # noqa: E402

#: page -> the API route with the same data (the baseline)
PAGES = {
    "/?year=2024": "/api/v1/partners?year=2024",
    "/partners/ESP?year=2024": "/api/v1/partners/ESP?year=2024",
    "/monitor": "/api/v1/monitor/status",
    "/compare?a=eo14383&b=hague2035": "/api/v1/compare?a=eo14383&b=hague2035",
    "/cases": "/api/v1/queue",
}


def _store(tmp: Path) -> str:
    from burdenshare.services.cases import generate_synthetic
    from burdenshare.services.users import add_user
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    generate_synthetic(engine, n=40, seed=7, start="2022-01-01", end="2026-06-30", actor="bench")
    add_user(engine, "bench", "admin", actor="bench", password="bench-password-1")
    return url


def _time(client, path: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    resp = client.get(path)
    return time.perf_counter() - t0, resp.status_code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BURDENSHARE_DB"] = _store(Path(tmp))
        os.environ["BURDENSHARE_PUBLIC_READ"] = "true"
        from fastapi.testclient import TestClient

        from burdenshare.api.app import create_app

        rows = []
        with TestClient(create_app()) as client:
            client.post(
                "/api/v1/auth/login", json={"name": "bench", "password": "bench-password-1"}
            )
            for page, api in PAGES.items():
                cold, status = _time(client, page)
                warm = min(_time(client, page)[0] for _ in range(args.repeat))
                api_warm = min(_time(client, api)[0] for _ in range(args.repeat))
                rows.append(
                    (
                        page,
                        str(status),
                        f"{cold * 1000:.0f}",
                        f"{warm * 1000:.1f}",
                        f"{api_warm * 1000:.1f}",
                        f"{warm / api_warm:.2f}x" if api_warm else "-",
                    )
                )
    print_table(
        "Dashboard pages: first view (cold) and warm, against the API's JSON of the same data",
        rows,
        ("page", "status", "cold ms", "warm ms", "API warm ms", "page/API"),
    )


if __name__ == "__main__":
    main()
