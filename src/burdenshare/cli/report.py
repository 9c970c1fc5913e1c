"""``burdenshare report quarterly | brief | release``: published reports as PDF, HTML, XLSX.

Thin: check the options and the output path first (nothing is computed for a file that
cannot be written), call :mod:`burdenshare.services.reports`, write the file atomically
(temporary file + rename: no half-written report is ever left behind).
"""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import DB_OPTION

report_app = typer.Typer(
    help="Published reports: quarterly metrics, country briefs, release reviews.",
    no_args_is_help=True,
)
OUTPUT_OPTION = typer.Option(..., "--output", "-o", help="The file to write.")
POLICY_OPTION = typer.Option(
    "eo14383", "--policy", "-p", help="Built-in policy name or a policy YAML file."
)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _engine(db: str | None):
    from burdenshare.cli.common import db_url
    from burdenshare.store.db import get_engine

    return get_engine(db_url(db))


def _prepare(kind: str, fmt: str, output: Path) -> str:
    """Check the format and the output path before any work."""
    from burdenshare.reports.common import check_output
    from burdenshare.services.reports import check_format

    fmt = check_format(kind, fmt)
    check_output(output)
    return fmt


def _write(report, output: Path) -> None:
    from burdenshare.reports.common import write_atomic

    write_atomic(output, report.content)
    typer.echo(f"wrote {output} ({len(report.content):,} bytes)", err=True)


@report_app.command("quarterly")
def quarterly_cmd(
    quarter: str = typer.Option(..., "--quarter", help="e.g. 2026Q3"),
    k: int = typer.Option(5, "--k", help="Suppress cells from fewer than k cases."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf, html or xlsx"),
    output: Path = OUTPUT_OPTION,
    synthetic: bool = typer.Option(
        True, "--synthetic/--no-synthetic", help="Include synthetic cases."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """The quarterly performance metrics on case execution (EO 14383), as published."""
    from burdenshare.services.reports import quarterly_report

    fmt = _prepare("quarterly", fmt, output)
    report = quarterly_report(_engine(db), quarter, k=k, fmt=fmt, synthetic=synthetic)
    _write(report, output)


@report_app.command("brief")
def brief_cmd(
    country: str = typer.Argument(..., help="Country name or ISO code."),
    policy: str = POLICY_OPTION,
    year: int | None = typer.Option(None, "--year", "-y", help="Panel year (default: latest)."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf or html"),
    output: Path = OUTPUT_OPTION,
    samples: int = typer.Option(
        10_000, "--robustness", help="Monte Carlo samples for the rank interval (0: none)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """A one- or two-page brief on one partner: score, rank, tier and how robust they are,
    contributions, gates, spending against 2/3.5/5%, what it would take, open cases."""
    from burdenshare.services.reports import brief_report

    fmt = _prepare("brief", fmt, output)
    report = brief_report(_engine(db), country, policy=policy, year=year, fmt=fmt, samples=samples)
    _write(report, output)


@report_app.command("release")
def release_cmd(
    from_vintage: str = typer.Option(..., "--from-vintage", help="Release A (older)."),
    to_vintage: str = typer.Option(..., "--to-vintage", help="Release B (newer)."),
    policy: str = POLICY_OPTION,
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf, html or xlsx"),
    output: Path = OUTPUT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """What a new data release changed: revisions, 2%/3.5% crossings, tier and rank changes."""
    from burdenshare.services.reports import release_report

    fmt = _prepare("release", fmt, output)
    report = release_report(_engine(db), from_vintage, to_vintage, policy=policy, fmt=fmt)
    _write(report, output)
