"""Plain builders shared by the ledger tests (no fixtures)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pandas as pd

AS_OF = dt.date(2026, 10, 1)


def open_frames(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(open cases, demands) from the SYNTHETIC case generator, shaped as the ledger takes."""
    from burdenshare.cases.model import TERMINAL
    from burdenshare.cases.synthetic import generate_frames

    cases, items = generate_frames(n, seed)
    closed = [s.value for s in TERMINAL]
    cases = cases.loc[~cases["status"].isin(closed)].rename(
        columns={"id": "case_id", "request_date": "requested"}
    )
    dem = items.loc[items["catalog_item_id"].notna() & items["case_id"].isin(cases["case_id"])]
    dem = dem.rename(columns={"catalog_item_id": "item_id"})[["case_id", "item_id", "quantity"]]
    return cases.reset_index(drop=True), dem.reset_index(drop=True)


@contextlib.contextmanager
def live_server(app) -> Iterator[str]:
    """``app`` served by a real uvicorn server in a thread on a free loopback port (as the
    API suite does, tests/api/conftest.py); yields its base URL, stops it on exit."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
