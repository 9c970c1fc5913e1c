"""``burdenshare data ...``: import official files, show what is loaded, update online."""

from __future__ import annotations

from pathlib import Path

import typer

from burdenshare.cli.common import DB_OPTION, echo_json

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
    db: str | None = DB_OPTION,
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Import official data files; each file is one transaction (all or nothing)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from burdenshare.store.db import get_engine
    from burdenshare.store.facts import import_file

    engine = get_engine(db)
    err = Console(stderr=True)
    summaries = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=fmt == "json",
    ) as progress:
        task = progress.add_task("importing", total=len(paths))
        for path in paths:
            summaries.append(
                import_file(
                    engine,
                    path,
                    source,
                    progress=lambda msg: progress.update(task, description=msg),
                )
            )
            progress.advance(task)
    if fmt == "json":
        echo_json([s.__dict__ for s in summaries])
        return
    _print_summaries(summaries)


def _print_summaries(summaries) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Imported")
    for col in ("file", "source", "vintage", "rows", "countries", "years", "flags"):
        table.add_column(col)
    for s in summaries:
        years = f"{s.years[0]}-{s.years[1]}" if s.years else ""
        flags = ", ".join(f"{k} {v:,}" for k, v in s.flag_counts.items())
        rows = "already imported (no change)" if s.skipped else f"{s.rows:,}"
        table.add_row(s.file_name, s.source, s.vintage, rows, str(s.countries or ""), years, flags)
    console = Console()
    console.print(table)
    for s in summaries:
        if s.superseded_starter_rows:
            console.print(
                f"{s.file_name}: replaced {s.superseded_starter_rows:,} starter rows "
                "of the same release"
            )
        for w in s.warnings:
            console.print(f"[yellow]warning[/] {s.file_name}: {w}", highlight=False)
        if s.unmatched:
            console.print(
                f"[yellow]unmatched names[/] {s.file_name}: {', '.join(s.unmatched)}",
                highlight=False,
            )


@data_app.command("status")
def status_cmd(
    db: str | None = DB_OPTION,
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Sources, vintages, coverage and row counts in the database."""
    from burdenshare.store.db import get_engine, resolve_url, safe_url
    from burdenshare.store.facts import status

    engine = get_engine(db)
    info = status(engine)
    info["database"] = safe_url(resolve_url(db))
    if fmt == "json":
        echo_json(info)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"burdenshare data — {info['database']}")
    for col in ("source", "vintage", "file", "rows", "countries", "years", "indicators"):
        table.add_column(col)
    for row in info["imports"]:
        years = f"{row['years'][0]}-{row['years'][1]}" if row["years"] else ""
        name = row["file_name"] + (" [dim](starter)[/]" if row["starter"] else "")
        table.add_row(
            row["source"],
            row["vintage"],
            name,
            f"{row['rows']:,}",
            str(row["countries"]),
            years,
            str(row["indicators"]),
        )
    console = Console()
    console.print(table)
    console.print(f"{info['total_facts']:,} facts in {len(info['imports'])} imports")
    if not info["imports"]:
        console.print(
            "The store is empty: `burdenshare data import FILE` or any scoring "
            "command loads the bundled starter snapshot."
        )


@data_app.command("sources")
def sources_cmd(fmt: str = typer.Option("table", "--format", help="table or json")) -> None:
    """Supported formats, their publishers, official download URLs and terms of use."""
    from burdenshare import sources

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
    if fmt == "json":
        echo_json(rows)
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
) -> None:
    """Download the official files and import them (needs internet access)."""
    from burdenshare.download import download_official
    from burdenshare.store.db import get_engine
    from burdenshare.store.facts import import_file

    engine = get_engine(db)
    files = download_official(only=only or None, dest=dest, timeout=timeout)
    summaries = [import_file(engine, path) for path in files]
    _print_summaries(summaries)
    from burdenshare.download import manual_downloads

    for row in manual_downloads():
        typer.echo(
            f"{row['format']}: served only through a web form; download it from "
            f"{row['page']} and run `burdenshare data import FILE`"
        )
