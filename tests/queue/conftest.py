"""Queue/schedule test setup.

Under ``--import-mode=importlib`` pytest does not put test folders on ``sys.path``; the plain
helper module ``queue_helpers.py`` next to these tests is made importable here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
