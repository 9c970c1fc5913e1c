"""Timing helpers shared by the benchmarks: wall time and peak memory of a call, measured in a
fresh subprocess so one measurement's caches and allocations do not leak into the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BURDENSHARE_SHARED_DATA") or REPO.parent / "shared" / "data")


def run_isolated(code: str, *, repeat: int = 1) -> dict:
    """Run ``code`` (which must set ``result`` to a dict) in a new interpreter.

    Returns the best wall time of ``repeat`` runs in seconds (``seconds``), the peak resident
    memory of the process in MiB (``peak_mib``) and whatever the code put in ``result``.
    """
    wrapper = textwrap.dedent(
        """
        import json, resource, time
        best = None
        for _ in range({repeat}):
            start = time.perf_counter()
        {body}
            took = time.perf_counter() - start
            best = took if best is None else min(best, took)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("@@" + json.dumps({{"seconds": best, "peak_mib": peak, **result}}))
        """
    ).format(repeat=repeat, body=textwrap.indent(textwrap.dedent(code), "    "))
    out = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, cwd=REPO, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    line = next(x for x in out.stdout.splitlines() if x.startswith("@@"))
    return json.loads(line[2:])


def print_table(title: str, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    """A plain aligned table on stdout."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
