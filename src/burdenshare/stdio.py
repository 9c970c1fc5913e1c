"""Keep stdout for the program's own output.

C libraries write to file descriptor 1 behind Python's back (the HiGHS solver prints its
banner when a solver object is created). :func:`stdout_to_stderr` points descriptor 1 at
stderr for the duration of a block, so ``--format json|csv`` output stays exactly that.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Redirect descriptor 1 to descriptor 2 inside the block (a no-op when stdout or stderr
    is not a real file, e.g. under a test runner that captures in memory)."""
    try:
        sys.stdout.flush()
        out_fd = sys.stdout.fileno()
        err_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        out_fd = err_fd = -1
    if out_fd < 0:
        out_fd, err_fd = 1, 2  # still shield the process's real stdout from C libraries
    saved = os.dup(out_fd)
    try:
        os.dup2(err_fd, out_fd)
        yield
    finally:
        os.dup2(saved, out_fd)
        os.close(saved)
