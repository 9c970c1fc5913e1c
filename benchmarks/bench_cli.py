"""CLI start-up and warm speed: each command as a user runs it, a new process every time.

On a store holding the full official import (built here from ../shared/data), every command is
timed cold (``BURDENSHARE_CACHE=off``: facts read, panel built, policy scored) and warm (the
disk cache filled by an earlier run), in the same run, next to ``burdenshare --help`` (the
floor: interpreter, Typer, the command table). Figures are the best of a few runs, wall time
and CPU time of the child process (CPU time is what a loaded machine does not inflate).

    python benchmarks/bench_cli.py [--repeat 3] [--db sqlite:///existing.db]

Recorded 2026-12-07 (best of 2, warm wall / warm CPU seconds, full store + 500 synthetic cases,
loaded 2-core machine), before -> after caching monitor status and tiers by the facts
fingerprint (+ policy hash) and the queue's Kendall tau by the two orders (no scipy.stats):

    metrics quarterly --quarter 2026Q3      1.16 / 1.26  ->  1.06 / 1.16   (unchanged code path)
    cases queue                             2.07 / 2.28  ->  1.73 / 1.83
    cases schedule                          1.93 / 2.14  ->  1.48 / 1.58
    monitor status                          1.51 / 1.61  ->  0.98 / 1.09
    monitor tiers 2024-06-17 -> 2025-08     5.17 / 5.27  ->  0.85 / 0.95
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import REPO, SHARED, print_table

COMMANDS: list[list[str]] = [
    ["rank", "--top", "20"],
    ["rank", "--format", "json"],
    ["explain", "JPN"],  # with its robustness line (10,000 samples)
    ["whatif", "ESP", "--set", "milex_gdp_pct=2.1"],
    ["compare", "eo14383", "hague2035"],
    ["metrics", "quarterly", "--quarter", "2026Q3"],
    ["cases", "queue"],  # 500 synthetic cases
    ["cases", "schedule"],
    ["monitor", "status"],
    ["monitor", "tiers", "--from-vintage", "2024-06-17", "--to-vintage", "2025-08"],
]


def _env(db: str, cache_dir: str, cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BURDENSHARE_DB=db,
        BURDENSHARE_CACHE_DIR=cache_dir,
        BURDENSHARE_CACHE="on" if cache else "off",
        PYTHONPATH=str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        COLUMNS="160",
    )
    return env


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m burdenshare.cli ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "burdenshare.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {proc.returncode}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(args: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    runs = [run_once(args, env) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def full_store(folder: Path) -> str:
    """A SQLite store with every official file in ../shared/data imported, NATO's 2025
    releases as reported, and 500 synthetic cases (for the queue, schedule and metrics)."""
    db = f"sqlite:///{folder / 'bench.db'}"
    files = sorted(glob.glob(str(SHARED / "*.xlsx")) + glob.glob(str(SHARED / "*.csv")))
    env = _env(db, str(folder / "cache"), cache=False)
    subprocess.run(
        [sys.executable, "-m", "burdenshare.cli", "data", "import", *files],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    subprocess.run(
        [sys.executable, "-m", "burdenshare.cli", "monitor", "load-reported"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    subprocess.run(
        [sys.executable, "-m", "burdenshare.cli", "cases", "generate", "--n", "500", "--seed", "7"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="an existing store (default: build one from ../shared/data)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        db = opts.db or full_store(folder)
        cache_dir = str(folder / "cache")
        cold_env, warm_env = _env(db, cache_dir, False), _env(db, cache_dir, True)
        floor = best(["--help"], warm_env, opts.repeat)
        rows = [("--help (floor)", f"{floor[0]:.2f}", f"{floor[1]:.2f}", "", "", "", "")]
        for args in COMMANDS:
            cold = best(args, cold_env, opts.repeat)
            run_once(args, warm_env)  # fill the cache
            warm = best(args, warm_env, opts.repeat)
            rows.append(
                (
                    " ".join(args),
                    f"{cold[0]:.2f}",
                    f"{cold[1]:.2f}",
                    f"{warm[0]:.2f}",
                    f"{warm[1]:.2f}",
                    f"{warm[0] / cold[0]:.2f}",
                    "yes" if warm[0] < 1.0 else "no",
                )
            )
    print_table(
        f"CLI commands, new process each, best of {opts.repeat} (seconds; full official store)",
        rows,
        ("command", "cold wall", "cold cpu", "warm wall", "warm cpu", "warm/cold", "< 1 s"),
    )


if __name__ == "__main__":
    main()
