"""Render a chart specification to SVG or PNG offline with vl-convert (no browser, no
network): the reports' figures are the dashboard's specs drawn server-side.

SVGs are drawn once per specification per process (a cache of recent specs: the HTML and
the PDF of one report, or a spec drawn ahead by :func:`prefetch`) on a small thread pool:
vl-convert releases the GIL while it draws, so the charts of a report render side by side,
and a batch of briefs draws the next brief's charts while WeasyPrint lays out this one."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from burdenshare.charts.specs import VL_VERSION

#: Threads drawing charts (vl-convert runs outside the GIL).
THREADS = 4
#: How many drawn (or drawing) specs are kept.
CACHE = 256

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_drawn: OrderedDict[str, Future[str]] = OrderedDict()


def _draw(key: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.loads(key), vl_version=VL_VERSION)


def _key(spec: dict[str, Any]) -> str | None:
    try:
        return json.dumps(spec, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):  # not plain JSON: drawn as given, uncached
        return None


def _future(key: str) -> Future[str]:
    global _pool
    with _lock:
        fut = _drawn.get(key)
        if fut is not None:
            _drawn.move_to_end(key)
            return fut
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="vl-convert")
        fut = _pool.submit(_draw, key)
        _drawn[key] = fut
        while len(_drawn) > CACHE:
            _drawn.popitem(last=False)
        return fut


def clear() -> None:
    """Forget the drawn charts (benchmarks: time a render from scratch)."""
    with _lock:
        _drawn.clear()


def prefetch(specs: Iterable[dict[str, Any]]) -> None:
    """Start drawing ``specs`` in the background; :func:`to_svg` of the same spec waits for
    that drawing instead of starting another."""
    for spec in specs:
        key = _key(spec)
        if key is not None:
            _future(key)


def to_svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document (text is kept as text, so pdftotext can read labels)."""
    key = _key(spec)
    if key is None:
        import vl_convert as vlc

        return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    return _future(key).result()


def to_png(spec: dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``scale`` 2 for print resolution)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale)


def to_data_uri(spec: dict[str, Any]) -> str:
    """The SVG as a base64 data URI, for an ``<img>`` in a self-contained HTML page."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(to_svg(spec).encode()).decode()


def to_data_uris(specs: Sequence[dict[str, Any]]) -> list[str]:
    """:func:`to_data_uri` of each spec, in order, the SVGs drawn side by side."""
    prefetch(specs)
    return [to_data_uri(s) for s in specs]
