"""Issue 2 benchmark: full import of the SIPRI workbook (every country sheet, with flags) and
of the SIPRI trade register into a fresh SQLite store, against a straightforward
pandas/openpyxl reading of the same workbook as baseline. Each measurement runs in its own
process (wall time and peak RSS); the aim is the workbook with flags in under 3 s."""

from __future__ import annotations

from _measure import SHARED, print_table, run_isolated

WORKBOOK = SHARED / "SIPRI-Milex-data-1949-2024_2.xlsx"
REGISTER = SHARED / "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv"

IMPORT = """
import tempfile, pathlib
from burdenshare.store.db import get_engine
from burdenshare.store.facts import import_file
db = pathlib.Path(tempfile.mkdtemp()) / "b.db"
engine = get_engine(f"sqlite:///{{db}}")
s = import_file(engine, "{path}")
result = {{"rows": s.rows, "flags": s.flag_counts}}
"""

BASELINE_OPENPYXL = """
import openpyxl
wb = openpyxl.load_workbook("{path}")  # styles loaded: needed for SIPRI's colour flags
n = 0
for ws in wb.worksheets[2:9]:
    for row in ws.iter_rows():
        for cell in row:
            _ = (cell.value, cell.font.color.indexed if cell.font and cell.font.color else None)
            n += 1
result = {{"cells": n}}
"""

BASELINE_PANDAS = """
import pandas as pd
sheets = pd.read_excel("{path}", sheet_name=None, header=None)
result = {{"cells": int(sum(df.size for df in sheets.values()))}}
"""


def main() -> None:
    rows = []
    wb = run_isolated(IMPORT.format(path=WORKBOOK))
    reg = run_isolated(IMPORT.format(path=REGISTER))
    opx = run_isolated(BASELINE_OPENPYXL.format(path=WORKBOOK))
    pdx = run_isolated(BASELINE_PANDAS.format(path=WORKBOOK))
    rows.append(
        (
            "burdenshare import SIPRI workbook -> SQLite",
            f"{wb['seconds']:.2f}",
            f"{wb['peak_mib']:.0f}",
            f"{wb['rows']:,} facts",
            "1.0",
        )
    )
    rows.append(
        (
            "burdenshare import trade register -> SQLite",
            f"{reg['seconds']:.2f}",
            f"{reg['peak_mib']:.0f}",
            f"{reg['rows']:,} facts",
            "",
        )
    )
    rows.append(
        (
            "baseline openpyxl (styles) read workbook",
            f"{opx['seconds']:.2f}",
            f"{opx['peak_mib']:.0f}",
            f"{opx['cells']:,} cells",
            f"{opx['seconds'] / wb['seconds']:.1f}x slower",
        )
    )
    rows.append(
        (
            "baseline pandas.read_excel (values only)",
            f"{pdx['seconds']:.2f}",
            f"{pdx['peak_mib']:.0f}",
            f"{pdx['cells']:,} cells",
            f"{pdx['seconds'] / wb['seconds']:.1f}x slower",
        )
    )
    print_table(
        "SIPRI import into SQLite (wall s, peak RSS MiB)",
        rows,
        ("what", "seconds", "peak MiB", "size", "vs burdenshare"),
    )
    print(f"\nflags in the workbook import: {wb['flags']}")
    print(f"aim: workbook with flags under 3 s -> {'met' if wb['seconds'] < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
