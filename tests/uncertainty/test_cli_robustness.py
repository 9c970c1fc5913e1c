"""``burdenshare robustness`` end to end on the starter snapshot in a real SQLite store."""

from __future__ import annotations

import json

import pytest

from burdenshare.cli import main


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('rob') / 'store.db'}"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["robustness", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_and_plot(db, capsys, tmp_path):
    plot = tmp_path / "ranks.png"
    code, out, err = _run(
        capsys,
        "--db",
        db,
        "--samples",
        "3000",
        "--sobol-samples",
        "64",
        "--seed",
        "5",
        "--format",
        "json",
        "--plot",
        str(plot),
    )
    assert code == 0, err
    doc = json.loads(out)  # nothing but the document on stdout (progress is on stderr)
    assert doc["samples"] == 3000 and doc["settings"]["policy"] == "eo14383"
    assert len(doc["countries"]) >= 60
    first = doc["countries"][0]
    assert {"iso3", "rank_median", "rank_p05", "rank_p95", "tier_probabilities"} <= set(first)
    assert set(doc["sobol"]) == set(doc["varied"])
    assert {"S1", "ST", "S1_ci", "ST_ci"} <= set(doc["sobol"]["weights"])
    assert plot.read_bytes()[:4] == b"\x89PNG"
    # same seed, same document
    code, out2, _ = _run(
        capsys,
        "--db",
        db,
        "--samples",
        "3000",
        "--sobol-samples",
        "64",
        "--seed",
        "5",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out2)["countries"] == doc["countries"]


def test_dask_backend_gives_the_same_numbers(db, capsys):
    args = [
        "--db",
        db,
        "--samples",
        "2500",
        "--sobol-samples",
        "32",
        "--format",
        "json",
        "--vary",
        "weights,aggregation",
    ]
    code, ref, err = _run(capsys, *args)
    assert code == 0, err
    code, got, err = _run(
        capsys, *args, "--backend", "dask", "--workers", "2", "--chunk-size", "1024"
    )
    assert code == 0, err
    a, b = json.loads(ref), json.loads(got)
    assert a["countries"] == b["countries"] and a["sobol"] == b["sobol"]
    assert b["settings"]["backend"] == "dask"


def test_table_output(db, capsys):
    code, out, err = _run(
        capsys,
        "--db",
        db,
        "--samples",
        "1000",
        "--sobol-samples",
        "0",
        "--vary",
        "weights",
        "--top",
        "5",
    )
    assert code == 0, err
    assert "Robustness of eo14383" in out and "POL" in out
    assert "Sobol" not in out  # --sobol-samples 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "0"], "--samples: must be a positive number"),
        (["--samples", "-5"], "--samples"),
        (["--sobol-samples", "1"], "--sobol-samples"),
        (["--estimate-spread", "1.5"], "--estimate-spread: spread must be in [0, 1]"),
        (["--uncertain-spread", "-0.2"], "--uncertain-spread"),
        (["--vary", "weights,colour"], "--vary: unknown assumption 'colour'"),
        (["--concentration", "0"], "--concentration"),
        (["--plot", "ranks.pdf"], "the file name must end in .png or .svg"),
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler needs --backend dask"),
        (["--policy", "bogus"], "unknown policy 'bogus'"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(db, capsys, args, message):
    code, out, err = _run(capsys, "--db", db, *args)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err + out
    # one line: no blank line left before it by a progress bar (shown on a terminal only)
    assert err.startswith("error: ") and err.count("\n") == 1 and out == ""


def test_unreachable_scheduler_exit_2(db, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = _run(
        capsys, "--db", db, "--backend", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"
    )
    assert code == 2
    assert "cannot reach the Dask scheduler" in " ".join(err.split())
    assert "Traceback" not in err
