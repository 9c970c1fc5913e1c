"""Plain JSON-ready rows from the monitor's frames (numpy scalars to Python, NaN/NA to None)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def plain(v: Any, digits: int = 6) -> Any:
    """A JSON-ready scalar: numpy types to Python, NaN/NA to None, floats rounded."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else round(float(v), digits)
    return v


def frame_records(frame: pd.DataFrame, *, index: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``frame`` as plain dicts; ``index`` names the index column to include first."""
    out = []
    for key, row in zip(frame.index, frame.astype(object).to_dict("records"), strict=True):
        rec = {index: plain(key)} if index else {}
        rec.update({k: plain(v) for k, v in row.items()})
        out.append(rec)
    return out
