"""Small helpers the routers share: the engine, request models' base, meta."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict


def engine(request: Request):
    return request.app.state.ctx.engine


class Body(BaseModel):
    """Request bodies refuse unknown fields (a typo is an error naming the field)."""

    model_config = ConfigDict(extra="forbid")


def field_in(exc, location: str):
    """Tag a service error with where its field lives (``query``, ``body``, ``path``)."""
    exc.location = location
    return exc


def as_json(obj: Any) -> Any:
    from burdenshare.services._json import jsonable

    return jsonable(obj)
