"""REST API benchmark (plain script): ``python benchmarks/bench_api.py [--quick]``.

1. ``GET /api/v1/partners`` (cached scoring) through a real ``burdenshare serve`` on
   loopback, driven by a small asyncio load generator (keep-alive connections, raw HTTP/1.1,
   bounded in count and time): requests/s, p50/p99 latency and errors, with 1 and 2 workers.
   Baseline in the same run: the service call the route makes
   (:func:`burdenshare.services.partners.rank` + JSON), called directly in-process.
2. Concurrent case transitions: 8 clients move a shared pool of cases one stage at a time
   with ``expected_version`` (409 -> re-read and retry), on SQLite and on a throwaway
   PostgreSQL, through the API; baseline: 8 threads calling the service layer directly on
   the same kind of pool. Reports transitions/s, conflicts, lost updates (successes not in the
   case versions) and missing audit records (successes without their audit row): both 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import print_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MAIN = ["complete", "offer_data", "offered", "accepted", "implemented", "delivering", "closed"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "BURDENSHARE_DB": db}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from burdenshare.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---- load generator ---------------------------------------------------------------------------


async def _conn_worker(host, port, request: bytes, deadline, budget, lat, errs) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status != 200:
                errs[0] += 1
    finally:
        writer.close()


def load(url: str, path: str, token: str, *, requests: int, seconds: float, conns: int):
    host, port = url.removeprefix("http://").split(":")
    req = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    lat: list[float] = []
    errs = [0]
    budget = [requests]

    async def main() -> float:
        deadline = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(
            *(_conn_worker(host, int(port), req, deadline, budget, lat, errs) for _ in range(conns))
        )
        return time.perf_counter() - t0

    took = asyncio.run(main())
    lat.sort()
    n = len(lat)
    return {
        "n": n,
        "rps": n / took,
        "p50_ms": 1000 * lat[n // 2],
        "p99_ms": 1000 * lat[min(n - 1, int(n * 0.99))],
        "errors": errs[0],
    }


# ---- 1. GET partners --------------------------------------------------------------------------


def bench_partners(quick: bool) -> None:
    from burdenshare.services import partners, users
    from burdenshare.store.db import dispose_all, get_engine

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db = f"sqlite:///{tmp / 'api.db'}"
    engine = get_engine(db)
    token = users.add_user(engine, "bench", "viewer", actor="local:bench")
    # baseline: the service call the route makes, in-process (cached ranking + JSON)
    partners.rank(engine, "eo14383")
    n = 300 if quick else 2000
    t0 = time.perf_counter()
    for _ in range(n):
        r = partners.rank(engine, "eo14383")
        json.dumps({"data": r.rows, "meta": r.meta()})
    direct = n / (time.perf_counter() - t0)
    dispose_all()
    rows = [("service call, in-process", f"{direct:,.0f}", "", "", "", "1.00")]
    total = 2000 if quick else 20_000
    for workers in (1, 2):
        proc, url = start_server(db, workers)
        try:
            load(url, "/api/v1/partners", token, requests=200, seconds=10, conns=4)  # warm-up
            res = load(url, "/api/v1/partners", token, requests=total, seconds=30, conns=16)
        finally:
            stop(proc)
        rows.append(
            (
                f"GET /api/v1/partners, {workers} worker(s)",
                f"{res['rps']:,.0f}",
                f"{res['p50_ms']:.1f}",
                f"{res['p99_ms']:.1f}",
                str(res["errors"]),
                f"{res['rps'] / direct:.2f}",
            )
        )
    print_table(
        f"GET partners (eo14383, {total:,} requests max, 30 s max, 16 connections, loopback)",
        rows,
        ("what", "req/s", "p50 ms", "p99 ms", "errors", "vs service"),
    )


# ---- 2. concurrent transitions ----------------------------------------------------------------


def _cases_csv(n: int) -> str:
    rows = ["case_id,partner,sale_type,request_date,aod_group,mde_value,total_value"]
    rows += [f"B-{i:05d},POL,FMS,2025-01-01,B,0,1000000" for i in range(n)]
    return "\n".join(rows) + "\n"


def _drive(ids: list[str], n_clients: int, step) -> dict:
    """Clients pick random open cases and move them one stage; ``step(cid)`` returns
    'ok', 'conflict' or 'closed'."""
    ok = [0] * n_clients
    conflicts = [0] * n_clients
    open_ids = set(ids)
    lock = threading.Lock()

    def worker(k: int) -> None:
        rng = random.Random(k)
        while True:
            with lock:
                if not open_ids:
                    return
                cid = rng.choice(tuple(open_ids))
            outcome = step(k, cid)
            if outcome == "ok":
                ok[k] += 1
            elif outcome == "conflict":
                conflicts[k] += 1
            else:
                with lock:
                    open_ids.discard(cid)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.perf_counter() - t0, "ok": sum(ok), "conflicts": sum(conflicts)}


def _check(engine, ids: list[str], ok: int) -> tuple[int, int]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        versions = conn.execute(
            sa.text("SELECT sum(version - 1) FROM cases WHERE id LIKE 'B-%'")
        ).scalar_one()
        audit = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE kind = 'transition'")
        ).scalar_one()
    return ok - int(versions), ok - int(audit)


def bench_transitions(db_api: str, db_direct: str, label: str, n_cases: int) -> list[tuple]:
    import httpx

    from burdenshare.errors import ConcurrentUpdateError
    from burdenshare.services import cases as svc
    from burdenshare.services import users
    from burdenshare.store.db import get_engine

    out = []
    # baseline: the service layer called directly by 8 threads
    eng = get_engine(db_direct)
    svc.import_cases(eng, _cases_csv(n_cases), "bench.csv", "csv", actor="local:bench")
    ids = [f"B-{i:05d}" for i in range(n_cases)]

    def direct_step(k: int, cid: str) -> str:
        case = svc.get_case_obj(eng, cid)
        if case.status.value == "closed":
            return "closed"
        nxt = MAIN[MAIN.index(case.status.value) + 1] if case.status.value in MAIN else MAIN[0]
        try:
            svc.transition(
                eng, cid, nxt, actor="bench", at="2025-06-01", expected_version=case.version
            )
        except ConcurrentUpdateError:
            return "conflict"
        return "ok"

    res = _drive(ids, 8, direct_step)
    lost, missing = _check(eng, ids, res["ok"])
    base = res["ok"] / res["seconds"]
    out.append(
        (
            label,
            "service, 8 threads",
            res["ok"],
            f"{base:,.0f}",
            res["conflicts"],
            lost,
            missing,
            "1.00",
        )
    )

    eng2 = get_engine(db_api)
    token = users.add_user(eng2, "officer", "case_officer", actor="local:bench")
    proc, url = start_server(db_api, 1)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            r = c.post(
                "/api/v1/cases/import",
                content=_cases_csv(n_cases),
                headers={"Content-Type": "text/csv"},
            )
            assert r.status_code == 201, r.text
        clients = [httpx.Client(base_url=url, headers=headers, timeout=60) for _ in range(8)]

        def api_step(k: int, cid: str) -> str:
            c = clients[k]
            case = c.get(f"/api/v1/cases/{cid}").json()
            if case["status"] == "closed":
                return "closed"
            s = case["status"]
            nxt = MAIN[MAIN.index(s) + 1] if s in MAIN else MAIN[0]
            r = c.post(
                f"/api/v1/cases/{cid}/transitions",
                json={"stage": nxt, "expected_version": case["version"], "at": "2025-06-01"},
            )
            if r.status_code == 200:
                return "ok"
            if r.status_code in (409, 422):
                return "conflict"
            raise RuntimeError(f"{r.status_code} {r.text}")

        res = _drive(ids, 8, api_step)
        for c in clients:
            c.close()
    finally:
        stop(proc)
    lost, missing = _check(eng2, ids, res["ok"])
    rate = res["ok"] / res["seconds"]
    out.append(
        (
            label,
            "API, 8 clients",
            res["ok"],
            f"{rate:,.0f}",
            res["conflicts"],
            lost,
            missing,
            f"{rate / base:.2f}",
        )
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    args = ap.parse_args()
    bench_partners(args.quick)
    n_cases = 40 if args.quick else 1143  # 1143 cases x 7 stages ~ 8 clients x 1,000
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-tr-"))
    rows += bench_transitions(
        f"sqlite:///{tmp / 'api.db'}", f"sqlite:///{tmp / 'direct.db'}", "SQLite", n_cases
    )
    from burdenshare.store.pgserver import throwaway_postgres

    with throwaway_postgres() as pg:
        import sqlalchemy as sa

        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE "api"'))
            conn.execute(sa.text('CREATE DATABASE "direct"'))
        admin.dispose()
        base = pg.rsplit("/", 1)[0]
        rows += bench_transitions(f"{base}/api", f"{base}/direct", "PostgreSQL", n_cases)
        from burdenshare.store.db import dispose_all

        dispose_all()
    print_table(
        f"concurrent transitions ({n_cases} cases x {len(MAIN)} stages, shared pool)",
        rows,
        (
            "store",
            "how",
            "transitions",
            "per s",
            "conflicts",
            "lost",
            "missing audit",
            "vs service",
        ),
    )


if __name__ == "__main__":
    main()
