"""``burdenshare users add|list|set-role|disable|enable|token|revoke|password``.

Local administration of the service's users (the API's admin routes do the same). ``add``
and ``token`` print the new API token once, as the last line of stdout; only its argon2 hash
is stored. Changes are audited with the local actor (``local:NAME``).
"""

from __future__ import annotations

import typer

from burdenshare.cli.common import DB_OPTION, echo_json, format_option

users_app = typer.Typer(help="Users of the API: roles, tokens, passwords.", no_args_is_help=True)
ACTOR_OPTION = typer.Option(
    None, "--actor", envvar="BURDENSHARE_USER", help="Who acts (audit log; default $USER)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _engine(db: str | None):
    from burdenshare.store.db import get_engine

    return get_engine(db)


def _actor(actor: str | None) -> str:
    from burdenshare.services.audit import local_actor

    return local_actor(actor)


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    import sys

    return sys.stdin.readline().rstrip("\n")


@users_app.command("add")
def add_cmd(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(
        ..., "--role", help="viewer, analyst, case_officer, oversight or admin."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a dashboard password from stdin (one line)."
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Add a user; prints the API token once, as the last line."""
    from burdenshare.services import users

    token = users.add_user(
        _engine(db), name, role, actor=_actor(actor), password=_password(password_stdin)
    )
    typer.echo(f"added {name} ({users.check_role(role)}); API token (shown once):", err=True)
    typer.echo(token)


@users_app.command("list")
def list_cmd(
    db: str | None = DB_OPTION,
    fmt: str = format_option("table", "json"),
) -> None:
    """Users with role, state and number of live tokens."""
    from burdenshare.services import users

    rows = users.list_users(_engine(db))
    if fmt == "json":
        echo_json(rows)
        return
    for r in rows:
        state = "disabled" if r["disabled"] else "active"
        typer.echo(f"{r['name']:<20} {r['role']:<13} {state:<9} {r['tokens']} token(s)")


@users_app.command("set-role")
def set_role_cmd(
    name: str = typer.Argument(...),
    role: str = typer.Argument(..., help="viewer, analyst, case_officer, oversight or admin."),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Change a user's role."""
    from burdenshare.services import users

    users.set_role(_engine(db), name, role, actor=_actor(actor))
    typer.echo(f"{name}: role {users.check_role(role)}")


@users_app.command("disable")
def disable_cmd(
    name: str = typer.Argument(...), db: str | None = DB_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """Disable a user: every token and session is refused."""
    from burdenshare.services import users

    users.set_disabled(_engine(db), name, True, actor=_actor(actor))
    typer.echo(f"{name}: disabled")


@users_app.command("enable")
def enable_cmd(
    name: str = typer.Argument(...), db: str | None = DB_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """Enable a disabled user again."""
    from burdenshare.services import users

    users.set_disabled(_engine(db), name, False, actor=_actor(actor))
    typer.echo(f"{name}: enabled")


@users_app.command("token")
def token_cmd(
    name: str = typer.Argument(...), db: str | None = DB_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """Issue a new API token; prints it once, as the last line."""
    from burdenshare.services import users

    token = users.issue_token(_engine(db), name, actor=_actor(actor))
    typer.echo(f"new API token for {name} (shown once):", err=True)
    typer.echo(token)


@users_app.command("revoke")
def revoke_cmd(
    name: str = typer.Argument(...), db: str | None = DB_OPTION, actor: str | None = ACTOR_OPTION
) -> None:
    """Revoke every API token of a user."""
    from burdenshare.services import users

    n = users.revoke(_engine(db), name, actor=_actor(actor))
    typer.echo(f"{name}: {n} token(s) revoked")


@users_app.command("password")
def password_cmd(
    name: str = typer.Argument(...),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin instead of a prompt."
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Set a user's dashboard password (argon2 hash stored)."""
    from burdenshare.services import users

    pw = (
        _password(True)
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    users.set_password(_engine(db), name, pw, actor=_actor(actor))
    typer.echo(f"{name}: password set")
