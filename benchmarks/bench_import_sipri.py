"""Benchmark: reading the whole SIPRI milex workbook with its colour flags.

Compares ``burdenshare.sources.sipri_milex.parse`` (python-calamine for values + an expat pass
over the sheet XML for font colours) with two straightforward baselines in the same run:

- openpyxl ``load_workbook`` with styles loaded (not read-only, which would drop the fonts),
  reading every country sheet's values and font colours -- the obvious way to get the flags;
- ``pandas.read_excel`` of the country sheets (values only, no flags at all).

When the store exists (``burdenshare.store.facts.import_file``), parse + import into a fresh
SQLite file is timed too; the aim is the whole workbook with flags imported in under 3 s.

Each measurement runs in a fresh interpreter (see ``_measure.py``). "cold": best of three fresh
processes, each paying the imports a CLI call pays; "warm": best of three runs in one process;
"RSS MiB": the cold process's peak resident set size (interpreter and libraries included);
"alloc MiB": tracemalloc's peak of the work alone, after the imports, in a separate process
(Python allocations only: memory held inside Rust/C libraries is not traced). The machine is
shared, so expect run-to-run noise of a few tenths of a second.

Run: ``.venv/bin/python benchmarks/bench_import_sipri.py``.
"""

from __future__ import annotations

import importlib.util
import textwrap

from _measure import SHARED, print_table, run_isolated

WORKBOOK = SHARED / "SIPRI-Milex-data-1949-2024_2.xlsx"
COUNTRY_SHEETS = [
    "Local currency financial years",
    "Local currency calendar years",
    "Constant (2023) US$",
    "Current US$",
    "Share of GDP",
    "Per capita",
    "Share of Govt. spending",
]

# Each case: (label, setup code = imports, work code that sets ``result``, reports flags?)
CASES: list[tuple[str, str, str, bool]] = [
    (
        "burdenshare sipri_milex.parse (values + flags)",
        "from pathlib import Path\nfrom burdenshare.sources import sipri_milex",
        """
        r = sipri_milex.parse(Path(PATH))
        flagged = int(r.facts["flags"].str.contains("estimate|uncertain").sum())
        result = {"items": len(r.facts), "flagged": flagged}
        """,
        True,
    ),
    (
        "baseline: openpyxl, styles loaded (values + colours)",
        "import openpyxl",
        """
        wb = openpyxl.load_workbook(PATH)  # styles loaded: needed for SIPRI's colour flags
        cells = flagged = 0
        for name in SHEETS:
            for row in wb[name].iter_rows():
                for cell in row:
                    colour = cell.font.color if cell.font is not None else None
                    indexed = colour is not None and colour.type == "indexed"
                    _ = cell.value
                    cells += 1
                    flagged += indexed and colour.indexed in (10, 12)
        result = {"items": cells, "flagged": flagged}
        """,
        True,
    ),
    (
        "baseline: pandas.read_excel, openpyxl engine (values only)",
        "import pandas as pd",
        """
        frames = pd.read_excel(PATH, sheet_name=SHEETS, header=None)
        result = {"items": int(sum(df.size for df in frames.values()))}
        """,
        False,
    ),
    (
        "reference: pandas.read_excel, calamine engine (values only)",
        "import pandas as pd",
        """
        frames = pd.read_excel(PATH, sheet_name=SHEETS, header=None, engine="calamine")
        result = {"items": int(sum(df.size for df in frames.values()))}
        """,
        False,
    ),
]

IMPORT_SETUP = """
import tempfile, pathlib
from burdenshare.store.db import get_engine
from burdenshare.store.facts import import_file
"""

IMPORT_WORK = """
engine = get_engine(f"sqlite:///{pathlib.Path(tempfile.mkdtemp()) / 'bench.db'}")
s = import_file(engine, PATH, source="sipri-milex-xlsx")
result = {"items": s.rows}
"""


def program(setup: str, work: str, *, traced: bool = False) -> str:
    """Code for ``run_isolated``: constants, imports, then the (optionally traced) work."""
    head = f"PATH = {str(WORKBOOK)!r}\nSHEETS = {COUNTRY_SHEETS!r}\n{textwrap.dedent(setup)}\n"
    body = textwrap.dedent(work)
    if not traced:
        return head + body
    return (
        head
        + "import tracemalloc\ntracemalloc.start()\n"
        + body
        + "\nresult['alloc_mib'] = tracemalloc.get_traced_memory()[1] / 2**20\n"
        + "tracemalloc.stop()\n"
    )


def _seconds(measurement: dict) -> float:
    return measurement["seconds"]


def measure(setup: str, work: str) -> tuple[dict, dict, dict]:
    """(cold, warm, traced) measurements of one case."""
    cold = min((run_isolated(program(setup, work)) for _ in range(3)), key=_seconds)
    warm = run_isolated(program(setup, work), repeat=3)
    traced = run_isolated(program(setup, work, traced=True))
    return cold, warm, traced


def _store_available() -> bool:
    try:
        return importlib.util.find_spec("burdenshare.store.facts") is not None
    except ModuleNotFoundError:
        return False


def main() -> None:
    measured = [(label, *measure(setup, work), flags) for label, setup, work, flags in CASES]
    ours_cold, ours_warm = measured[0][1]["seconds"], measured[0][2]["seconds"]
    rows = [
        (
            label,
            f"{cold['seconds']:.2f}",
            f"{warm['seconds']:.2f}",
            f"{cold['seconds'] / ours_cold:.1f}x",
            f"{warm['seconds'] / ours_warm:.1f}x",
            f"{cold['peak_mib']:.0f}",
            f"{traced['alloc_mib']:.0f}",
            f"{cold['flagged']:,}" if flags else "-",
        )
        for label, cold, warm, traced, flags in measured
    ]
    header = (
        "method",
        "cold s",
        "warm s",
        "cold/ours",
        "warm/ours",
        "RSS MiB",
        "alloc MiB",
        "flagged cells",
    )
    print_table(f"SIPRI workbook ({WORKBOOK.name}), 7 country sheets", rows, header)

    if not _store_available():
        print("\n(store not available: burdenshare.store.facts missing; import not timed)")
        return
    cold, warm, traced = measure(IMPORT_SETUP, IMPORT_WORK)
    print_table(
        "parse + import into a fresh SQLite file (migrations included)",
        [
            (
                "burdenshare import_file -> SQLite",
                f"{cold['seconds']:.2f}",
                f"{warm['seconds']:.2f}",
                f"{cold['peak_mib']:.0f}",
                f"{traced['alloc_mib']:.0f}",
                f"{cold['items']:,}",
                "yes" if cold["seconds"] < 3.0 else "NO",
            )
        ],
        ("method", "cold s", "warm s", "RSS MiB", "alloc MiB", "facts", "cold < 3 s"),
    )


if __name__ == "__main__":
    main()
