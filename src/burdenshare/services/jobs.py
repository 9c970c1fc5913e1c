"""Background jobs for long work (robustness runs, optimal schedules), with progress kept in
the database so any server process can answer "how far along", and results cached by their
inputs: a request whose inputs hash (including the store's facts fingerprint) matches a job
that is done or still running gets that job instead of a new run."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from burdenshare.errors import NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

#: Job kinds and the permission needed to start or read them.
KIND_PERMISSION: dict[str, str] = {"robustness": "analyze", "schedule": "cases_read"}

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="burdenshare-job")
        return _executor


def inputs_hash(kind: str, inputs: dict[str, Any], engine: Engine) -> str:
    from burdenshare.store.fingerprint import facts_fingerprint

    blob = json.dumps(
        {"kind": kind, "inputs": inputs, "facts": facts_fingerprint(engine)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


Work = Callable[[Callable[[int], None], Callable[[int], None]], Any]


def submit(
    engine: Engine,
    kind: str,
    inputs: dict[str, Any],
    work: Work,
    *,
    actor: str,
    input_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Start ``work(on_start, progress)`` in the background unless a job with the same
    inputs is done or running; returns (job, created). ``work`` returns JSON-ready data."""
    from burdenshare.store import jobs as store

    key = input_key or inputs_hash(kind, inputs, engine)
    found = store.find_reusable(engine, kind, key)
    if found is not None:
        return public(found), False
    job_id = secrets.token_hex(8)
    store.insert_job(engine, job_id, kind, key, json.dumps(inputs, default=str), actor)
    _pool().submit(_run, engine, job_id, work)
    return public(store.get_job(engine, job_id)), True


def _run(engine: Engine, job_id: str, work: Work) -> None:
    from burdenshare.errors import UserError
    from burdenshare.store import jobs as store

    state = {"done": 0, "last": 0.0}

    def on_start(total: int) -> None:
        store.update_job(engine, job_id, status="running", total=int(total))

    def progress(k: int) -> None:
        state["done"] += int(k)
        now = time.monotonic()
        if now - state["last"] >= 0.25:
            state["last"] = now
            store.update_job(engine, job_id, done=state["done"])

    store.update_job(engine, job_id, status="running")
    try:
        result = work(on_start, progress)
    except UserError as exc:
        store.update_job(engine, job_id, status="failed", error=str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - a job's failure is reported, not raised
        store.update_job(engine, job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        return
    job = store.get_job(engine, job_id) or {}
    store.update_job(
        engine,
        job_id,
        status="done",
        done=max(state["done"], int(job.get("total") or 0)),
        result=json.dumps(result, allow_nan=False, default=str),
    )


def public(job: dict[str, Any], *, with_result: bool = False) -> dict[str, Any]:
    """A job as answered by the API: id, kind, status, progress, error (result if asked)."""
    total = int(job.get("total") or 0)
    done = int(job.get("done") or 0)
    out = {
        "id": job["id"],
        "kind": job["kind"],
        "status": job["status"],
        "progress": {
            "done": done,
            "total": total,
            "fraction": (
                min(done / total, 1.0) if total else (1.0 if job["status"] == "done" else 0.0)
            ),
        },
        "error": job.get("error"),
        "created_by": job.get("created_by"),
        "created_at": job["created_at"].isoformat() if job.get("created_at") else None,
        "updated_at": job["updated_at"].isoformat() if job.get("updated_at") else None,
    }
    if with_result:
        out["result"] = None if job.get("result") is None else json.loads(job["result"])
    return out


def get(engine: Engine, job_id: str) -> dict[str, Any]:
    """The stored job (with its result when done); NotFoundError naming the id otherwise."""
    from burdenshare.store import jobs as store

    job = store.get_job(engine, job_id)
    if job is None:
        raise NotFoundError(f"no job with id {job_id!r}", field="job_id")
    return public(job, with_result=True)


def wait(engine: Engine, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until the job is done or failed (tests, the CLI)."""
    end = time.monotonic() + timeout
    while True:
        job = get(engine, job_id)
        if job["status"] in ("done", "failed") or time.monotonic() > end:
            return job
        time.sleep(0.05)
