"""``burdenshare monitor ...``: allies' spending against the NATO targets across releases.

Thin: load the facts from the store (the starter snapshot, in memory, when it is empty), call
:mod:`burdenshare.monitor`, render a Rich table for people or JSON/CSV for machines.
"""

from __future__ import annotations

import typer

from burdenshare.cli.common import (
    DB_OPTION,
    FORMAT_OPTION,
    OutputFormat,
    echo_json,
    markdown_table,
    parse_country,
)
from burdenshare.cli.common import engine as db_engine

monitor_app = typer.Typer(
    help="Monitor allies: spending against 2% / 3.5% / 5%, crossings, projections, tiers.",
    no_args_is_help=True,
)


Format = OutputFormat  # table, json, csv, md: the CLI's one --format
GROUP_OPTION = typer.Option("nato", "--group", help="Country group whose members are shown.")
AS_OF_OPTION = typer.Option(
    "latest",
    "--vintage",
    help="The data as it stood after this release (a vintage, SOURCE:VINTAGE, or latest).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")


def _facts(db: str | None, indicators: list[str] | None = None):
    """Every vintage of the facts; the starter snapshot in memory when the store is empty
    (reads never write: ``burdenshare data starter`` loads it)."""
    from burdenshare.services.monitor import facts

    return facts(db_engine(db), indicators)


def _as_of(facts, spec: str) -> str:
    """A vintage for the as-of view: "latest", or a known release's vintage."""
    if spec == "latest":
        return spec
    from burdenshare.monitor.releases import resolve_release

    return resolve_release(facts, spec, indicator=None, where="--vintage").vintage


def _csv(frame, index_label: str | None = "iso3") -> None:
    import sys

    frame.to_csv(sys.stdout, index=index_label is not None, index_label=index_label)


def _md(frame, index_label: str | None = "iso3", title: str | None = None) -> None:
    """A frame as a Markdown table (the index as the first column when labelled)."""
    from burdenshare.monitor.records import frame_records

    if index_label is not None:
        frame = frame.rename_axis(index_label).reset_index()
    rows = frame_records(frame)
    head = f"## {title}\n\n" if title else ""
    typer.echo(head + markdown_table(rows, list(frame.columns)))


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
    """Each ally's % of GDP against 2%, 3.5% and 5%, and equipment share against 20%.

    The 2% gap is on NATO's total; the 3.5% and 5% gaps on core (plus defence-related)
    spending where NATO publishes it, else on the total: the measure is shown."""
    from burdenshare.monitor.status import STATUS_INDICATORS, gap_column, measure_column, status

    facts = _facts(db, list(STATUS_INDICATORS))
    st = status(facts, year=year, as_of=_as_of(facts, vintage), group=group)
    if fmt is Format.json:
        echo_json({**st.summary(), "rows": st.records()})
        return
    if fmt is Format.csv:
        _csv(st.table)
        return
    if fmt is Format.md:
        _md(st.table, title=f"Defence spending of {st.group.upper()} members, {st.year}")
        return
    from rich.console import Console
    from rich.table import Table

    t = st.targets
    levels = t.gdp_levels()
    table = Table(title=f"Defence spending of {st.group.upper()} members, {st.year} (% of GDP)")
    table.add_column("ally")
    table.add_column("% GDP", justify="right")
    has_core = st.table["milex_core_gdp_pct"].notna().any()
    if has_core:
        table.add_column("core %", justify="right")
        table.add_column("related %", justify="right")
    for lv in levels:
        table.add_column(f"vs {lv:g}%", justify="right")
    table.add_column(f"equip. % (vs {t.equipment.value:g})", justify="right")
    table.add_column("source")
    table.add_column("flags")
    for iso3, r in st.table.iterrows():
        core_cells = (
            [_num(r["milex_core_gdp_pct"]), _num(r["milex_related_gdp_pct"])] if has_core else []
        )
        table.add_row(
            f"{r['name']} ({iso3})",
            _num(r["milex_gdp_pct"]),
            *core_cells,
            *(_measured_gap(r[gap_column(lv)], r[measure_column(lv)]) for lv in levels),
            _equipment(r["equipment_share_pct"], r["equipment_gap"]),
            r["origin"],
            _flag_marks(r["flags"]),
        )
    counts = ", ".join(f"{n} at or above {lv}%" for lv, n in st.counts.items())
    on = "; ".join(
        f"{lv}% on " + ", ".join(f"{k} {n}" for k, n in sorted(m.items()))
        for lv, m in st.measures.items()
        if m
    )
    table.caption = (
        f"{st.with_data} of {st.members} members with data: {counts}.\n"
        f"Measures: {on} (total = the total % of GDP, NATO's incl. pensions, the 2% measure; "
        f"c = core defence, c+r = core plus defence-related up to "
        f"{t.defence_related_max:g}%).\n"
        f"Targets: {t.guideline.value:g}% ({t.guideline.source}); {t.core.value:g}% core and "
        f"{t.total.value:g}% in total by {t.core.by_year} ({t.total.source}); review in "
        f"{t.review_year}.\nFlags: e estimate, u uncertain, i imputed."
    )
    table.caption_justify = "left"
    Console().print(table)


def _measured_gap(v, measure):
    """A gap coloured by sign, marked c (core) or c+r (core plus related) when not total."""
    text = _gap_text(v)
    mark = {"core": " c", "core+related": " c+r"}.get(str(measure), "")
    if mark and text.plain:
        text.append(mark, style="dim")
    return text


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
    from burdenshare.cli.common import positive
    from burdenshare.monitor.crossings import crossings, group_members
    from burdenshare.monitor.targets import load_targets

    for value in threshold or []:
        positive(value, "--threshold")
    targets = load_targets()
    thresholds = list(threshold) if threshold else list(targets.gdp_levels())
    pair = None if between is None else (between[0], between[1])
    yrs = None if years is None else (int(years[0]), int(years[1]))
    from burdenshare.monitor.measures import INDICATORS

    facts = _facts(db, list(INDICATORS))
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
    if fmt is Format.md:
        _md(result.events, index_label=None, title="Crossings")
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
        ("measure", "left"),
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
            str(r.measure),
            str(r.to_origin),
        )
    if result.events.empty:
        table.caption = "No crossings."
    console.print(table)
    first = result.first_reached
    if first is not None and not first.empty:
        ft = Table(title="First year at or above each threshold")
        for col in ("ally", "threshold", "first year", "latest", "now", "measure"):
            ft.add_column(col)
        for r in first.itertuples(index=False):
            ft.add_row(
                f"{country_name(r.iso3)} ({r.iso3})",
                f"{r.threshold:g}%",
                f"{r.first_year}" + (" or earlier" if r.at_start else ""),
                f"{r.latest_value:.2f} ({r.latest_year})",
                Text("above", style="green") if r.at_or_above_now else Text("below", style="red"),
                str(r.measure),
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
    """Trend to the deadline and the yearly increase each ally needs to reach the targets.

    3.5% is projected on core defence spending and 5% on core plus defence-related spending
    where NATO publishes them for the ally, else on the total (the measure column)."""
    from burdenshare.cli.common import positive
    from burdenshare.countries import country_name
    from burdenshare.monitor.measures import INDICATORS
    from burdenshare.monitor.projection import project_allies
    from burdenshare.monitor.targets import load_targets

    positive(window, "--window")
    for value in target or []:
        positive(value, "--target")
    t = load_targets()
    targets = list(target) if target else [t.core.value, t.total.value]
    deadline = int(by) if by is not None else t.core.by_year
    facts = _facts(db, list(INDICATORS))
    out = project_allies(
        facts,
        targets,
        by=deadline,
        window=window,
        as_of=_as_of(facts, vintage),
        group=group,
        countries=[parse_country(c, "--country") for c in country] if country else None,
    )
    out.insert(1, "name", [country_name(c) for c in out["iso3"]])
    if fmt is Format.json:
        from burdenshare.monitor.records import frame_records

        rows = frame_records(out)
        echo_json({"by": deadline, "window": window, "targets": sorted(set(targets)), "rows": rows})
        return
    if fmt is Format.csv:
        _csv(out, index_label=None)
        return
    if fmt is Format.md:
        _md(out, index_label=None, title=f"Paths to the targets by {deadline}")
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
            ("measure", "left"),
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
                str(r.measure),
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
    if fmt is Format.md:
        _md(frame.loc[:, list(TIER_COLUMNS)], title=f"Tiers under {result.policy}")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"Tiers under {result.policy}: {result.release_a.label} ({result.year_a}) -> "
        f"{result.release_b.label} ({result.year_b})"
    )
    for col in ("country", "tier", "eligible", "rank", "score", "% GDP", "3.5% on"):
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
            pair(r["measure_a"] or None, r["measure_b"] or None),
        )
    table.caption = (
        f"{len(result.changed)} of {len(result.table)} countries changed tier or eligibility."
    )
    table.caption_justify = "left"
    console = Console()
    console.print(table)
    note = _later_note(result).strip()
    if note:
        console.print(note, highlight=False)


# --------------------------------------------------------------------------- load-reported


@monitor_app.command("load-reported")
def load_reported_cmd(
    fmt: Format = FORMAT_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Import NATO's 2025 releases as reported in the press (a no-op when already loaded)."""
    from burdenshare.monitor.reported import import_reported

    summary = import_reported(db_engine(db, starter=True))  # not 24 facts alone
    if fmt is not Format.table:
        from burdenshare.cli.common import render

        render([summary.__dict__], fmt, json_obj=summary.__dict__)
        return
    if summary.skipped:
        typer.echo(f"{summary.file_name}: already imported (no change)")
        return
    typer.echo(
        f"imported {summary.rows} figures of {summary.source} (vintages {summary.vintage}) for "
        f"{summary.countries} allies; press reports of NATO releases, the official NATO "
        "tables are authoritative"
    )


def _later_note(result) -> str:
    """Say which newer figures the tier comparison leaves out (``monitor crossings`` between
    the same releases compares them, so the two can disagree)."""
    notes = []
    for label, year, later in (
        (result.release_a.label, result.year_a, result.meta.get("later_years_a") or {}),
        (result.release_b.label, result.year_b, result.meta.get("later_years_b") or {}),
    ):
        for y, countries in sorted(later.items()):
            shown = ", ".join(countries[:8]) + (", ..." if len(countries) > 8 else "")
            notes.append(
                f"\nNot compared: {label} also has {y} figures for {len(countries)} countries "
                f"({shown}); both panels are scored on {year}, the latest year with the "
                "coverage a score needs, so these figures cannot change a tier here; "
                "`monitor crossings` between the same releases compares each release's "
                "latest year and counts them."
            )
    return "".join(notes)
