"""The robustness benchmark still runs end to end (it calls the model's lower-level pieces,
which no other test exercises from outside the package): a small run of every part."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_robustness_benchmark_runs_every_part_at_a_small_size(shared_data):
    env = {**os.environ, "BURDENSHARE_SHARED_DATA": str(shared_data)}
    args = ["--samples", "20480", "--sobol", "256", "--loop", "3", "--repeat", "1"]
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_robustness.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "Monte Carlo, 20,480 samples" in out
    assert "identical to numpy: True" in out  # the Dask backend's count tables
    assert "identical: True" in out  # the compiled tiers against the NumPy reference
    for part in ("(a) loop over scoring.score", "(b) Sobol'", "(c) audit", "(d) convergence"):
        assert part in out
