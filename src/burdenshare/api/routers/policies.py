"""Policies: ``GET /policies``, ``GET /policies/{name}``, ``POST /policies/validate``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import Field

from burdenshare.api.auth import perm
from burdenshare.api.listing import answer
from burdenshare.api.routers._common import Body, as_json

router = APIRouter(tags=["policies"])
COLUMNS = ("name", "title", "version", "aggregation", "pillars", "indicators", "tiers")


@router.get("/policies", **perm("read", csv=True))
def list_policies(request: Request, format: Literal["json", "csv"] | None = None):
    """The built-in policies with their titles and versions."""
    from burdenshare.services import policies

    return answer(request, policies.list_policies(), columns=COLUMNS, filename="policies.csv")


@router.get("/policies/{name}", **perm("read"))
def show_policy(name: str):
    """A built-in policy as data, with each indicator's effective weight."""
    from burdenshare.services import policies

    try:
        return as_json(policies.show(name, allow_files=False))
    except Exception as exc:
        if getattr(exc, "field", None) == "policy":
            exc.field, exc.location = "name", "path"
        raise


class PolicyText(Body):
    yaml: str = Field(min_length=1, max_length=200_000, description="The policy file's text.")
    filename: str = Field("policy.yaml", max_length=200)


@router.post("/policies/validate", **perm("analyze"))
def validate_policy(body: PolicyText):
    """Check a policy's YAML; errors name the line and the field."""
    from burdenshare.errors import PolicyError
    from burdenshare.services import policies

    try:
        return policies.validate_text(body.yaml, body.filename)
    except PolicyError as exc:
        exc.field = exc.field or "yaml"
        raise
