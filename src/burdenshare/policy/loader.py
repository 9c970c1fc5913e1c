"""Load policies from YAML: built-in names or files, with errors that point at the line.

The YAML is parsed twice from the same text: once into plain data for pydantic, once into
PyYAML's node tree, whose nodes carry start marks (line, column). A pydantic error's ``loc``
(or the ``path`` a cross-field check puts in its context) is walked down that tree to the
deepest node that exists, so ``indicators.milex_gdp_pct.weight: Input should be greater
than or equal to 0`` becomes ``eo.yaml:14:13: indicators.milex_gdp_pct.weight: ...``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from burdenshare.errors import PolicyError
from burdenshare.policy.schema import Policy

_PACKAGE = "burdenshare.policy"
_POLICY_DIR = "policies"

Mark = tuple[int, int]  # 1-based line, column


def builtin_names() -> list[str]:
    """Names of the built-in policies (file stems in ``policy/policies``)."""
    folder = resources.files(_PACKAGE).joinpath(_POLICY_DIR)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    """The YAML text of a built-in policy."""
    return resources.files(_PACKAGE).joinpath(_POLICY_DIR, f"{name}.yaml").read_text("utf-8")


@lru_cache(maxsize=16)
def _builtin(name: str) -> Policy:
    return parse_policy(builtin_text(name), f"{name}.yaml (built-in)")


def load_policy(ref: str | Path | Policy) -> Policy:
    """A :class:`Policy` from a built-in name, a YAML file path, or a Policy (returned as is).

    Raises :class:`PolicyError` naming the file, line and field when validation fails, and
    for an unknown name ("did you mean ...").
    """
    if isinstance(ref, Policy):
        return ref
    text_ref = str(ref)
    if text_ref in builtin_names():
        return _builtin(text_ref)
    path = Path(text_ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise PolicyError("policy file not found", where=str(path))
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read policy file: {exc}", where=str(path)) from None
        return parse_policy(text, str(path))
    close = difflib.get_close_matches(text_ref, builtin_names(), n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise PolicyError(
        f"unknown policy {text_ref!r}{hint} (built-in: {', '.join(builtin_names())}; "
        "or give a path to a .yaml file)"
    )


def parse_policy(text: str, filename: str = "<policy>") -> Policy:
    """Validate YAML text as a policy; errors name ``filename:line:col`` and the field."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise PolicyError(f"not valid YAML: {exc.problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}", where=filename) from None
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a YAML mapping", where=f"{filename}:1:1")
    marks: dict[tuple, Mark] = {}
    key_marks: dict[tuple, Mark] = {}
    _collect(root, (), marks, key_marks, filename)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise _to_policy_error(exc, filename, marks, key_marks) from None


def _collect(node, path: tuple, marks: dict, key_marks: dict, filename: str) -> None:
    """Record each node's start mark by its path of keys/indices; reject duplicate keys."""
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for knode, vnode in node.value:
            key = knode.value
            if key in seen:
                raise PolicyError(
                    f"duplicate key {key!r}",
                    where=f"{filename}:{knode.start_mark.line + 1}:{knode.start_mark.column + 1}",
                )
            seen.add(key)
            key_marks[(*path, key)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            _collect(vnode, (*path, key), marks, key_marks, filename)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect(item, (*path, i), marks, key_marks, filename)


def _resolve(loc: tuple, marks: dict, key_marks: dict) -> tuple[tuple, Mark]:
    """The deepest YAML path along ``loc`` and its mark (union tags and the like skipped)."""
    path: tuple = ()
    mark = marks.get((), (1, 1))
    for part in loc:
        if part == "[key]":
            mark = key_marks.get(path, mark)
            continue
        cand = (*path, part if isinstance(part, int) else str(part))
        if cand in marks:
            path = cand
            mark = marks[cand]
        elif isinstance(part, str) and part.isdigit() and (*path, int(part)) in marks:
            path = (*path, int(part))
            mark = marks[path]
        else:
            # a field that is absent in the YAML (e.g. required) points at its parent
            continue
    return path, mark


def _to_policy_error(
    exc: ValidationError, filename: str, marks: dict, key_marks: dict
) -> PolicyError:
    """The first mistake as the error's message ("(+N more)"); every mistake, each naming
    its ``file:line:col`` and field, in the error's ``problems`` (``policy validate`` shows
    them all)."""
    errors = exc.errors(include_url=False)
    problems = [_problem(err, filename, marks, key_marks) for err in errors]
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    where, message = problems[0]
    error = PolicyError(f"{message}{more}", where=where)
    error.problems = [f"{w}: {m}" for w, m in problems]
    return error


def _problem(err: dict, filename: str, marks: dict, key_marks: dict) -> tuple[str, str]:
    """``(file:line:col, "field: message")`` for one validation error."""
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    if ctx.get("path"):
        loc = loc + tuple(int(p) if p.isdigit() else p for p in str(ctx["path"]).split("."))
    path, (line, col) = _resolve(loc, marks, key_marks)
    if err["type"] == "extra_forbidden" and path in key_marks:
        line, col = key_marks[path]
    field = ".".join(str(p) for p in loc if p != "[key]") or "policy"
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "union_tag_invalid":
        tag = ctx.get("tag")
        msg = f"unknown normalisation {tag!r}; expected one of {ctx.get('expected_tags')}"
    return f"{filename}:{line}:{col}", f"{field}: {msg}"


def policy_yaml(policy: Policy) -> str:
    """A policy as YAML (for ``policy show`` of a parsed file)."""
    return yaml.safe_dump(policy.model_dump(mode="json", exclude_none=True), sort_keys=False)
