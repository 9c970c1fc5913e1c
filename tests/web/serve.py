"""Run the real app (API + dashboard) on loopback for the browser tests.

``python tests/web/serve.py PORT``; the store and settings come from the environment
(``BURDENSHARE_DB``, ``BURDENSHARE_SECRET_KEY``, ``BURDENSHARE_PUBLIC_READ``), as for
``burdenshare serve``.
"""

from __future__ import annotations

import sys

import uvicorn


def main() -> None:
    from burdenshare.api.app import create_app

    uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
