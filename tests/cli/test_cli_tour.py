"""The README's tour, command by command as written, on a fresh store.

The commands are read from the README itself (the fenced block under "A short tour"), so the
tour cannot drift from what is tested: a command added there runs here. Placeholders are
filled the obvious way (``../shared/data`` is the real data folder, ``policy list | show
NAME | validate FILE`` is three commands, ``[optional parts]`` are left out); ``data update``
needs the internet, which tests never use, so only its ``--dry-run`` parsing is skipped and
the command is listed as not run. Any non-zero exit or traceback fails the test, naming the
command.
"""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

from cli_helpers import run

README = Path(__file__).resolve().parents[2] / "README.md"
NEEDS_INTERNET = {("data", "update")}


def tour_block(text: str) -> list[str]:
    """The lines of the tour's code block that run ``burdenshare``."""
    section = text.split("## A short tour", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("burdenshare ")]


def case_file(text: str) -> str:
    """The tour's ``cases.csv``, as printed in the README."""
    return text.split("```csv", 1)[1].split("```", 1)[0].lstrip("\n")


def commands(text: str, shared_data: Path, policy_file: Path) -> list[list[str]]:
    out: list[list[str]] = []
    for line in tour_block(text):
        line = re.sub(r"\s*\[[^\]]*\]", "", line)  # optional parts
        words = shlex.split(line, comments=True)[1:]
        if words[:2] == ["policy", "list"] and "|" in words:
            out += [["policy", "list"], ["policy", "show", "eo14383"]]
            out += [["policy", "validate", str(policy_file)]]
            continue
        expanded: list[str] = []
        for w in words:
            w = w.replace("../shared/data", str(shared_data))
            expanded += sorted(glob.glob(w)) if "*" in w else [w]
        out.append(expanded)
    return out


def test_readme_tour_runs_as_written(tmp_path, shared_data, monkeypatch):
    from burdenshare.policy import builtin_text
    from burdenshare.store.db import dispose_all

    text = README.read_text("utf-8")
    monkeypatch.chdir(tmp_path)  # files the tour writes (cases.csv, metrics xlsx) land here
    (tmp_path / "cases.csv").write_text(case_file(text), encoding="utf-8")
    policy = tmp_path / "my-policy.yaml"
    policy.write_text(builtin_text("hague2035"), encoding="utf-8")
    monkeypatch.setenv("BURDENSHARE_DB", f"sqlite:///{tmp_path / 'tour.db'}")
    tour = commands(text, shared_data, policy)
    assert len(tour) >= 30 and ["cases", "schedule", "--method", "optimal"] in tour

    failures, not_run = [], []
    for args in tour:
        if tuple(args[:2]) in NEEDS_INTERNET:
            not_run.append(" ".join(args))
            continue
        result = run(*args)
        if result.code != 0 or "Traceback" in result.err + result.out:
            failures.append(f"burdenshare {' '.join(args)} -> exit {result.code}: {result.err}")
    dispose_all()
    assert not failures, "\n".join(failures)
    assert not_run == ["data update"]
    assert (tmp_path / "metrics-2026Q3.xlsx").stat().st_size > 0  # the xlsx default name
