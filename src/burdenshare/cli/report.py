"""``burdenshare report quarterly | brief | release``: published reports as PDF, HTML, XLSX,
or the data they print as JSON.

Thin: check the options and the output path first (nothing is computed for a file that
cannot be written), call :mod:`burdenshare.services.reports`, write the file atomically
(temporary file + rename: no half-written report is ever left behind). The options are the
CLI's shared ones (:mod:`burdenshare.cli.common`): ``--format`` declares each report's
formats (anything else is refused by name), ``--from-vintage``/``--to-vintage`` are checked
as vintages, ``--db`` opens the store through the one engine helper.
"""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import DB_OPTION, format_option

report_app = typer.Typer(
    help="Published reports: quarterly metrics, country briefs, release reviews.",
    no_args_is_help=True,
)
OUTPUT_OPTION = typer.Option(
    None,
    "--output",
    "-o",
    help="The file to write; its suffix names the format unless --format is given "
    "(needed for pdf, html and xlsx; json goes to stdout without it).",
)
POLICY_OPTION = typer.Option(
    "eo14383", "--policy", "-p", help="Built-in policy name or a policy YAML file."
)
#: The formats of each report: the service's file formats, and json (the data printed).
QUARTERLY_FORMATS = ("pdf", "html", "xlsx", "json")
BRIEF_FORMATS = ("pdf", "html", "json")
RELEASE_FORMATS = ("pdf", "html", "xlsx", "json")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _prepare(
    fmt: str | None, output: Path | None, allowed: tuple[str, ...]
) -> tuple[str, Path | None]:
    """The format and the checked output path, before any work: without ``--format`` the
    output file's suffix names the format (pdf when there is no file); a file format needs
    ``--output`` with its suffix; json may go to stdout."""
    from burdenshare.cli.common import check_output_path
    from burdenshare.errors import UserError

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else "pdf"
        if suffix not in allowed:  # refused naming the suffixes this report writes
            check_output_path(output, "--output", suffixes=tuple(f".{f}" for f in allowed))
        fmt = suffix
    if output is None:
        if fmt != "json":
            msg = f"a {fmt} report needs a file to write: -o FILE.{fmt}"
            raise UserError(msg, where="--output")
        return fmt, None
    return fmt, check_output_path(output, "--output", suffixes=(f".{fmt}",))


def _write(report, output: Path) -> None:
    from burdenshare.reports.common import write_atomic

    write_atomic(output, report.content)
    typer.echo(f"wrote {output} ({len(report.content):,} bytes)", err=True)


def _json(data, output: Path | None) -> None:
    """The report's data as one JSON document, on stdout or (atomically) in ``output``."""
    import json

    from burdenshare.cli.common import _default, clean_nan, echo_json, write_text_atomic
    from burdenshare.services.reports import data_json

    obj = data_json(data)
    if output is None:
        echo_json(obj)
        return
    text = json.dumps(clean_nan(obj), indent=2, default=_default, allow_nan=False)
    write_text_atomic(output, text + "\n")
    typer.echo(f"wrote {output}", err=True)


def _engine(db: str | None):
    from burdenshare.cli.common import engine

    return engine(db)


@report_app.command("quarterly")
def quarterly_cmd(
    quarter: str = typer.Option(..., "--quarter", help="e.g. 2026Q3"),
    k: int = typer.Option(5, "--k", help="Suppress cells from fewer than k cases."),
    fmt: str | None = format_option(*QUARTERLY_FORMATS, default=None),
    output: Path | None = OUTPUT_OPTION,
    synthetic: bool = typer.Option(
        True, "--synthetic/--no-synthetic", help="Include synthetic cases."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """The quarterly performance metrics on case execution (EO 14383), as published."""
    from burdenshare.cli.common import parse_quarter
    from burdenshare.services import reports

    parse_quarter(quarter)
    fmt, output = _prepare(fmt, output, QUARTERLY_FORMATS)
    if fmt == "json":
        _json(reports.quarterly_data(_engine(db), quarter, k=k, synthetic=synthetic), output)
        return
    report = reports.quarterly_report(_engine(db), quarter, k=k, fmt=fmt, synthetic=synthetic)
    _write(report, output)


@report_app.command("brief")
def brief_cmd(
    country: str = typer.Argument(..., help="Country name or ISO code."),
    policy: str = POLICY_OPTION,
    year: int | None = typer.Option(None, "--year", "-y", help="Panel year (default: latest)."),
    fmt: str | None = format_option(*BRIEF_FORMATS, default=None),
    output: Path | None = OUTPUT_OPTION,
    samples: int = typer.Option(
        10_000, "--robustness", help="Monte Carlo samples for the rank interval (0: none)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """A one- or two-page brief on one partner: score, rank, tier and how robust they are,
    contributions, gates, spending against 2/3.5/5%, what it would take, open cases."""
    from burdenshare.services import reports

    fmt, output = _prepare(fmt, output, BRIEF_FORMATS)
    if fmt == "json":
        data = reports.brief_data(_engine(db), country, policy=policy, year=year, samples=samples)
        _json(data, output)
        return
    report = reports.brief_report(
        _engine(db), country, policy=policy, year=year, fmt=fmt, samples=samples
    )
    _write(report, output)


@report_app.command("release")
def release_cmd(
    from_vintage: str = typer.Option(..., "--from-vintage", help="Release A (older)."),
    to_vintage: str = typer.Option(..., "--to-vintage", help="Release B (newer)."),
    policy: str = POLICY_OPTION,
    fmt: str | None = format_option(*RELEASE_FORMATS, default=None),
    output: Path | None = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """What a new data release changed: revisions, 2%/3.5% crossings, tier and rank changes."""
    from burdenshare.cli.common import parse_vintage
    from burdenshare.services import reports

    from_vintage = parse_vintage(from_vintage, "--from-vintage")
    to_vintage = parse_vintage(to_vintage, "--to-vintage")
    fmt, output = _prepare(fmt, output, RELEASE_FORMATS)
    if fmt == "json":
        _json(reports.release_data(_engine(db), from_vintage, to_vintage, policy=policy), output)
        return
    report = reports.release_report(_engine(db), from_vintage, to_vintage, policy=policy, fmt=fmt)
    _write(report, output)
