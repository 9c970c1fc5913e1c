"""``burdenshare catalog import|show`` and ``burdenshare cases queue|schedule``.

Thin: parse options, call :mod:`burdenshare.cases.catalog` (reading files) and the service
layer (:mod:`burdenshare.services.queue`: the stored catalog, the queue, the comparison with
first-come, first-served or another policy, the schedule), render. The ``queue`` and
``schedule`` commands join the existing ``cases`` group (registered by ``cli/cases.py``); heavy
imports happen inside the command bodies. Whenever the illustrative catalog is in use, the
output says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from burdenshare.cli.common import DB_OPTION, echo_json, format_option
from burdenshare.cli.common import engine as db_engine

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from burdenshare.cases.catalog import Catalog

catalog_app = typer.Typer(
    help="The prioritized sales catalog (EO 14383): platforms, production lines, capacity.",
    no_args_is_help=True,
)

FORMAT_OPTION = format_option("table", "json")
POLICY_OPTION = typer.Option("eo14383", "--policy", help="Scoring policy for partner score/tier.")
AS_OF_OPTION = typer.Option(
    None,
    "--as-of",
    help="Date the queue is computed for (YYYY-MM-DD; "
    "default today): case age and the first quarter of the schedule.",
)
YEAR_OPTION = typer.Option(None, "--year", help="Data year for the partner scores.")
KEY_OPTION = typer.Option(
    None, "--key", help="Queue-key YAML (default: the package's data/catalog/queue_key.yaml)."
)
FAST_LANE_OPTION = typer.Option(
    True,
    "--fast-lane/--no-fast-lane",
    help="Apply the policy's fast lane (EO 14383 qualified partners' queue points; default) "
    "or show the queue without it.",
)


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` group, and ``queue`` and ``schedule`` to the ``cases`` group."""
    app.add_typer(catalog_app, name="catalog")
    cases_app = _cases_group(app)
    cases_app.command("queue")(queue_cmd)
    cases_app.command("schedule")(schedule_cmd)


def _cases_group(app: typer.Typer) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == "cases" and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help="Arms-sale cases.", no_args_is_help=True)
    app.add_typer(sub, name="cases")
    return sub


# -- helpers ---------------------------------------------------------------------------------


def _format(fmt: str) -> str:
    from burdenshare.cli.common import check_format

    return check_format(fmt, ("table", "json"))


def _as_of(text: str | None) -> dt.date:
    from burdenshare.cli.common import parse_date

    return parse_date(text, "--as-of")


def _catalog_json(catalog: Catalog) -> dict[str, Any]:
    from burdenshare.services.queue import catalog_json

    return catalog_json(catalog)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NA -> None, numpy scalars -> Python, dates -> ISO)."""
    from burdenshare.services._json import records

    return records(frame)


def _console():
    """A rich console; wide when the output is not a terminal (files, pipes, tests)."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


def _why(explanation: str) -> str:
    """The "ahead of ... because ..." part of a queue explanation."""
    for marker in ("ahead of ", "last in the queue"):
        at = explanation.find(marker)
        if at >= 0:
            return explanation[at:]
    return explanation


def _notice(catalog: Catalog, *, err: bool) -> None:
    if catalog.illustrative:
        typer.echo(f"note: {catalog.describe()}", err=err)


# -- catalog ---------------------------------------------------------------------------------


@catalog_app.command("import")
def catalog_import_cmd(
    file: Path = typer.Argument(..., help="Catalog file: .csv, .yaml or .yml."),
    db: str | None = DB_OPTION,
) -> None:
    """Validate a catalog file and store it as the current catalog (all or nothing)."""
    from burdenshare.cases.catalog import read_catalog_file
    from burdenshare.services.queue import import_catalog

    catalog = read_catalog_file(file)  # validates everything before the store is touched
    version_id, created = import_catalog(db_engine(db), catalog)
    n_lines = len({item.production_line for item in catalog})
    if created:
        typer.echo(
            f"imported catalog {catalog.name!r} from {file.name}: {len(catalog)} items on "
            f"{n_lines} production lines (catalog version {version_id})"
        )
    else:
        typer.echo(
            f"unchanged: {file.name} has the same content as the current catalog "
            f"(version {version_id})"
        )
    _notice(catalog, err=False)


@catalog_app.command("show")
def catalog_show_cmd(
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show the current catalog (the illustrative one when none was imported)."""
    from burdenshare.services.queue import current_catalog

    fmt = _format(fmt)
    catalog = current_catalog(db_engine(db))
    items = catalog.to_frame()
    lines = catalog.lines().reset_index()
    if fmt == "json":
        echo_json({**_catalog_json(catalog), "items": _records(items), "lines": _records(lines)})
        return
    from rich.table import Table

    con = _console()
    title = catalog.describe()
    table = Table(title=title, title_justify="left")
    for col, just in (
        ("id", "left"),
        ("name", "left"),
        ("USML", "left"),
        ("line", "left"),
        ("cap/qtr", "right"),
        ("cap/yr", "right"),
        ("unit $M", "right"),
        ("lead (mo)", "right"),
        ("priority", "left"),
        ("US draw", "left"),
        ("backlog", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in items.itertuples(index=False):
        table.add_row(
            r.id,
            r.name,
            r.usml_category,
            r.production_line,
            f"{r.capacity_per_quarter:g}",
            f"{r.capacity_per_year:g}",
            f"{r.unit_cost_usd_m:g}",
            str(r.lead_time_months),
            r.strategy_priority,
            "yes" if r.us_forces_draw else "no",
            f"{r.backlog_units:g}",
        )
    con.print(table)
    if catalog.illustrative:
        con.print(f"[bold yellow]ILLUSTRATIVE:[/] {catalog.notice}", highlight=False)
    if catalog.source:
        con.print(f"source: {catalog.source}", highlight=False)


# -- cases queue -----------------------------------------------------------------------------


def queue_cmd(
    policy: str = POLICY_OPTION,
    against: str | None = typer.Option(
        None, "--against", help="Compare with 'fcfs' (first-come, first-served) or a policy."
    ),
    fmt: str = FORMAT_OPTION,
    as_of: str | None = AS_OF_OPTION,
    year: int | None = YEAR_OPTION,
    key: Path | None = KEY_OPTION,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show the first N (table)."),
    fast_lane: bool = FAST_LANE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Order the open cases by the priority key; explain every position."""
    from burdenshare.services import queue as svc

    fmt = _format(fmt)
    view = svc.build(
        db_engine(db),
        policy=policy,
        year=year,
        key_path=key,
        as_of=_as_of(as_of),
        against=against,
        fast_lane=fast_lane,
    )
    if fmt == "json":
        _notice(view.catalog, err=True)
        echo_json(view.rows())
        return
    _queue_table(
        view.queue,
        view.catalog,
        policy,
        view.key,
        view.as_of,
        view.against,
        limit,
        view.summary,
        view.fast_lane,
    )


def _queue_table(
    queue, catalog, policy, qkey, when, other_label, limit, summary, lane=None
) -> None:
    from rich.table import Table

    con = _console()
    if catalog.illustrative:
        con.print(f"[yellow]note:[/] {catalog.describe()}", highlight=False)
    if queue.empty:
        con.print("no open cases")
        return
    shown = queue if limit is None else queue.head(limit)
    if limit is None and len(queue) > 50:
        shown = queue.head(50)
    table = Table(
        title=f"priority queue: {len(queue)} open case(s), policy {policy}, key {qkey.version}, "
        f"as of {when.isoformat()}",
        title_justify="left",
    )
    cols = ["#", "case", "partner", "tier", "score", "items", "key", "lane"]
    if other_label:
        cols += [f"{other_label} #", "shift"]
    cols.append("why")
    for c in cols:
        right = c in ("#", "score", "key", "shift") or c.endswith(" #")
        table.add_column(
            c,
            justify="right" if right else "left",
            overflow="fold",
            no_wrap=c != "why" and c != "items",
        )
    other_col = "fcfs_position" if other_label == "fcfs" else "against_position"
    for r in shown.itertuples(index=False):
        why = _why(r.explanation)
        score = "" if r.score != r.score else f"{r.score:.1f}"
        row = [
            str(r.position),
            r.case_id,
            r.partner,
            "" if r.tier is None else str(r.tier),
            score,
            r.items,
            f"{r.priority_key:.1f}",
            "fast" if getattr(r, "fast_lane", False) else "",
        ]
        if other_label:
            other = getattr(r, other_col)
            row += [str(other), f"{int(other) - int(r.position):+d}"]
        row.append(why if r.eligible else "held: " + why)
        table.add_row(*row)
    con.print(table)
    if len(shown) < len(queue):
        con.print(f"(showing {len(shown)} of {len(queue)}; use --limit or --format json)")
    if other_label == "fcfs" and summary:
        con.print(
            f"vs first-come, first-served: {summary['moved']} of {summary['cases']} cases move; "
            f"mean shift {summary['mean_abs_shift']:.1f} places, max {summary['max_shift']}; "
            f"Kendall tau {summary['kendall_tau']:.3f}",
            highlight=False,
        )
    lane = lane or {"applied": False}
    if lane["applied"]:
        who = ", ".join(lane["partners"]) or "none of the queued partners"
        con.print(
            f"fast lane ({lane['rule']}): +{lane['queue_points']:g} queue points for cases of "
            f"qualified partners under policy {policy}: {who}; points from "
            f"{lane['expedite_file']} (version {lane['expedite_version']}"
            + (", illustrative)" if lane["illustrative"] else ")")
            + "; --no-fast-lane shows the queue without it",
            highlight=False,
        )
    else:
        con.print(f"fast lane not applied: {lane.get('reason', '')}", highlight=False)
    con.print(
        f"key: score x{qkey.score_points:g} + tier + item priority + readiness "
        f"{qkey.readiness_points:+g} + {qkey.age_points_per_year:g}/year of age; a case older by "
        f"more than {qkey.starvation_bound_years():.1f} years is always ahead",
        highlight=False,
    )


# -- cases schedule --------------------------------------------------------------------------


def schedule_cmd(
    method: str = typer.Option("greedy", "--method", help="greedy, optimal or fcfs"),
    horizon: int = typer.Option(20, "--horizon", help="Quarters to plan (>= 1)."),
    whatif: str | None = typer.Option(
        None, "--whatif", help="Case id: the delays moving it to the front causes to others."
    ),
    fmt: str = FORMAT_OPTION,
    policy: str = POLICY_OPTION,
    as_of: str | None = AS_OF_OPTION,
    year: int | None = YEAR_OPTION,
    key: Path | None = KEY_OPTION,
    time_limit: float = typer.Option(30.0, "--time-limit", help="Seconds for the optimal MILP."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative optimality gap for the MILP."),
    fast_lane: bool = FAST_LANE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """When does each open case deliver, given production capacity and backlog?"""
    from burdenshare.services import queue as svc

    fmt = _format(fmt)
    view = svc.schedule(
        db_engine(db),
        method=method,
        horizon=horizon,
        whatif=whatif,
        policy=policy,
        as_of=_as_of(as_of),
        year=year,
        key_path=key,
        time_limit=time_limit,
        gap=gap,
        fast_lane=fast_lane,
    )
    if fmt == "json":
        echo_json(view.to_json())
        return
    _schedule_table(
        view.result, view.problem, view.catalog, policy, whatif, view.moved, view.impact
    )


def _schedule_table(result, problem, catalog, policy, whatif, moved, impact) -> None:
    from rich.table import Table

    con = _console()
    totals = result.totals
    if catalog.illustrative:
        con.print(f"[yellow]note:[/] {catalog.describe()}", highlight=False)
    title = (
        f"delivery schedule ({result.method}, policy {policy}): {totals['cases']} case(s), "
        f"{totals['horizon']} quarters from {totals['first_quarter']}"
    )
    table = Table(title=title, title_justify="left")
    for c in (
        "#",
        "case",
        "partner",
        "tier",
        "items",
        "earliest",
        "delivery",
        "delay (q)",
        "weight",
    ):
        table.add_column(c, justify="right" if c in ("#", "delay (q)", "weight") else "left")
    for r in result.cases.head(60).itertuples(index=False):
        beyond = r.status == "beyond_horizon"
        table.add_row(
            str(r.position),
            r.case_id,
            str(getattr(r, "partner", "")),
            "" if getattr(r, "tier", None) is None else str(r.tier),
            str(getattr(r, "items", "")),
            r.earliest_quarter,
            "beyond horizon" if beyond else r.delivery_quarter,
            "" if beyond else str(r.delay),
            f"{r.weight:.2f}",
        )
    con.print(table)
    if len(result.cases) > 60:
        con.print(f"(showing 60 of {len(result.cases)}; use --format json for all)")
    lines = Table(
        title="backlog per line (units outstanding at the end of the quarter)", title_justify="left"
    )
    h = problem.horizon
    step = max(1, -(-h // 8))
    picks = list(range(0, h, step))
    lines.add_column("line")
    lines.add_column("cap/qtr", justify="right")
    for k in picks:
        lines.add_column(problem.quarter_label(k), justify="right")
    for k, (line, group) in enumerate(result.lines.groupby("line", sort=False)):
        values = group["backlog_units"].to_numpy()
        lines.add_row(line, f"{problem.capacity[k, 0]:g}", *[f"{values[j]:g}" for j in picks])
    con.print(lines)
    tiers = ", ".join(f"tier {k}: {v:.1f}" for k, v in totals["mean_delay_by_tier"].items())
    con.print(
        f"priority-weighted delay {totals['weighted_delay']:.1f}; mean delay "
        f"{totals['mean_delay_quarters']:.2f} quarters{f' ({tiers})' if tiers else ''}; "
        "beyond horizon "
        f"{totals['beyond_horizon']}",
        highlight=False,
    )
    if result.method == "optimal":
        gap = totals.get("mip_gap")
        con.print(
            f"MILP (HiGHS): {totals.get('status')}, gap "
            f"{'n/a' if gap is None else f'{100 * gap:.2f}%'}, bound "
            f"{totals.get('dual_bound', float('nan')):.1f}, time limit {totals['time_limit']:g}s, "
            f"{totals['seconds']:.1f}s",
            highlight=False,
        )
    if whatif is not None:
        others = impact[~impact["moved"]]
        hit = others[others["extra_delay"] != 0].sort_values("weighted_extra", ascending=False)
        moved_row = impact[impact["moved"]].iloc[0]
        after = moved_row["delivery_after"] or "beyond horizon"
        before = moved_row["delivery_before"] or "beyond horizon"
        delayed = int((others["extra_delay"] > 0).sum())
        con.print(
            f"what if {whatif} moves to the front: it delivers {after} (was {before}); "
            f"{delayed} other case(s) delayed, extra weighted delay "
            f"{others['weighted_extra'].sum():.1f}",
            highlight=False,
        )
        if not hit.empty:
            t = Table(title="cases affected", title_justify="left")
            for c in ("case", "before", "after", "extra (q)", "weighted"):
                t.add_column(c)
            for r in hit.head(40).itertuples(index=False):
                t.add_row(
                    r.case_id,
                    r.delivery_before or "beyond",
                    r.delivery_after or "beyond",
                    f"{r.extra_delay:+g}",
                    f"{r.weighted_extra:+.2f}",
                )
            con.print(t)
