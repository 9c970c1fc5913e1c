"""Every command of the CLI, found by walking the Typer app, and a valid call of each.

:data:`BASE` holds, for every command, arguments that make a valid call on the suite's store
(placeholders in braces are filled by :func:`fill`). A test checks that it names every
command, so a new command cannot escape the bad-input and machine-output suites.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from burdenshare.cli import app

CASES_CSV = (
    "case_id,partner,request_date,mde_value,total_value,item_description,item_quantity,"
    "item_value\nT-1,POL,2025-01-02,1000000,2000000,Radios,10,2000000\n"
)

#: command path -> arguments of a valid call (``{db}`` is added by the suite)
BASE: dict[tuple[str, ...], list[str]] = {
    ("audit", "log"): [],
    ("audit", "verify"): [],
    ("cases", "generate"): ["--n", "1", "--seed", "9"],
    ("cases", "import"): ["{cases_csv}"],
    ("cases", "list"): [],
    ("cases", "notify-check"): [
        "--partner", "POL", "--mde-value", "30000000", "--total-value", "90000000",
    ],
    ("cases", "notify-compare"): [],
    ("cases", "queue"): [],
    ("cases", "schedule"): [],
    ("cases", "show"): ["SYN-000002"],
    ("cases", "transition"): ["SYN-000010", "closed"],
    ("catalog", "import"): ["{catalog_yaml}"],
    ("catalog", "show"): [],
    ("compare",): ["eo14383", "hague2035"],
    ("countries", "resolve"): ["POL", "Japan"],
    ("countries", "show"): ["POL"],
    ("data", "import"): ["{data_file}"],
    ("data", "sources"): [],
    ("data", "starter"): [],
    ("data", "status"): [],
    ("data", "update"): ["--dry-run"],
    ("eeum", "list"): [],
    ("eeum", "workload"): ["--quarter", "2026Q3"],
    ("explain",): ["JPN", "--robustness", "0"],
    ("metrics", "quarterly"): ["--quarter", "2026Q3"],
    ("monitor", "crossings"): [],
    ("monitor", "load-reported"): [],
    ("monitor", "project"): [],
    ("monitor", "status"): [],
    ("monitor", "tiers"): ["--from-vintage", "2024-06-17", "--to-vintage", "2025-08"],
    ("policy", "list"): [],
    ("policy", "show"): ["eo14383"],
    ("policy", "validate"): ["{policy_file}"],
    ("rank",): [],
    ("robustness",): ["--samples", "200", "--sobol-samples", "0"],
    ("transfers", "check"): [
        "--case", "SYN-000001", "--from", "JPN", "--to", "AUS", "--items", "1:1",
        "--total-value", "10000",
    ],
    ("transfers", "request"): [
        "--case", "SYN-000001", "--from", "JPN", "--to", "AUS", "--items", "1:1",
        "--total-value", "10000",
    ],
    ("transfers", "show"): ["TR-000001"],
    ("whatif",): ["ESP", "--set", "milex_gdp_pct=2.1"],
    ("serve",): [],
    ("users", "add"): ["newcomer", "--role", "viewer"],
    ("users", "list"): [],
    ("users", "set-role"): ["tester", "viewer"],
    ("users", "disable"): ["tester"],
    ("users", "enable"): ["tester"],
    ("users", "token"): ["tester"],
    ("users", "revoke"): ["tester"],
    ("users", "password"): ["tester", "--password-stdin"],
}  # fmt: skip

#: commands that reach the network or serve on it (only checked where parsing fails first)
NETWORK = {("data", "update"), ("serve",)}


@dataclass(frozen=True)
class Param:
    """One option or argument of a command."""

    name: str  # "--as-of", or the argument's name
    is_option: bool
    py_type: object
    required: bool
    is_flag: bool


def commands() -> dict[tuple[str, ...], list[Param]]:
    """Every leaf command of the app with its parameters."""
    root = typer.main.get_command(app)
    found: dict[tuple[str, ...], list[Param]] = {}

    def walk(cmd, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
            return
        params = []
        for p in cmd.params:
            opts = list(getattr(p, "opts", []) or [])
            is_option = bool(opts) and opts[0].startswith("-")
            long = next((o for o in opts if o.startswith("--")), opts[0] if opts else p.name)
            params.append(
                Param(
                    name=long if is_option else p.name,
                    is_option=is_option,
                    py_type=_number_type(p),
                    required=bool(p.required),
                    is_flag=bool(getattr(p, "is_flag", False)),
                )
            )
        found[path] = params

    walk(root, ())
    return found


def _number_type(param) -> type | None:
    """int or float when the parameter takes numbers (also lists/tuples of them), else None.

    Typer >= 0.22 describes the declared type by ``bare_type()``; older releases by click's
    ``param.type``."""
    bare = getattr(param, "bare_type", None)
    text = str(bare() if callable(bare) else getattr(getattr(param, "type", None), "name", ""))
    for name, kind in (("float", float), ("int", int), ("integer", int)):
        if text == name or f"[{name}" in text or f" {name}" in text or f"{name}]" in text:
            return kind
    return None


def fill(args: list[str], files: dict[str, Path]) -> list[str]:
    """``args`` with ``{name}`` placeholders replaced by the suite's files."""
    return [a.format(**{k: str(v) for k, v in files.items()}) for a in args]


def with_option(args: list[str], option: str, value: str) -> list[str]:
    """``args`` with ``option`` set to ``value`` (replaced if present, else appended)."""
    out = list(args)
    if option in out:
        i = out.index(option)
        out[i + 1] = value
        return out
    return [*out, option, value]
