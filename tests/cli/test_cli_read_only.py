"""A store that cannot be written (file or folder): every write command stops with one line
naming the file, exit code 2, the store unchanged; read commands still work.

The store is made read-only for real: ``chmod`` when the tests run as a normal user, and the
immutable attribute (``chattr +i``, which binds root too) when they run as root. Where
neither is possible (root on a file system without attributes) ``os.access`` is made to
report the file read-only, which is what the store's check consults.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, copy_store, row_counts, run
from commands import CASES_CSV

from burdenshare.store.db import dispose_all

WRITES = [
    ["cases", "generate", "--n", "1", "--seed", "9"],
    ["cases", "import", "{cases_csv}"],
    ["cases", "transition", "SYN-000010", "closed"],
    ["cases", "notify-check", "--partner", "POL", "--mde-value", "3e7", "--total-value", "9e7"],
    ["transfers", "request", "--case", "SYN-000001", "--from", "JPN", "--to", "AUS",
     "--items", "1:1", "--total-value", "10000"],
    ["transfers", "check", "--case", "SYN-000001", "--from", "JPN", "--to", "AUS",
     "--items", "1:1", "--total-value", "10000"],
    ["data", "import", "{data_file}"],
    ["users", "add", "ro-user", "--role", "viewer"],
    ["users", "revoke", "tester"],
]  # fmt: skip

#: writes that are no-ops on this store (already loaded): exit 0 and nothing written is fine
MAYBE_NOOP = [
    ["data", "starter"],
    ["monitor", "load-reported"],
    ["catalog", "import", "{catalog_yaml}"],
]

READS = [
    ["rank", "--top", "3"],
    ["cases", "list", "--limit", "3"],
    ["data", "status"],
    ["monitor", "status"],
    ["audit", "verify"],
]


@contextlib.contextmanager
def read_only(path: Path, monkeypatch):
    """Make ``path`` (a file or a folder) unwritable for this process, really if possible."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield "chmod"
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode == 0:
        try:
            yield "chattr"
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
        return
    real = os.access

    def access(p, mode, *a, **k):
        if Path(p) == path and mode & os.W_OK:
            return False
        return real(p, mode, *a, **k)

    monkeypatch.setattr(os, "access", access)
    yield "os.access"


@pytest.fixture
def files(tmp_path, shared_data):
    cases_csv = tmp_path / "cases.csv"
    cases_csv.write_text(CASES_CSV, encoding="utf-8")
    from importlib import resources

    catalog = resources.files("burdenshare").joinpath("data", "catalog", "illustrative.yaml")
    data_file = shared_data / "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
    return {"cases_csv": cases_csv, "catalog_yaml": str(catalog), "data_file": data_file}


def _fill(args, files):
    return [str(a).format(**{k: str(v) for k, v in files.items()}) for a in args]


@pytest.fixture(params=["file", "folder"])
def ro_store(request, template_store, tmp_path, monkeypatch):
    """A copy of the template store whose file (or folder) is read-only."""
    folder = tmp_path / "ro"
    db = copy_store(template_store, folder)
    target = db if request.param == "file" else folder
    dispose_all()
    with read_only(target, monkeypatch):
        yield db, request.param
    dispose_all()


def test_write_commands_refuse_in_one_line_naming_the_file(ro_store, files):
    db, kind = ro_store
    url = f"sqlite:///{db}"
    before = row_counts(db)
    for args in WRITES:
        call = [*_fill(args, files), "--db", url]
        result = run(*call)
        assert_one_line_error(result, str(db), args=call)
        assert "nothing was changed" in result.err
        assert row_counts(db) == before, f"{' '.join(call)} changed a read-only store"
    for args in MAYBE_NOOP:
        call = [*_fill(args, files), "--db", url]
        result = run(*call)
        if result.code != 0:
            assert_one_line_error(result, str(db), args=call)
        assert row_counts(db) == before


def test_read_commands_still_work(ro_store):
    db, _ = ro_store
    for args in READS:
        result = run(*args, "--db", f"sqlite:///{db}")
        assert result.code == 0, f"{args}: {result.err}"
        assert "Traceback" not in result.err


def test_sqlite_read_only_uri_is_one_line(template_store, tmp_path, files):
    """A store opened read-only by URL (SQLite's own mode=ro) gets the same one line."""
    db = copy_store(template_store, tmp_path / "uri")
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    before = row_counts(db)
    result = run("cases", "generate", "--n", "1", "--db", url)
    assert_one_line_error(result, "read", args=("cases generate", url))
    assert row_counts(db) == before
    dispose_all()
