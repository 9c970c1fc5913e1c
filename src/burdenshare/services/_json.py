"""Plain JSON-ready data from what the core returns (numpy scalars, NaN, dates, frames)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


def jsonable(obj: Any) -> Any:
    """``obj`` with NaN -> None, numpy scalars -> Python, dates -> ISO strings, sets -> sorted
    lists, recursively (dicts, lists, tuples)."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(jsonable(v) for v in obj)
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    try:
        import numpy as np
        import pandas as pd
    except ImportError:  # pragma: no cover
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return jsonable(float(obj))
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return records(obj)
    return obj


def records(frame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts (NA -> None; datetime columns -> ISO dates)."""
    out = frame.astype(object).where(frame.notna(), None)
    for col in out.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            out[col] = [None if v is None else v.date().isoformat() for v in out[col]]
    return jsonable(out.to_dict(orient="records"))
