"""``burdenshare data ...``: import official files, show what is loaded, update online."""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import (
    DB_OPTION,
    check_format,
    echo_json,
    format_option,
    stderr_progress,
)

data_app = typer.Typer(
    help="Load and inspect the published data behind every score.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


@data_app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(..., help="Data files (format detected from content)."),
    source: str | None = typer.Option(
        None, "--source", help="Force a format (see `data sources`)."
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Let this file replace stored facts of the same release with fewer or different "
        "ones (the old facts are kept as vintage <vintage>~replaced-<import id>), or import a "
        "release much smaller than the previous one.",
    ),
    db: str | None = DB_OPTION,
    fmt: str = format_option("table", "json"),
) -> None:
    """Import official data files; each file is one transaction (all or nothing).

    Every file named gets a line in the report: imported, already imported, skipped (not a
    supported format) or refused (damaged, or it would replace good data; store unchanged).
    The exit code is 2 when any file was refused.
    """
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    from burdenshare.errors import UserError
    from burdenshare.imports import REFUSED, SKIPPED, import_many
    from burdenshare.store.db import get_engine

    engine = get_engine(db)
    with stderr_progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), disable=fmt == "json"
    ) as progress:
        task = progress.add_task("importing", total=len(paths))
        outcomes = []
        for path in paths:
            outcomes += import_many(
                engine,
                [path],
                source,
                replace=replace,
                progress=lambda msg: progress.update(task, description=msg),
            )
            progress.advance(task)
    if len(outcomes) == 1 and outcomes[0].status in (REFUSED, SKIPPED):
        raise UserError(outcomes[0].detail)
    if fmt == "json":
        echo_json([_outcome_dict(o) for o in outcomes])
    else:
        _print_outcomes(outcomes)
    if any(o.status == REFUSED for o in outcomes):
        raise typer.Exit(2)


def _outcome_dict(outcome) -> dict:
    base = {"file_name": outcome.file_name, "status": outcome.status, "reason": outcome.reason}
    if outcome.summary is not None:
        return {**outcome.summary.__dict__, **base}
    return base


def _print_outcomes(outcomes) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from burdenshare.imports import ALREADY, IMPORTED

    table = Table(title="Import")
    for col in ("file", "status", "source", "vintage", "rows", "countries", "years", "flags"):
        table.add_column(col)
    for o in outcomes:
        s = o.summary
        if s is None:
            table.add_row(escape(o.file_name), o.status, "", "", "", "", "", "")
            continue
        years = f"{s.years[0]}-{s.years[1]}" if s.years else ""
        flags = ", ".join(f"{k} {v:,}" for k, v in s.flag_counts.items())
        table.add_row(
            escape(s.file_name),
            o.status,
            s.source,
            s.vintage,
            f"{s.rows:,}",
            str(s.countries or ""),
            years,
            flags,
        )
    console = Console()
    console.print(table)
    for o in outcomes:
        if o.status not in (IMPORTED, ALREADY):
            console.print(f"{o.status}: {escape(o.reason)}", highlight=False)
    _print_notes([o.summary for o in outcomes if o.summary is not None], console)
    counts = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    console.print(", ".join(f"{n} {k}" for k, n in counts.items()))


def _print_summaries(summaries) -> None:
    from burdenshare.imports import ALREADY, IMPORTED, FileOutcome

    _print_outcomes(
        [FileOutcome(Path(s.file_name), ALREADY if s.skipped else IMPORTED, s) for s in summaries]
    )


def _print_notes(summaries, console) -> None:
    from rich.markup import escape

    for s in summaries:
        if s.superseded_starter_rows:
            console.print(
                f"{s.file_name}: replaced {s.superseded_starter_rows:,} starter rows "
                "of the same release"
            )
        for label, n in s.replaced.items():
            console.print(f"{s.file_name}: {n:,} replaced facts kept as vintage {label}")
        for w in s.warnings:
            console.print(f"[yellow]warning[/] {escape(s.file_name)}: {escape(w)}", highlight=False)
        if s.unmatched:
            console.print(
                f"[yellow]unmatched names[/] {escape(s.file_name)}: "
                f"{escape(', '.join(s.unmatched))}",
                highlight=False,
            )


@data_app.command("status")
def status_cmd(
    db: str | None = DB_OPTION,
    fmt: str = format_option("table", "json", "csv"),
) -> None:
    """Sources, vintages, coverage and row counts in the database."""
    from burdenshare.store.db import get_engine, resolve_url, safe_url
    from burdenshare.store.facts import status

    check_format(fmt, ("table", "json", "csv"))
    engine = get_engine(db)
    info = status(engine)
    info["database"] = safe_url(resolve_url(db))
    if fmt == "json":
        echo_json(info)
        return
    if fmt == "csv":
        from burdenshare.cli.common import render

        cols = [
            "source",
            "format",
            "vintage",
            "release_date",
            "file_name",
            "sha256",
            "publisher_url",
            "imported_at",
            "starter",
            "rows",
            "countries",
            "indicators",
        ]
        render(info["imports"], "csv", columns=cols)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"burdenshare data — {info['database']}")
    for col in (
        "source",
        "vintage",
        "released",
        "file",
        "rows",
        "countries",
        "years",
        "indicators",
    ):
        table.add_column(col)
    for row in info["imports"]:
        years = f"{row['years'][0]}-{row['years'][1]}" if row["years"] else ""
        name = row["file_name"] + (" [dim](starter)[/]" if row["starter"] else "")
        table.add_row(
            row["source"],
            row["vintage"],
            row["release_date"],
            name,
            f"{row['rows']:,}",
            str(row["countries"]),
            years,
            str(row["indicators"]),
        )
    console = Console()
    console.print(table)
    console.print(f"{info['total_facts']:,} facts in {len(info['imports'])} imports")
    from rich.markup import escape

    for row in info["imports"]:
        for note in row["exclusions"]:
            console.print(f"[dim]excluded[/] {escape(row['file_name'])}: {escape(note)}")
        if row["unmatched"]:
            console.print(
                f"[yellow]unmatched[/] {escape(row['file_name'])}: "
                f"{escape(', '.join(row['unmatched']))}"
            )
    if not info["imports"]:
        console.print(
            "The store is empty: `burdenshare data import FILE` or any scoring "
            "command loads the bundled starter snapshot."
        )


@data_app.command("sources")
def sources_cmd(fmt: str = format_option("table", "json", "csv", "md")) -> None:
    """Supported formats, their publishers, official download URLs and terms of use."""
    from burdenshare import sources

    check_format(fmt, ("table", "json", "csv", "md"))
    rows = [
        {
            "format": m.FORMAT,
            "source": m.SOURCE,
            "description": m.DESCRIPTION,
            "publisher": m.PUBLISHER,
            "url": m.DOWNLOAD_URL,
            "terms": m.TERMS,
        }
        for m in sources.parsers()
    ]
    if fmt != "table":
        from burdenshare.cli.common import render

        render(rows, fmt, title="Supported data formats")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Supported data formats", show_lines=True)
    for col in ("format", "publisher", "what", "download", "terms"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["format"], r["publisher"], r["description"], r["url"], r["terms"])
    Console().print(table)


@data_app.command("starter")
def starter_cmd(db: str | None = DB_OPTION) -> None:
    """Load the bundled starter snapshot (a no-op when the store already holds facts)."""
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    loaded = ensure_starter(get_engine(db))
    typer.echo(f"loaded {loaded:,} starter facts" if loaded else "store already holds facts")


@data_app.command("update")
def update_cmd(
    db: str | None = DB_OPTION,
    only: list[str] = typer.Option(None, "--only", help="Only these formats."),
    dest: Path | None = typer.Option(None, "--dest", help="Download folder."),
    timeout: float = typer.Option(20.0, "--timeout", help="Seconds per connection attempt."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Read the publishers' pages and say what would be fetched."
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="As for `data import`: let a downloaded file replace stored facts of the same "
        "release (the old facts are kept as their own vintage).",
    ),
) -> None:
    """Find the newest official releases on the publishers' pages, download and import them.

    SIPRI's and NATO's landing pages are read for their newest release; when a page no longer
    links a file burdenshare recognises, the fixed address is used and a message says so.
    Needs internet access; offline it stops with one line naming the address.
    """
    from rich.console import Console

    from burdenshare import download
    from burdenshare.imports import REFUSED, import_many
    from burdenshare.store.db import get_engine

    if timeout <= 0:
        from burdenshare.errors import UserError

        raise UserError(f"--timeout must be a positive number of seconds, not {timeout}")
    err = Console(stderr=True)

    def warn(msg: str) -> None:
        err.print(f"[yellow]note[/] {msg}", highlight=False, markup=True)

    if dry_run:
        for plan in download.dry_run(only=only or None, timeout=timeout, warn=warn):
            typer.echo(f"would fetch {plan.format}: {plan.url} ({plan.how})")
        return
    engine = get_engine(db)
    fetched = download.download_official(only=only or None, dest=dest, timeout=timeout, warn=warn)
    outcomes = []
    for plan, paths in fetched:
        typer.echo(f"fetched {plan.format}: {plan.url} ({plan.how})")
        outcomes += import_many(
            engine, paths, replace=replace, publisher_urls={p: plan.url for p in paths}
        )
    _print_outcomes(outcomes)
    for row in download.manual_downloads():
        if only and row["format"] not in only:
            continue
        typer.echo(
            f"{row['format']}: served only through a web form; download it from "
            f"{row['page']} and run `burdenshare data import FILE`"
        )
    if any(o.status == REFUSED for o in outcomes):
        raise typer.Exit(2)
