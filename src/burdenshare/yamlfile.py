"""Read a small YAML rule file into a pydantic model, errors naming the file and line or field.

The dated rule files (the queue key, the fast lane's expedite targets) are all read the same
way: YAML first (a syntax error names the line), then the model (a bad value names its field).
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from burdenshare.errors import PolicyError

M = TypeVar("M", bound=BaseModel)


def load_model(text: str, source: str, model: type[M]) -> M:
    """Parse ``text`` (YAML) from ``source`` and validate it as ``model``.

    Raises PolicyError naming ``source`` and the line (bad YAML) or the field (bad value)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark else source
        raise PolicyError("not valid YAML", where=where) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld = ".".join(str(p) for p in err["loc"])
        raise PolicyError(
            err["msg"].removeprefix("Value error, "), where=f"{source}, field {fld!r}"
        ) from None
