"""Suppressed cells of the quarterly metrics reveal no case count in any export."""

from __future__ import annotations

import io
import json

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from burdenshare.cases.metrics import disclose, quarterly_metrics, to_json_obj, write_xlsx


def _cases(n: int, seed: int) -> pd.DataFrame:
    from burdenshare.cases.synthetic import generate_frames

    cases, _ = generate_frames(n, seed)
    for col in [c for c in cases.columns if c.endswith("_at")]:
        cases[col] = pd.to_datetime(cases[col])
    return cases


def _tiers() -> pd.DataFrame:
    return pd.DataFrame(
        {"tier": ["tier 1", "tier 2", "tier 3"], "region": ["europe", "europe", "indo_pacific"]},
        index=pd.Index(["POL", "DEU", "JPN"], name="iso3"),
    )


@given(n=st.integers(0, 120), seed=st.integers(0, 10_000), k=st.integers(2, 12))
def test_suppressed_cells_publish_no_count(n, seed, k):
    pub = disclose(quarterly_metrics(_cases(n, seed), "2026Q2", tiers=_tiers()), k)
    sup = pub["suppressed"].to_numpy(dtype=bool)
    assert pub.loc[sup, "n"].isna().all()
    assert all(v is None for v in pub.loc[sup, "value"])
    shown = pub.loc[~sup, "n"].dropna().astype(int)
    assert ((shown == 0) | (shown >= k)).all()
    rows = to_json_obj(pub, quarter="2026Q2", k=k)["rows"]
    assert all(r["n"] is None and r["value"] is None for r in rows if r["suppressed"])


def test_exports_hide_suppressed_counts(tmp_path):
    raw = quarterly_metrics(_cases(300, 7), "2026Q2", tiers=_tiers())
    pub = disclose(raw, 25)
    assert pub["suppressed"].any(), "fixture must have suppressed cells"
    hidden = raw.loc[pub["suppressed"].to_numpy(dtype=bool)]
    # JSON
    obj = json.loads(json.dumps(to_json_obj(pub, quarter="2026Q2", k=25)))
    for r in obj["rows"]:
        if r["suppressed"]:
            assert r["n"] is None and r["value"] is None
    # CSV (what `metrics quarterly --format csv` prints)
    back = pd.read_csv(io.StringIO(pub.to_csv(index=False)))
    assert back.loc[back["suppressed"], "n"].isna().all()
    # XLSX
    from openpyxl import load_workbook

    path = tmp_path / "m.xlsx"
    write_xlsx(pub, path, quarter="2026Q2", k=25, notes=[])
    ws = load_workbook(path)["metrics"]
    header = [c.value for c in ws[1]]
    i_n, i_v, i_s = header.index("n"), header.index("value"), header.index("suppressed")
    checked = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[i_s]:
            assert row[i_n] is None and row[i_v] is None
            checked += 1
    assert checked == len(hidden)
