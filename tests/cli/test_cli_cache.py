"""The disk cache of panels and rankings: a warm start reuses them, anything they depend on
changes the key, ``BURDENSHARE_CACHE=off`` turns it off, and a broken cache only costs time."""

from __future__ import annotations

import json

import pytest
from cli_helpers import copy_store, run, run_ok

from burdenshare import cache
from burdenshare.services import partners
from burdenshare.store.db import dispose_all


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("BURDENSHARE_CACHE_DIR", str(folder))
    monkeypatch.delenv("BURDENSHARE_CACHE", raising=False)
    partners.clear_cache()  # the in-process tier: each run below is like a new process
    yield folder
    partners.clear_cache()


def _builder(calls: list):
    def build():
        calls.append(1)
        return {"value": len(calls)}

    return build


def test_a_second_process_reuses_the_value(cache_dir):
    calls: list = []
    first = cache.cached("panel", ("db", (3, 7), 2024), _builder(calls))
    again = cache.cached("panel", ("db", (3, 7), 2024), _builder(calls))
    assert first == again == {"value": 1} and len(calls) == 1
    assert len(list(cache_dir.glob("panel-*.pkl"))) == 1


def test_a_new_import_changes_the_key(cache_dir):
    calls: list = []
    cache.cached("panel", ("db", (3, 7), 2024), _builder(calls))
    value = cache.cached("panel", ("db", (4, 8), 2024), _builder(calls))
    assert value == {"value": 2} and len(calls) == 2


def test_off_switch(cache_dir, monkeypatch):
    monkeypatch.setenv("BURDENSHARE_CACHE", "off")
    calls: list = []
    cache.cached("panel", ("k",), _builder(calls))
    cache.cached("panel", ("k",), _builder(calls))
    assert len(calls) == 2 and not cache_dir.exists()


def test_a_damaged_entry_is_rebuilt(cache_dir):
    calls: list = []
    cache.cached("panel", ("k",), _builder(calls))
    (entry,) = cache_dir.glob("panel-*.pkl")
    entry.write_bytes(b"not a pickle")
    assert cache.cached("panel", ("k",), _builder(calls)) == {"value": 2}


def test_an_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("BURDENSHARE_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    calls: list = []
    assert cache.cached("panel", ("k",), _builder(calls)) == {"value": 1}


def test_rank_is_cached_and_follows_the_store(cache_dir, template_store, tmp_path, shared_data):
    """A warm rank answers from the cache; an import makes the next rank rebuild."""
    db = copy_store(template_store, tmp_path / "store")
    url = f"sqlite:///{db}"
    cold = run_ok("rank", "--format", "json", "--db", url).out
    panels = set(cache_dir.glob("panel-*.pkl"))
    assert panels and list(cache_dir.glob("rank-*.pkl"))
    partners.clear_cache()
    assert run_ok("rank", "--format", "json", "--db", url).out == cold
    assert set(cache_dir.glob("panel-*.pkl")) == panels  # nothing rebuilt
    partners.clear_cache()
    data = shared_data / "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
    run_ok("data", "import", str(data), "--db", url)
    after = json.loads(run_ok("rank", "--format", "json", "--db", url).out)
    assert set(cache_dir.glob("panel-*.pkl")) > panels  # a new panel for the new store state
    assert after and after[0]["rank"] == 1
    dispose_all()


def test_cache_off_gives_the_same_answer(cache_dir, template_store, tmp_path, monkeypatch):
    db = copy_store(template_store, tmp_path / "store")
    url = f"sqlite:///{db}"
    warm = run("rank", "--format", "csv", "--db", url)
    partners.clear_cache()
    monkeypatch.setenv("BURDENSHARE_CACHE", "off")
    cold = run("rank", "--format", "csv", "--db", url)
    assert warm.code == cold.code == 0 and warm.out == cold.out
    dispose_all()


def test_a_warm_rank_imports_neither_pandas_nor_sqlalchemy(template_store, tmp_path):
    """The finished ranking is found by the store's fingerprint read with sqlite3 and the
    policy file's text, so a warm ``rank`` skips the heavy imports (start-up under 1 s)."""
    import os
    import subprocess
    import sys

    db = copy_store(template_store, tmp_path / "store")
    env = {
        **os.environ,
        "BURDENSHARE_CACHE_DIR": str(tmp_path / "cache"),
        "BURDENSHARE_DB": f"sqlite:///{db}",
    }
    env.pop("BURDENSHARE_CACHE", None)
    probe = (
        "import sys\nfrom burdenshare.cli import main\n"
        "code = main(['rank', '--top', '5', '--format', 'json'])\n"
        "heavy = sorted(m for m in ('pandas', 'sqlalchemy', 'numpy') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\nsys.exit(code)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert "HEAVY=numpy,pandas,sqlalchemy" in runs[0].stderr  # cold: the full path
    assert "HEAVY=\n" in runs[1].stderr  # warm: none of them
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)


def test_monitor_status_is_cached_and_follows_the_store(
    cache_dir, template_store, tmp_path, shared_data
):
    """A warm ``monitor status`` answers from the cache (same JSON); an import adds a new
    entry under the new facts fingerprint instead of serving the old one."""
    db = copy_store(template_store, tmp_path / "store")
    url = f"sqlite:///{db}"
    cold = run_ok("monitor", "status", "--format", "json", "--db", url).out
    entries = set(cache_dir.glob("monitor-status-*.pkl"))
    assert len(entries) == 1
    partners.clear_cache()
    assert run_ok("monitor", "status", "--format", "json", "--db", url).out == cold
    assert set(cache_dir.glob("monitor-status-*.pkl")) == entries  # nothing rebuilt
    partners.clear_cache()
    data = shared_data / "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
    run_ok("data", "import", str(data), "--db", url)
    run_ok("monitor", "status", "--format", "json", "--db", url)
    assert set(cache_dir.glob("monitor-status-*.pkl")) > entries
    dispose_all()


@pytest.mark.parametrize("order", [[1, 2, 3, 4, 5], [2, 1, 3, 5, 4], [5, 4, 3, 2, 1]])
def test_queue_kendall_tau_is_scipys_and_keyed_by_the_orders(cache_dir, order):
    """The queue summary's tau is scipy's, from the cache or not; each pair of orders has its
    own entry, so a changed queue (a case written) never meets another queue's value."""
    import numpy as np
    from scipy.stats import kendalltau

    from burdenshare.cases.queue import _kendall_tau

    fcfs = np.arange(1, 6)
    want = float(kendalltau(np.array(order), fcfs).statistic)
    assert _kendall_tau(np.array(order), fcfs) == want  # computed and stored
    assert _kendall_tau(np.array(order), fcfs) == want  # read back
    (entry,) = cache_dir.glob("kendall-*.pkl")
    _kendall_tau(np.array(order[::-1]), fcfs)
    assert len(list(cache_dir.glob("kendall-*.pkl"))) == 2
    assert entry.exists()
