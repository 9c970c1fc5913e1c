"""A fast path for repeated ``GET /api/v1/partners``: the bytes the route already sent.

The partners route stores each JSON answer it builds under (store, facts fingerprint, full
request URL) (:func:`remember`). This pure-ASGI middleware answers a later identical GET from
those bytes without FastAPI's routing and query-parameter validation, which cost most of a
cached request's time. It never weakens the checks:

* only a request with ``Authorization: Bearer`` whose token was verified against the store
  within :data:`burdenshare.services.users.RECHECK_SECONDS` (the same window the route's own
  authentication uses; a revoke, disable or role change in this process clears it at once),
  and whose role holds ``read``; anything else (no token, a session cookie, a stale or
  unknown token, CSV wanted, a URL not answered before) goes down the normal route;
* the key holds the facts fingerprint (:func:`burdenshare.services.partners.facts_key`), so
  new facts miss the cache exactly as the route's own cache does;
* it sits inside the security-header and body-limit middleware, so the answer carries the same
  headers.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

PATH = "/api/v1/partners"
#: JSON answers by (store URL, facts fingerprint, request URL); at most :data:`MAX` kept.
_answers: dict[tuple, bytes] = {}
MAX = 256


def remember(engine_url: str, fingerprint: Any, url: str, body: bytes) -> None:
    """Keep the JSON ``body`` answered for ``url`` on these facts."""
    if len(_answers) >= MAX:
        _answers.pop(next(iter(_answers)), None)
    _answers[(engine_url, fingerprint, url)] = body


def recall(engine_url: str, fingerprint: Any, url: str) -> bytes | None:
    return _answers.get((engine_url, fingerprint, url))


def forget() -> None:
    _answers.clear()


class CachedPartners:
    """Answer a repeated, authenticated ``GET /api/v1/partners`` from the stored bytes."""

    def __init__(self, app, ctx) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == PATH:
            body = self._lookup(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _lookup(self, scope) -> bytes | None:
        from burdenshare.api.errors import ApiError
        from burdenshare.api.listing import wants_csv
        from burdenshare.services.partners import facts_key
        from burdenshare.services.users import recent_user

        if not _answers:
            return None
        request = Request(scope)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        user = recent_user(token)
        if user is None or not user.can("read"):
            return None
        try:
            if wants_csv(request):
                return None
        except ApiError:
            return None
        return recall(*facts_key(self.ctx.engine), str(request.url))
