"""Validated names shared by the policy schema and its fast-lane section: one home for the
rule that a group named in a policy must be one the panel knows."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from burdenshare.panel import GROUPS


def member_of(known: tuple[str, ...], kind: str, name: str) -> str:
    """``name`` if it is one of ``known``, else a validation error (``unknown_<kind>``)
    listing them: the rule every name a policy file refers to follows."""
    if name not in known:
        raise PydanticCustomError(
            f"unknown_{kind}",
            "unknown " + kind + " '{name}'; known " + kind + "s: {known}",
            {"name": name, "known": ", ".join(known)},
        )
    return name


def known_group(name: str) -> str:
    """``name`` if the panel knows the group, else a validation error listing the known ones."""
    return member_of(tuple(GROUPS), "group", name)


GroupName = Annotated[str, AfterValidator(known_group)]
