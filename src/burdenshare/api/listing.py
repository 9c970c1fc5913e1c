"""Lists as JSON or CSV with the same rows: ``{"data": [...], "next": URL|null, "meta": {...}}``
or, with ``?format=csv`` or ``Accept: text/csv``, a streamed CSV of ``data``. Cursors are
opaque strings (base64 of an offset, a case id or an audit sequence number)."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from burdenshare.api.errors import ApiError
from burdenshare.services._json import jsonable


def wants_csv(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt is not None:
        f = fmt.lower()
        if f not in ("json", "csv"):
            raise ApiError(422, f"expected json or csv, got {fmt!r}", field="format", where="query")
        return f == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> Any:
    if text is None:
        return None
    try:
        pad = "=" * (-len(text) % 4)
        return json.loads(base64.urlsafe_b64decode(text + pad).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "not a cursor from this API", field="cursor", where="query") from None


def next_url(request: Request, cursor: Any) -> str | None:
    if cursor is None:
        return None
    return str(request.url.include_query_params(cursor=encode_cursor(cursor)))


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "|".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True)
    return v


def csv_stream(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterable[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    yield buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow([_cell(row.get(c)) for c in columns])
        yield buf.getvalue()


def answer(
    request: Request,
    rows: list[dict[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    meta: dict[str, Any] | None = None,
    cursor: Any = None,
    filename: str = "data.csv",
) -> Response:
    """The list as JSON (envelope) or CSV (same rows), by ``?format=`` or ``Accept``."""
    if wants_csv(request):
        cols = list(columns or (rows[0].keys() if rows else []))
        return StreamingResponse(
            csv_stream(rows, cols),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    payload = {"data": jsonable(rows), "next": next_url(request, cursor), "meta": meta or {}}
    return Response(
        json.dumps(payload, allow_nan=False, separators=(",", ":")),
        media_type="application/json",
    )


def page(rows: list[dict[str, Any]], cursor: str | None, limit: int) -> tuple[list, Any]:
    """An offset page of an in-memory list: (rows, next offset or None)."""
    start = decode_cursor(cursor) or 0
    if not isinstance(start, int) or start < 0:
        raise ApiError(422, "not a cursor from this API", field="cursor", where="query")
    end = start + limit
    return rows[start:end], (end if end < len(rows) else None)
