"""``python -m burdenshare.cli``: the same entry point as the ``burdenshare`` script."""

import sys

from burdenshare.cli import main

sys.exit(main())
