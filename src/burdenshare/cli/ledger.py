"""``burdenshare ledger`` and ``burdenshare fastlane check``.

Thin: parse options, call :mod:`burdenshare.services.ledger`, render as a table, JSON, CSV
or Markdown. ``--format json|csv`` writes exactly that to stdout; notices (synthetic cases,
illustrative catalog and targets) go to stderr then, and into the output itself as fields.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from burdenshare.cli.common import DB_OPTION, echo_json

fastlane_app = typer.Typer(
    help="The fast lane (EO 14383): which partners qualify and what it gains their cases.",
    no_args_is_help=True,
)


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


#: Partner columns shown in the table and Markdown outputs, with their headers.
SHOWN: tuple[tuple[str, str], ...] = (
    ("iso3", "partner"),
    ("spending_pct", "% GDP"),
    ("increase_pp", "+pp"),
    ("increase_usd_m_const", "+US$m const"),
    ("tier_now", "tier"),
    ("tier_at_target", "tier@T"),
    ("rank_now", "rank"),
    ("rank_at_target", "rank@T"),
    ("fast_lane_now", "fast"),
    ("fast_lane_at_target", "fast@T"),
    ("open_cases", "cases"),
    ("positions_at_stake", "positions"),
    ("quarters_at_stake", "case-qtrs"),
    ("days_at_stake", "case-days"),
    ("processing_days_at_stake", "proc. days"),
)

POLICY_OPTION = typer.Option("eo14383", "--policy", help="Scoring policy (name or YAML file).")
YEAR_OPTION = typer.Option(None, "--year", help="Data year for the partner scores.")
AS_OF_OPTION = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD; default today).")
EEUM_OPTION = typer.Option(
    None,
    "--eeum-open",
    help="Partner with an open end-use monitoring discrepancy (repeatable; not in the store).",
)


def register(app: typer.Typer) -> None:
    """Add ``ledger`` and the ``fastlane`` group."""
    app.command("ledger")(ledger_cmd)
    app.add_typer(fastlane_app, name="fastlane")
    for info in app.registered_groups:  # ``monitor ledger`` joins the monitor group if present
        if info.name == "monitor" and info.typer_instance is not None:
            info.typer_instance.command("ledger")(monitor_ledger_cmd)


def _engine(db: str | None):
    from burdenshare.cli.common import db_url
    from burdenshare.services.context import engine_for

    return engine_for(db_url(db))


def _cell(value: Any, col: str) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if col in ("spending_pct", "increase_pp"):
        return f"{value:.2f}"
    if col in ("increase_usd_m_const", "days_at_stake"):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def ledger_cmd(
    partner: str | None = typer.Option(None, "--partner", help="One partner (ISO3 or name)."),
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    target: str = typer.Option(
        "2", "--target", help="Spending target: 2 (NATO guideline), 3.5 (Hague core) or % GDP."
    ),
    method: str = typer.Option("greedy", "--method", help="Schedule: greedy or optimal (slow)."),
    horizon: int = typer.Option(12, "--horizon", help="Schedule horizon in quarters."),
    as_of: str | None = AS_OF_OPTION,
    eeum_open: list[str] | None = EEUM_OPTION,
    key: Path | None = typer.Option(None, "--key", help="Queue-key YAML (default: the package's)."),
    cases: bool = typer.Option(False, "--cases", help="Per-case rows too (json, csv, table)."),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv or md."),
    db: str | None = DB_OPTION,
) -> None:
    """What falling short of the spending target costs each partner, computed: tier, rank,
    fast lane, queue positions and delivery days at stake, the increase that closes the gap."""
    from burdenshare.services import ledger as svc

    view = svc.ledger(
        _engine(db),
        policy=policy,
        year=year,
        target=target,
        as_of=as_of,
        horizon=horizon,
        method=method,
        partner=partner,
        eeum_open=eeum_open or (),
        key=key,
    )
    if fmt is Fmt.json:
        for note in view.notices():
            typer.echo(f"note: {note}", err=True)
        echo_json(view.to_json(cases=cases))
        return
    if fmt is Fmt.csv:
        import sys

        for note in view.notices():
            typer.echo(f"note: {note}", err=True)
        frame = view.cases.loc[:, list(svc.CASE_COLUMNS)] if cases else view.partners
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    rows = svc.records(view.partners)
    meta = view.ledger.meta
    title = (
        f"consequence ledger: policy {meta['policy']}, data year {meta['year']}, target "
        f"{meta['target_pct']:g}% of GDP ({view.target_source}), {meta['method']} schedule "
        f"over {meta['horizon_quarters']} quarters from {meta['first_quarter']}, as of "
        f"{meta['as_of']}"
    )
    if fmt is Fmt.md:
        head = [h for _, h in SHOWN]
        lines = [f"**{title}**", "", "| " + " | ".join(head) + " |"]
        lines.append("|" + "|".join("---" for _ in head) + "|")
        for r in rows:
            lines.append("| " + " | ".join(_cell(r[c], c) for c, _ in SHOWN) + " |")
        lines += ["", *(f"- {r['iso3']}: {r['explanation']}" for r in rows if r["open_cases"])]
        lines += ["", *(f"> {n}" for n in view.notices())]
        typer.echo("\n".join(lines))
        return
    _table(view, rows, title, cases)


def _table(view: Any, rows: list[dict[str, Any]], title: str, cases: bool) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    con = Console() if sys.stdout.isatty() else Console(width=200)
    for note in view.notices():
        con.print(f"[yellow]note:[/] {note}", highlight=False)
    table = Table(title=title, title_justify="left")
    for col, head in SHOWN:
        table.add_column(head, justify="left" if col == "iso3" else "right")
    for r in rows:
        table.add_row(*(_cell(r[c], c) for c, _ in SHOWN))
    con.print(table)
    t = view.ledger.totals
    con.print(
        f"total: {t['open_cases']} open case(s), {t['positions_at_stake']:,} queue positions, "
        f"{t['quarters_at_stake']:g} case-quarters (~{t['days_at_stake']:,.0f} case-days) and "
        f"{t['processing_days_at_stake']:g} processing days at stake; {t['below_target']} "
        f"partner(s) below the target (US${t['increase_usd_m_const']:,.0f}m a year, constant)",
        highlight=False,
    )
    for r in rows:
        if r["open_cases"] or len(rows) == 1:
            con.print(f"- {r['explanation']}", highlight=False)
    if cases and not view.cases.empty:
        ct = Table(title="per case", title_justify="left")
        cols = [
            "case_id",
            "partner",
            "position_now",
            "position_at_target",
            "delivery_now",
            "delivery_at_target",
            "fast_lane_at_target",
            "processing_days_at_stake",
        ]
        for c in cols:
            ct.add_column(c)
        for r in view.cases.head(200).itertuples(index=False):
            ct.add_row(*(_cell(getattr(r, c), c) for c in cols))
        con.print(ct)


@fastlane_app.command("check")
def fastlane_check_cmd(
    iso3: str = typer.Argument(..., help="Partner (ISO3 or name)."),
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    as_of: str | None = AS_OF_OPTION,
    eeum_open: list[str] | None = EEUM_OPTION,
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv or md."),
    db: str | None = DB_OPTION,
) -> None:
    """Whether a partner qualifies for the fast lane, criterion by criterion with sources, and
    what the fast lane gains (or would gain) on each of its open cases."""
    from burdenshare.services import ledger as svc

    out = svc.fast_lane_check(
        _engine(db), iso3, policy=policy, year=year, as_of=as_of, eeum_open=eeum_open or ()
    )
    if fmt is Fmt.json:
        echo_json(out)
        return
    if fmt is Fmt.csv:
        import csv
        import sys

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["iso3", "criterion", "passed", "description", "source"])
        for c in out["criteria"]:
            w.writerow([out["iso3"], c["id"], c["passed"], c["description"], c["source"]])
        return
    lines = [out["verdict"] + (f" (tier {out['tier']})" if out["tier"] else "")]
    for c in out["criteria"]:
        mark = "pass" if c["passed"] else "FAIL"
        lines.append(f"  {mark}  {c['id']}: {c['description']} [{c['source']}]")
    exp = out["expedite"]
    lines.append(
        f"expedited targets {exp['version']} (effective {exp['effective']}"
        + (", ILLUSTRATIVE policy defaults" if exp["illustrative"] else "")
        + f"): +{exp['queue_points']:g} queue points; pre-cleared catalog items skip "
        + (", ".join(out["pre_cleared_skips"]) or "nothing")
    )
    for name, s in exp["steps"].items():
        std = "/".join(f"{k} {v:g}" for k, v in s["standard"].items())
        fast = "/".join(f"{k} {v:g}" for k, v in s["fast_lane"].items())
        tag = " (statutory: never shortened)" if s["statutory"] else ""
        lines.append(f"  {name}: {std} -> {fast} days{tag} [{s['source']}]")
    if out["cases"]:
        verb = "gains" if out["qualifies"] else "would gain if it qualified"
        syn = f", {out['synthetic_cases']} SYNTHETIC" if out["synthetic_cases"] else ""
        lines.append(f"open cases ({len(out['cases'])}{syn}): what the fast lane {verb}")
        ahead = [r for r in out["cases"] if r["days_standard"] > r["days_fast_lane"]]
        for r in ahead:
            lines.append(
                f"  {r['case_id']}: {r['days_standard']:g} -> {r['days_fast_lane']:g} processing "
                f"days{' (pre-cleared items)' if r['pre_cleared'] else ''}: {r['why']}"
            )
        rest = len(out["cases"]) - len(ahead)
        if rest:
            lines.append(
                f"  {rest} case(s) have no step ahead that the fast lane shortens (past the "
                "offer); the queue points still apply to them"
            )
    else:
        lines.append("no open cases")
    if fmt is Fmt.md:
        lines = [f"- {line.strip()}" if line.startswith("  ") else f"**{line}**" for line in lines]
    typer.echo("\n".join(lines))


def monitor_ledger_cmd(
    group: str = typer.Option("nato", "--group", help="Allies: a group (nato, mnna, ...)."),
    target: str = typer.Option("2", "--target", help="2, 3.5 or a share of GDP."),
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    as_of: str | None = AS_OF_OPTION,
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table, json, csv or md."),
    db: str | None = DB_OPTION,
) -> None:
    """The consequence ledger's headline per ally: positions and days at stake if it fell
    short of the target, tier and fast lane now and at the target."""
    from burdenshare.services import ledger as svc

    rows, view = svc.ally_headlines(
        _engine(db), group=group, target=target, policy=policy, year=year, as_of=as_of
    )
    notices = view.notices()
    if fmt is Fmt.json:
        for note in notices:
            typer.echo(f"note: {note}", err=True)
        echo_json(
            {"meta": view.to_json(cases=False)["meta"], "notices": notices,
             "allies": svc.records(rows)}
        )  # fmt: skip
        return
    if fmt is Fmt.csv:
        import sys

        for note in notices:
            typer.echo(f"note: {note}", err=True)
        rows.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    cols = [
        ("iso3", "ally"),
        ("spending_pct", "% GDP"),
        ("tier_now", "tier"),
        ("tier_at_target", "tier@T"),
        ("fast_lane_at_target", "fast@T"),
        ("open_cases", "cases"),
        ("positions_at_stake", "positions"),
        ("days_at_stake", "case-days"),
    ]
    recs = svc.records(rows)
    meta = view.ledger.meta
    title = (
        f"{group.upper()} allies: what falling short of {meta['target_pct']:g}% of GDP costs "
        f"each (policy {meta['policy']}, {meta['method']} schedule, as of {meta['as_of']})"
    )
    lines = [title, "", "| " + " | ".join(h for _, h in cols) + " |"]
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for r in recs:
        lines.append("| " + " | ".join(_cell(r[c], c) for c, _ in cols) + " |")
    lines += [f"note: {n}" for n in notices]
    typer.echo("\n".join(lines))
