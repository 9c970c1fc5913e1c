"""Plain builders shared by the ledger tests (no fixtures)."""

from __future__ import annotations

import datetime as dt

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
