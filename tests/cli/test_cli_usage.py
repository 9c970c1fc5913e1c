"""Usage mistakes of every command end in one line and exit code 2 with the installed Typer.

Typer >= 0.22 raises its own copy of click's exceptions (``typer._click``), which the error
handler once let escape as a traceback; these tests run on whatever Typer is installed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from cli_helpers import assert_one_line_error, run
from commands import commands

ALL = commands()
GROUPS = sorted({path[0] for path in ALL if len(path) > 1})
REQUIRED = sorted(path for path, params in ALL.items() if any(p.required for p in params))


def test_plain_burdenshare_shows_help_and_one_error_line():
    result = run()
    assert_one_line_error(result, "needs a command", "rank")
    assert "Usage" in result.out  # the help is printed for the user


@pytest.mark.parametrize("group", GROUPS)
def test_group_without_command(group):
    result = run(group)
    assert_one_line_error(result, "needs a command", f"{group} --help")


def test_unknown_command():
    assert_one_line_error(run("frobnicate"), "No such command", "frobnicate")


@pytest.mark.parametrize("path", sorted(ALL), ids=" ".join)
def test_unknown_option(path):
    assert_one_line_error(run(*path, "--no-such-option"), "--no-such-option")


@pytest.mark.parametrize("path", REQUIRED, ids=" ".join)
def test_missing_required_argument(path):
    assert_one_line_error(run(*path), "Missing")


@pytest.mark.parametrize("path", sorted(ALL), ids=" ".join)
def test_help_of_every_command(path):
    result = run(*path, "--help")
    assert result.code == 0 and "Usage" in result.out and not result.err


def test_every_option_has_a_description():
    """``transfers check --help`` once listed options with no word of explanation."""
    root = typer.main.get_command(__import__("burdenshare.cli").cli.app)
    missing = []

    def walk(cmd, path):
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, (*path, name))
        if not getattr(cmd, "commands", None):
            for p in cmd.params:
                is_option = bool(p.opts) and p.opts[0].startswith("-")
                if is_option and not (getattr(p, "help", None) or "").strip():
                    missing.append(f"{' '.join(path)} {p.opts[0]}")

    walk(root, ())
    assert not missing, f"options without a description: {missing}"


def test_typed_option_errors_name_the_option():
    assert_one_line_error(run("rank", "--year", "abc"), "--year")
    assert_one_line_error(run("rank", "--format", "xml"), "--format", "xml")


def test_python_dash_m_is_the_same_entry_point(tmp_path):
    """``python -m burdenshare.cli`` runs the CLI (a __main__ module) with the same handler."""
    proc = subprocess.run(
        [sys.executable, "-m", "burdenshare.cli", "rank", "--year", "abc"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "--year" in proc.stderr
