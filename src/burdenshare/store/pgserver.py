"""A throwaway PostgreSQL server for the store's tests and the benchmarks.

``with throwaway_postgres() as url:`` runs ``initdb`` in a temporary folder, starts the
server on a free local port (as the ``postgres`` user via ``runuser`` when run as root,
since PostgreSQL refuses to run as root), yields its SQLAlchemy URL and stops and removes
it afterwards. Only the loopback address is used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def pg_bin() -> Path:
    """The folder of the newest installed PostgreSQL server binaries."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries not found (install postgresql)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres(max_connections: int = 60) -> Iterator[str]:
    """Start a temporary PostgreSQL server; yield ``postgresql+psycopg://...`` for it."""
    bindir = pg_bin()
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="bs-pg-"))
    datadir = tmp / "data"
    port = free_port()
    prefix: list[str] = []
    if root:
        shutil.chown(tmp, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    env = dict(os.environ, LC_ALL="C")
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = (
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
        f"-c max_connections={max_connections}"
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            opts,
            "-l",
            str(tmp / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
        )
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)
