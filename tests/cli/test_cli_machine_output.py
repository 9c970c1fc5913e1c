"""``--format json`` and ``--format csv`` write exactly that to stdout, for every command that
offers them (found by walking the app); messages go to stderr.

The HiGHS solver prints a banner on file descriptor 1 when it starts, behind Python's back;
the optimal schedule is therefore also checked in a separate process, on the real stdout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from cli_helpers import run
from commands import BASE, CASES_CSV, NETWORK, commands, fill

ALL = commands()
WITH_FORMAT = sorted(
    path
    for path, params in ALL.items()
    if any(p.name == "--format" for p in params) and path not in NETWORK
)


@pytest.fixture(scope="module")
def files(module_store, tmp_path_factory, shared_data):
    from importlib import resources

    from burdenshare.policy import builtin_text

    folder = tmp_path_factory.mktemp("cli-machine")
    cases_csv = folder / "cases.csv"
    cases_csv.write_text(CASES_CSV, encoding="utf-8")
    policy = folder / "policy.yaml"
    policy.write_text(builtin_text("eo14383"), encoding="utf-8")
    catalog = resources.files("burdenshare").joinpath("data", "catalog", "illustrative.yaml")
    data_file = shared_data / "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
    return {
        "db": module_store,
        "tmp": folder,
        "cases_csv": cases_csv,
        "policy_file": policy,
        "catalog_yaml": str(catalog),
        "data_file": data_file,
    }


def _call(path, files, fmt):
    params = {p.name for p in ALL[path]}
    db = ["--db", f"sqlite:///{files['db']}"] if "--db" in params else []
    return [*path, *fill(BASE[path], files), "--format", fmt, *db]


def _offered(result, fmt) -> bool:
    """False when the command refuses this format (by name, as every option must)."""
    return not (result.code == 2 and "--format" in result.err and f"'{fmt}'" in result.err)


def test_most_commands_offer_json():
    assert len(WITH_FORMAT) > 25


@pytest.mark.parametrize("path", WITH_FORMAT, ids=" ".join)
def test_json_parses(files, path):
    call = _call(path, files, "json")
    result = run(*call)
    if not _offered(result, "json"):
        pytest.fail(f"{' '.join(path)} has --format but no json")
    assert result.code == 0, f"{' '.join(call)}: {result.err}"
    json.loads(result.out)  # exactly one JSON document on stdout


@pytest.mark.parametrize("path", WITH_FORMAT, ids=" ".join)
def test_csv_parses_or_is_refused_by_name(files, path):
    call = _call(path, files, "csv")
    result = run(*call)
    if not _offered(result, "csv"):
        assert len(result.err.strip().splitlines()) == 1 and not result.out
        return
    assert result.code == 0, f"{' '.join(call)}: {result.err}"
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows and rows[0], f"{' '.join(path)}: empty CSV"
    widths = {len(r) for r in rows}
    assert widths == {len(rows[0])}, f"{' '.join(path)}: ragged CSV {widths}"
    assert not result.out.lstrip().startswith(("{", "[", "┏", "|")), "not CSV"


@pytest.mark.parametrize("path", WITH_FORMAT, ids=" ".join)
def test_md_is_a_table_or_refused_by_name(files, path):
    result = run(*_call(path, files, "md"))
    if not _offered(result, "md"):
        return
    assert result.code == 0, result.err
    assert "| " in result.out and "|---" in result.out.replace(" ", "")


def test_optimal_schedule_json_on_the_real_stdout(files):
    """``cases schedule --method optimal --format json`` once printed the HiGHS banner before
    the JSON; run it as a user would, in its own process."""
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [
            sys.executable, "-m", "burdenshare.cli", "cases", "schedule", "--method", "optimal",
            "--time-limit", "20", "--format", "json", "--db", f"sqlite:///{files['db']}",
        ],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["method"] == "optimal"
    assert "HiGHS" not in proc.stdout
