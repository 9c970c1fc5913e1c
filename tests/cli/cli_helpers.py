"""Running the CLI in-process and judging its output, for the CLI suite.

:func:`run` calls :func:`burdenshare.cli.main` with stdout and stderr captured (the same entry
point as the ``burdenshare`` script); an exception escaping it is a traceback a user would
have seen, so it fails the test.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from burdenshare.cli import main


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run(*args: str, stdin: str = "") -> Result:
    """Run one command (``stdin`` as its standard input); return exit code, stdout, stderr."""
    import sys

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = saved
    return Result(code, out.getvalue(), err.getvalue())


def run_ok(*args: str) -> Result:
    result = run(*args)
    assert result.code == 0, f"{' '.join(map(str, args))}: exit {result.code}\n{result.err}"
    return result


def assert_one_line_error(result: Result, *needles: str, args=()) -> None:
    """Exit code 2, exactly one line on stderr starting "error:", no traceback, and each of
    ``needles`` in that line."""
    shown = " ".join(map(str, args))
    assert result.code == 2, f"{shown}: exit {result.code}\n{result.out}\n{result.err}"
    assert "Traceback" not in result.err + result.out, shown
    lines = result.err_lines
    assert len(lines) == 1, f"{shown}: expected one line on stderr, got:\n{result.err}"
    assert lines[0].startswith("error: "), f"{shown}: {lines[0]}"
    for needle in needles:
        assert needle in lines[0], f"{shown}: {needle!r} not in {lines[0]!r}"


def row_counts(db_file: Path) -> dict[str, int]:
    """Rows per table of a SQLite store (read through a read-only connection)."""
    uri = f"file:{db_file}?mode=ro&immutable=1"  # also when its folder is read-only
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def copy_store(template: Path, folder: Path, name: str = "store.db") -> Path:
    """A private copy of the store file ``template`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(template, target)
    return target
