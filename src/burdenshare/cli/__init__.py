"""The ``burdenshare`` command line: a thin Typer app over the core.

Each area registers its commands from its own module (``cli/data.py``, ``cli/scoring.py``,
...) so that the modules stay small and imports stay lazy: heavy libraries (pandas, numpy,
SQLAlchemy) are imported inside command bodies, so ``burdenshare --help`` starts quickly.

User mistakes raise :class:`burdenshare.errors.UserError`; :func:`main` turns them into one
red line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from burdenshare.errors import UserError

app = typer.Typer(
    name="burdenshare",
    help="Prioritize US arms transfers by burden-sharing: evaluate partners, order cases, "
    "monitor allies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Modules that add commands to :data:`app`; each defines ``register(app: typer.Typer)``.
#: A module listed here that does not exist yet is skipped so areas can land one by one.
COMMAND_MODULES: tuple[str, ...] = (
    "burdenshare.cli.data",
    "burdenshare.cli.countries",
    "burdenshare.cli.scoring",
    "burdenshare.cli.policy",
    "burdenshare.cli.robustness",
    "burdenshare.cli.cases",
    "burdenshare.cli.queue",
    "burdenshare.cli.monitor",
    "burdenshare.cli.serve",
    "burdenshare.cli.users",
    "burdenshare.cli.report",
    "burdenshare.cli.ledger",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, map user errors to exit code 2."""
    import os

    # Rich wraps to 80 columns when output is not a terminal; tables piped to a file or a
    # pager stay readable at 160 (an explicit COLUMNS wins).
    restore_columns = "COLUMNS" not in os.environ and not sys.stdout.isatty()
    if restore_columns:
        os.environ["COLUMNS"] = "160"
    try:
        return _run(argv)
    finally:
        if restore_columns:
            os.environ.pop("COLUMNS", None)


def _usage_error_types() -> tuple[type[BaseException], ...]:
    """The exception classes the CLI library raises for usage mistakes.

    Typer >= 0.22 ships its own copy of click (``typer._click``) whose exceptions derive from
    the public :class:`typer.TyperException`; older Typer releases raise click's own
    :class:`click.ClickException`. Both are caught so a usage error is one line whichever
    release is installed (pyproject pins the release the tests run on as the lower bound).
    """
    types: list[type[BaseException]] = []
    typer_exc = getattr(typer, "TyperException", None)
    if isinstance(typer_exc, type):
        types.append(typer_exc)
    try:
        import click
    except ImportError:  # pragma: no cover - newer Typer does not need click
        pass
    else:
        types.append(click.ClickException)
    return tuple(types)


def _usage_message(exc: BaseException) -> str:
    """One line for a usage error: the library's message (without its usage block) and,
    when the command is known, where to find help."""
    name = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "burdenshare"
    if name == "NoArgsIsHelpError":  # a group called without a command
        sub = getattr(getattr(ctx, "command", None), "commands", None) or {}
        listed = f" ({', '.join(sorted(sub))})" if sub else ""
        return f"{command} needs a command{listed}; try '{command} --help'"
    try:
        message = exc.format_message()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - fall back to the plain text
        message = str(exc)
    message = " ".join(str(message).replace("Value error, ", "").split())
    hint = f" (try '{command} --help')" if ctx is not None else ""
    return f"{message}{hint}"


def _error_line(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False
    )


def _run(argv: list[str] | None) -> int:
    """Run the Typer app once; user and usage errors become one red line and exit code 2."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except UserError as exc:
        _error_line(exc.for_cli())  # the field named as a CLI option
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _error_line("aborted")
        return 1
    except KeyboardInterrupt:
        return 130
    except _usage_error_types() as exc:  # evaluated only when an exception gets here
        _error_line(_usage_message(exc))
        return 2
    except Exception as exc:  # a store that cannot be written reaches here as SQLAlchemy's
        from burdenshare.store.db import store_error

        err = store_error(exc)
        if err is None:
            raise
        _error_line(str(err))
        return err.exit_code
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
