"""``burdenshare monitor ...``: allies' spending against the NATO targets across releases.

Thin: load the facts from the store (the starter snapshot, in memory, when it is empty), call
:mod:`burdenshare.monitor`, render a Rich table for people or JSON/CSV for machines.
"""

from __future__ import annotations

from enum import StrEnum

import typer

from burdenshare.cli.common import DB_OPTION, echo_json

monitor_app = typer.Typer(
    help="Monitor allies: spending against 2% / 3.5% / 5%, crossings, projections, tiers.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")
GROUP_OPTION = typer.Option("nato", "--group", help="Country group whose members are shown.")
AS_OF_OPTION = typer.Option(
    "latest",
    "--vintage",
    help="The data as it stood after this release (a vintage, SOURCE:VINTAGE, or latest).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")


def _engine(db: str | None):
    from burdenshare.store.db import get_engine

    return get_engine(db)


def _facts(db: str | None, indicators: list[str] | None = None):
    """Every vintage of the facts; the starter snapshot in memory when the store is empty
    (reads never write: ``burdenshare data starter`` loads it)."""
    from burdenshare.services.monitor import facts

    return facts(_engine(db), indicators)


def _as_of(facts, spec: str) -> str:
    """A vintage for the as-of view: "latest", or a known release's vintage."""
    if spec == "latest":
        return spec
    from burdenshare.monitor.releases import resolve_release

    return resolve_release(facts, spec, indicator=None, where="--vintage").vintage


def _csv(frame, index_label: str | None = "iso3") -> None:
    import sys

    frame.to_csv(sys.stdout, index=index_label is not None, index_label=index_label)


def _num(v, digits: int = 2, sign: bool = False) -> str:
    if _missing(v):
        return ""
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def _gap_text(v):
    from rich.text import Text

    s = _num(v, sign=True)
    if not s:
        return Text("")
    return Text(s, style="green" if v >= -1e-9 else "red")


def _equipment(share, gap) -> str:
    if _missing(share):
        return ""
    return f"{share:.1f} ({gap:+.1f})"


def _flag_marks(flags: str) -> str:
    marks = {"estimate": "e", "uncertain": "u", "imputed": "i", "not_independent": "x"}
    return "".join(marks[f] for f in str(flags).split("|") if f in marks)


# --------------------------------------------------------------------------- status


@monitor_app.command("status")
def status_cmd(
    year: int | None = typer.Option(
        None, "--year", "-y", help="Year (default: latest year with NATO coverage >= 80%)."
    ),
    vintage: str = AS_OF_OPTION,
    group: str = GROUP_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Each ally's % of GDP against 2%, 3.5% and 5%, and equipment share against 20%."""
    from burdenshare.monitor.status import gap_column, status

    facts = _facts(db, ["milex_gdp_pct", "equipment_share_pct"])
    st = status(facts, year=year, as_of=_as_of(facts, vintage), group=group)
    if fmt is Format.json:
        echo_json({**st.summary(), "rows": st.records()})
        return
    if fmt is Format.csv:
        _csv(st.table)
        return
    from rich.console import Console
    from rich.table import Table

    t = st.targets
    levels = t.gdp_levels()
    table = Table(title=f"Defence spending of {st.group.upper()} members, {st.year} (% of GDP)")
    table.add_column("ally")
    table.add_column("% GDP", justify="right")
    for lv in levels:
        table.add_column(f"vs {lv:g}%", justify="right")
    table.add_column(f"equip. % (vs {t.equipment.value:g})", justify="right")
    table.add_column("source")
    table.add_column("flags")
    for iso3, r in st.table.iterrows():
        table.add_row(
            f"{r['name']} ({iso3})",
            _num(r["milex_gdp_pct"]),
            *(_gap_text(r[gap_column(lv)]) for lv in levels),
            _equipment(r["equipment_share_pct"], r["equipment_gap"]),
            r["origin"],
            _flag_marks(r["flags"]),
        )
    counts = ", ".join(f"{n} at or above {lv}%" for lv, n in st.counts.items())
    table.caption = (
        f"{st.with_data} of {st.members} members with data: {counts}.\n"
        f"Targets: {t.guideline.value:g}% ({t.guideline.source}); {t.core.value:g}% core and "
        f"{t.total.value:g}% in total by {t.core.by_year} ({t.total.source}); review in "
        f"{t.review_year}.\nFlags: e estimate, u uncertain, i imputed."
    )
    table.caption_justify = "left"
    Console().print(table)


# --------------------------------------------------------------------------- crossings


@monitor_app.command("crossings")
def crossings_cmd(
    threshold: list[float] = typer.Option(
        None, "--threshold", "-t", help="% of GDP threshold (repeatable; default 2, 3.5, 5)."
    ),
    between: tuple[str, str] | None = typer.Option(
        None, "--between-vintages", help="Compare release A with release B."
    ),
    years: tuple[int, int] | None = typer.Option(
        None, "--years", help="Compare year Y1 with year Y2 (with --between-vintages: Y1 in A)."
    ),
    year: int | None = typer.Option(
        None, "--year", "-y", help="With --between-vintages: this year in both releases."
    ),
    vintage: str = typer.Option(
        "latest", "--vintage", help="Release whose years are compared (default: newest NATO)."
    ),
    group: str = GROUP_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Who crossed 2%, 3.5% or 5%: between years of a release, or between two releases."""
    from burdenshare.monitor.crossings import crossings, group_members
    from burdenshare.monitor.targets import load_targets

    targets = load_targets()
    thresholds = list(threshold) if threshold else list(targets.gdp_levels())
    pair = None if between is None else (between[0], between[1])
    yrs = None if years is None else (int(years[0]), int(years[1]))
    facts = _facts(db, ["milex_gdp_pct"])
    result = crossings(
        facts,
        thresholds,
        release=vintage,
        years=yrs,
        between=pair,
        year=year,
        members=group_members(group),
    )
    if fmt is Format.json:
        echo_json(result.records())
        return
    if fmt is Format.csv:
        _csv(result.events, index_label=None)
        return
    _rich_crossings(result)


def _rich_crossings(result) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from burdenshare.countries import country_name

    console = Console()
    m = result.meta
    if result.mode == "vintages":
        title = f"Crossings from {m['from_release']} to {m['to_release']}"
    elif m.get("years"):
        title = f"Crossings {m['years'][0]} to {m['years'][1]} in {m['release']}"
    else:
        title = f"Crossings between years in {m['release']}"
    table = Table(title=title)
    for col, just in (
        ("ally", "left"),
        ("threshold", "right"),
        ("", "left"),
        ("from", "right"),
        ("to", "right"),
        ("origin of the new figure", "left"),
    ):
        table.add_column(col, justify=just)
    for r in result.events.itertuples(index=False):
        arrow = (
            Text("reached", style="green")
            if r.direction == "up"
            else Text("fell below", style="red")
        )
        table.add_row(
            f"{country_name(r.iso3)} ({r.iso3})",
            f"{r.threshold:g}%",
            arrow,
            f"{r.from_value:.2f} ({r.from_year})",
            f"{r.to_value:.2f} ({r.to_year})",
            str(r.to_origin),
        )
    if result.events.empty:
        table.caption = "No crossings."
    console.print(table)
    first = result.first_reached
    if first is not None and not first.empty:
        ft = Table(title="First year at or above each threshold")
        for col in ("ally", "threshold", "first year", "latest", "now"):
            ft.add_column(col)
        for r in first.itertuples(index=False):
            ft.add_row(
                f"{country_name(r.iso3)} ({r.iso3})",
                f"{r.threshold:g}%",
                f"{r.first_year}" + (" or earlier" if r.at_start else ""),
                f"{r.latest_value:.2f} ({r.latest_year})",
                Text("above", style="green") if r.at_or_above_now else Text("below", style="red"),
            )
        console.print(ft)


# --------------------------------------------------------------------------- project


@monitor_app.command("project")
def project_cmd(
    target: list[float] = typer.Option(
        None, "--target", help="% of GDP target (repeatable; default 3.5 and 5)."
    ),
    by: int | None = typer.Option(None, "--by", help="Deadline year (default 2035, The Hague)."),
    window: int = typer.Option(5, "--window", help="Years in the OLS trend."),
    country: list[str] = typer.Option(None, "--country", "-c", help="Only these countries."),
    vintage: str = AS_OF_OPTION,
    group: str = GROUP_OPTION,
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Trend to the deadline and the yearly increase each ally needs to reach the targets."""
    from burdenshare.countries import country_name, to_iso3
    from burdenshare.monitor.projection import ally_series, project
    from burdenshare.monitor.targets import load_targets

    t = load_targets()
    targets = list(target) if target else [t.core.value, t.total.value]
    deadline = int(by) if by is not None else t.core.by_year
    facts = _facts(db, ["milex_gdp_pct"])
    values, origin = ally_series(facts, as_of=_as_of(facts, vintage), group=group)
    if country:
        wanted = [to_iso3(c) for c in country]
        missing = [c for c in wanted if c not in values.index]
        if missing:
            from burdenshare.errors import UserError

            raise UserError(
                f"{', '.join(missing)} not among the {group} members", where="--country"
            )
        values = values.loc[wanted]
    out = project(values, targets, by=deadline, window=window)
    out.insert(1, "name", [country_name(c) for c in out["iso3"]])
    out["origin"] = origin.reindex(out["iso3"]).to_numpy()
    if fmt is Format.json:
        from burdenshare.monitor.records import frame_records

        rows = frame_records(out)
        echo_json({"by": deadline, "window": window, "targets": sorted(set(targets)), "rows": rows})
        return
    if fmt is Format.csv:
        _csv(out, index_label=None)
        return
    _rich_project(out, deadline, window)


def _missing(v) -> bool:
    """None, NaN or pandas' NA."""
    import pandas as pd

    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _rich_project(out, deadline: int, window: int) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    for tgt, part in out.groupby("target", sort=True):
        table = Table(title=f"Path to {tgt:g}% of GDP by {deadline}")
        for col, just in (
            ("ally", "left"),
            ("latest", "right"),
            (f"trend ({window}y, pp/yr)", "right"),
            ("needed (pp/yr)", "right"),
            (f"at trend in {deadline}", "right"),
            ("on track", "left"),
            ("reached (trend)", "right"),
        ):
            table.add_column(col, justify=just)
        for r in part.itertuples(index=False):
            on = r.on_track
            if _missing(on):
                mark = Text("")
            else:
                mark = Text("yes", style="green") if bool(on) else Text("no", style="red")
            reached = "" if _missing(r.year_reached) else str(r.year_reached)
            table.add_row(
                f"{r.name} ({r.iso3})",
                f"{r.latest_value:.2f} ({r.latest_year})",
                _num(r.trend, 3, sign=True),
                _num(r.required, 3),
                _num(r.projected),
                mark,
                reached,
            )
        console.print(table)


# --------------------------------------------------------------------------- tiers


@monitor_app.command("tiers")
def tiers_cmd(
    from_vintage: str = typer.Option(..., "--from-vintage", help="Release A (the earlier)."),
    to_vintage: str = typer.Option(..., "--to-vintage", help="Release B (the newer)."),
    policy: str = typer.Option("eo14383", "--policy", "-p", help="Built-in policy or YAML file."),
    year: int | None = typer.Option(
        None, "--year", "-y", help="Panel year for both (default: each release's latest)."
    ),
    all_rows: bool = typer.Option(False, "--all", help="Show every country, not only changes."),
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Whose tier or eligibility changed between two data releases, under one policy."""
    from burdenshare.monitor.tiers import TIER_COLUMNS, tier_changes

    facts = _facts(db)
    result = tier_changes(facts, from_vintage, to_vintage, policy=policy, year=year)
    if fmt is Format.json:
        echo_json(result.records(all_rows=all_rows))
        return
    frame = result.table if all_rows else result.changed
    if fmt is Format.csv:
        _csv(frame.loc[:, list(TIER_COLUMNS)])
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"Tiers under {result.policy}: {result.release_a.label} ({result.year_a}) -> "
        f"{result.release_b.label} ({result.year_b})"
    )
    for col in ("country", "tier", "eligible", "rank", "score", "% GDP"):
        table.add_column(col)

    def pair(a, b, fmt_one=str) -> str:
        def one(v) -> str:
            return "-" if _missing(v) else fmt_one(v)

        return f"{one(a)} -> {one(b)}"

    for iso3, r in frame.iterrows():
        tier = pair(r["tier_a"], r["tier_b"])
        table.add_row(
            f"{r['name']} ({iso3})",
            Text(tier, style="bold yellow") if r["tier_changed"] else tier,
            pair(r["eligible_a"], r["eligible_b"], lambda v: "yes" if v else "no"),
            pair(r["rank_a"], r["rank_b"]),
            pair(r["score_a"], r["score_b"], lambda v: f"{v:.1f}"),
            pair(r["pct_a"], r["pct_b"], lambda v: f"{v:.2f}"),
        )
    table.caption = (
        f"{len(result.changed)} of {len(result.table)} countries changed tier or eligibility."
    )
    table.caption_justify = "left"
    Console().print(table)


# --------------------------------------------------------------------------- load-reported


@monitor_app.command("load-reported")
def load_reported_cmd(
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Import NATO's 2025 releases as reported in the press (a no-op when already loaded)."""
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter

    engine = _engine(db)
    # a write: the starter goes in first, so the store is not left with these figures only
    ensure_starter(engine)
    summary = import_reported(engine)
    if fmt is Format.json:
        echo_json(summary.__dict__)
        return
    if summary.skipped:
        typer.echo(f"{summary.file_name}: already imported (no change)")
        return
    typer.echo(
        f"imported {summary.rows} figures of {summary.source} (vintages {summary.vintage}) for "
        f"{summary.countries} allies; press reports of NATO releases, the official NATO "
        "tables are authoritative"
    )
