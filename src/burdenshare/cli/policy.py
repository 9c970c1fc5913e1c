"""``burdenshare policy list | show | validate``: the built-in policies and your own."""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import echo_json

policy_app = typer.Typer(help="Scoring policies: list, show, validate.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


@policy_app.command("list")
def list_cmd(
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
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
    if fmt == "json":
        echo_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Built-in policies")
    for col in ("name", "title", "version", "pillars", "indicators", "tiers"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r["name"],
            r["title"],
            r["version"],
            ", ".join(r["pillars"]),
            str(r["indicators"]),
            r["tiers"],
        )
    Console().print(t)


@policy_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="Built-in policy name or a policy YAML file."),
    fmt: str = typer.Option("yaml", "--format", "-f", help="yaml or json"),
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
    policy = parse_policy(text, str(path))
    typer.echo(
        f"{path}: valid policy {policy.name!r} ({len(policy.indicators)} indicators, "
        f"{len(policy.pillars)} pillars, {len(policy.gates)} gates, "
        f"{policy.tiers.method} tiers)"
    )
