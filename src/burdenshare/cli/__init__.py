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


def _run(argv: list[str] | None) -> int:
    """Run the Typer app once; user errors become one red line and exit code 2."""
    from rich.console import Console
    from rich.markup import escape

    try:
        rc = app(args=argv, standalone_mode=False)
    except UserError as exc:
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]error:[/] {escape(exc.for_cli())}", highlight=False
        )
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        Console(stderr=True).print("[red]aborted[/]")
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
