"""A disk cache for results computed from the store: panels and rankings, between processes.

Every CLI command is a new process, so an in-memory cache does not help ``burdenshare rank``
run twice. Results are pickled under the user cache directory, keyed by everything they are
computed from:

- the store's state, given by the caller (:func:`burdenshare.store.fingerprint.facts_fingerprint`
  with the database URL: every import, and so every replacement, changes it);
- the code and package data (:func:`code_state`: the newest modification time and number of
  the package's files), so an upgrade or an edited rule file never meets a stale entry;
- the caller's own key parts (year, vintage, the policy's content hash, ...).

``BURDENSHARE_CACHE=off`` (or ``0``, ``false``, ``no``) disables it; ``BURDENSHARE_CACHE_DIR``
moves it. A cache that cannot be read or written is ignored: it only ever saves time, and it
never writes to the store (a read-only store stays readable and fast).
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import os
import pickle
from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")


def _mappingproxy(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


def _reduce_mappingproxy(m: MappingProxyType) -> tuple:
    return _mappingproxy, (dict(m),)


# Panels keep read-only views (MappingProxyType), which pickle cannot store by default.
copyreg.pickle(MappingProxyType, _reduce_mappingproxy)

ENV_SWITCH = "BURDENSHARE_CACHE"
ENV_DIR = "BURDENSHARE_CACHE_DIR"
#: Entries kept per kind (panel, rank, ...); the least recently used beyond are removed.
MAX_ENTRIES = 16


def enabled() -> bool:
    """False when ``$BURDENSHARE_CACHE`` says off."""
    return os.environ.get(ENV_SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def cache_dir() -> Path:
    """``$BURDENSHARE_CACHE_DIR``, else the user cache directory (platformdirs)."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("burdenshare"))


@lru_cache(maxsize=1)
def code_state() -> str:
    """The newest modification time and number of the package's own files (code and data)."""
    root = Path(__file__).resolve().parent
    newest, count = 0, 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            try:
                newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime_ns)
            except OSError:
                continue
            count += 1
    return f"{newest}:{count}"


def _path(kind: str, key: Hashable) -> Path:
    digest = hashlib.sha256(repr((kind, code_state(), key)).encode("utf-8")).hexdigest()[:32]
    return cache_dir() / f"{kind}-{digest}.pkl"


def cached(kind: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s value for ``key``, from disk when an earlier process computed it.

    ``key`` must contain everything the value depends on besides the code (the store's
    fingerprint, the policy's hash, ...); its ``repr`` is hashed.
    """
    if not enabled():
        return build()
    path = _path(kind, key)
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)
        os.utime(path)  # mark as recently used
        return value
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged or foreign entry: rebuild and replace it
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    value = build()
    _store(path, value)
    return value


def _store(path: Path, value: Any) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pkl", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(path.parent, path.name.split("-", 1)[0])
    except Exception:  # noqa: BLE001 - an unwritable cache only costs time
        return


def _prune(folder: Path, kind: str) -> None:
    entries = sorted(folder.glob(f"{kind}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)


def clear() -> int:
    """Remove every cache entry; the number removed."""
    folder = cache_dir()
    n = 0
    for p in folder.glob("*.pkl"):
        p.unlink(missing_ok=True)
        n += 1
    return n
