"""Render a chart specification to SVG or PNG offline with vl-convert (no browser, no
network): the reports' figures are the dashboard's specs drawn server-side."""

from __future__ import annotations

from typing import Any

from burdenshare.charts.specs import VL_VERSION


def to_svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document (text is kept as text, so pdftotext can read labels)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)


def to_png(spec: dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``scale`` 2 for print resolution)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale)


def to_data_uri(spec: dict[str, Any]) -> str:
    """The SVG as a base64 data URI, for an ``<img>`` in a self-contained HTML page."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(to_svg(spec).encode()).decode()
