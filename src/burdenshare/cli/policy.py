"""``burdenshare policy list | show | validate``: the built-in policies and your own."""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import FORMAT_OPTION, OutputFormat, echo_json, format_option, render

policy_app = typer.Typer(help="Scoring policies: list, show, validate.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


@policy_app.command("list")
def list_cmd(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """The built-in policies with their titles and versions."""
    from burdenshare.policy import builtin_names, load_policy

    rows = []
    for name in builtin_names():
        p = load_policy(name)
        rows.append(
            {
                "name": p.name,
                "title": p.title,
                "version": p.version,
                "aggregation": p.aggregation,
                "pillars": list(p.pillars),
                "indicators": len(p.indicators),
                "tiers": p.tiers.method,
            }
        )
    render(
        rows,
        fmt,
        columns=["name", "title", "version", "aggregation", "pillars", "indicators", "tiers"],
        title="Built-in policies",
    )


@policy_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="Built-in policy name or a policy YAML file."),
    fmt: str = format_option("yaml", "json", default="yaml"),
) -> None:
    """Print a policy (the built-in YAML with its comments, or a file as parsed)."""
    from burdenshare.policy import builtin_names, builtin_text, load_policy
    from burdenshare.scoring import effective_weights

    policy = load_policy(name)
    if fmt == "json":
        data = policy.model_dump(mode="json")
        data["effective_weights"] = dict(
            zip(policy.indicators, effective_weights(policy).tolist(), strict=True)
        )
        echo_json(data)
        return
    if name in builtin_names():
        typer.echo(builtin_text(name), nl=False)
    else:
        from burdenshare.policy.loader import policy_yaml

        typer.echo(policy_yaml(policy), nl=False)


@policy_app.command("validate")
def validate_cmd(
    path: Path = typer.Argument(..., help="Policy YAML file."),
) -> None:
    """Check a policy file; errors name the file, line and field (exit code 2)."""
    from burdenshare.errors import PolicyError
    from burdenshare.policy import parse_policy

    if not path.is_file():
        raise PolicyError("policy file not found", where=str(path))
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy file: {exc}", where=str(path)) from None
    try:
        policy = parse_policy(text, str(path))
    except PolicyError as exc:
        problems = getattr(exc, "problems", None) or []
        if len(problems) > 1:  # every mistake on its own line, then the one-line verdict
            from rich.console import Console
            from rich.markup import escape

            err = Console(stderr=True, soft_wrap=True, highlight=False)
            for line in sorted(problems, key=_line_col):
                err.print(f"  {escape(line)}")
            raise PolicyError(
                f"{len(problems)} mistakes (listed above); the policy is not valid",
                where=str(path),
            ) from None
        raise
    typer.echo(
        f"{path}: valid policy {policy.name!r} ({len(policy.indicators)} indicators, "
        f"{len(policy.pillars)} pillars, {len(policy.gates)} gates, "
        f"{policy.tiers.method} tiers)"
    )


def _line_col(problem: str) -> tuple[int, int]:
    """(line, column) of a ``file:line:col: ...`` problem, to list mistakes in file order."""
    import re

    m = re.search(r":(\d+):(\d+): ", problem)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)
