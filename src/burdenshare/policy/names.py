"""Validated names shared by the policy schema and its fast-lane section: one home for the
rule that a group named in a policy must be one the panel knows."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from burdenshare.panel import GROUPS


def known_group(name: str) -> str:
    """``name`` if the panel knows the group, else a validation error listing the known ones."""
    if name not in GROUPS:
        raise PydanticCustomError(
            "unknown_group",
            "unknown group '{name}'; known groups: {known}",
            {"name": name, "known": ", ".join(GROUPS)},
        )
    return name


GroupName = Annotated[str, AfterValidator(known_group)]
