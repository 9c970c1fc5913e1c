"""The web dashboard: server-rendered pages (Jinja2) with charts rendered by the vendored
Vega-Lite, served by the API's FastAPI app from the same process and the same service layer.

:func:`mount_dashboard` adds the pages and the static files (``/static``) to an app; the API's
``create_app`` calls it. Everything the browser loads is served locally: see
``static/vendor/VENDORED.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


def mount_dashboard(app: FastAPI) -> None:
    """Serve the dashboard pages and their static assets from ``app``."""
    from fastapi.staticfiles import StaticFiles

    from burdenshare.web import cases_pages, pages, signin

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, cases_pages, signin):
        app.include_router(module.router)
