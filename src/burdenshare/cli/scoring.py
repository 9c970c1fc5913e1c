"""``burdenshare rank | explain | compare | whatif``: partner scoring on the command line.

Thin: parse, call :mod:`burdenshare.services.partners` (the panel from the store, the starter
snapshot in memory when it is empty; results cached by inputs), render as a Rich table, JSON,
CSV or Markdown.
"""

from __future__ import annotations

import typer

from burdenshare.cli.common import (
    DB_OPTION,
    FORMAT_OPTION,
    VINTAGE_OPTION,
    OutputFormat,
    clean_nan,
    echo_json,
    markdown_table,
    render,
)
from burdenshare.cli.common import engine as db_engine
from burdenshare.services.partners import RANK_FIELDS

POLICY_OPTION = typer.Option(
    "eo14383", "--policy", "-p", help="Built-in policy name or a policy YAML file."
)
YEAR_OPTION = typer.Option(
    None, "--year", "-y", help="Year to score (default: latest year with NATO coverage >= 80%)."
)

TIER_STYLES = ("bold green", "yellow", "white", "cyan", "magenta")
FLAG_MARKS = {
    "estimate": "e",
    "uncertain": "u",
    "imputed": "i",
    "not_independent": "x",
    "what-if": "w",
}


def register(app: typer.Typer) -> None:
    app.command("rank")(rank_cmd)
    app.command("explain")(explain_cmd)
    app.command("compare")(compare_cmd)
    app.command("whatif")(whatif_cmd)


def _records(table) -> list[dict]:
    from burdenshare.services.partners import ranking_rows

    return ranking_rows(table)


def _markdown(headers: list[str], rows: list[list]) -> str:
    return markdown_table([dict(zip(headers, row, strict=True)) for row in rows], headers)


def _fmt_score(v) -> str:
    return "" if v is None else f"{v:.1f}"


def _marks(flags: list[str]) -> str:
    return "".join(FLAG_MARKS[f] for f in flags if f in FLAG_MARKS)


def _footer(panel, result) -> str:
    used = sorted(
        {
            s
            for cell in result.sources.to_numpy().ravel()
            if cell
            for s in str(cell).split("+")
            if s in panel.vintages
        }
    )
    src = "; ".join(f"{s} {panel.vintages[s]}" for s in used)
    legend = ", ".join(f"{m} {f}" for f, m in FLAG_MARKS.items() if f != "what-if")
    return f"Sources: {src}\nFlags: {legend}"


def rank_cmd(
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    region: str | None = typer.Option(
        None, "--region", "-r", help="Only this theater (europe, indo_pacific, ...)."
    ),
    top: int | None = typer.Option(None, "--top", "-n", min=1, help="Show the first N rows."),
    fmt: OutputFormat = FORMAT_OPTION,
    vintage: str = VINTAGE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Rank partners under a policy: score, rank, tier and eligibility."""

    def answer() -> dict:
        from burdenshare.services import partners

        ranking = partners.rank(db_engine(db), policy, year, vintage, region=region, top=top)
        pol, panel = ranking.policy, ranking.panel
        return {
            "rows": ranking.rows,
            "title": f"{pol.title} — {panel.year}",
            "caption": _footer(panel, ranking.result),
        }

    view = _view("rankview", db, [policy], (year, vintage, region, top), answer)
    rows = view["rows"]
    if fmt is OutputFormat.md:
        rows = [
            {**r, "score": _fmt_score(r["score"]), "eligible": "yes" if r["eligible"] else "no"}
            for r in rows
        ]
        columns = ["rank", "iso3", "name", "score", "tier", "eligible", "flags"]
    else:
        columns = list(RANK_FIELDS)
    render(
        rows,
        fmt,
        columns=columns,
        table=lambda: _rich_rank(rows, view["title"], view["caption"]),
    )


def _view(kind: str, db, policies: list[str], parts: tuple, build):
    """``build()``'s answer, from the disk cache when a finished answer for the same store
    state, policies and options exists; found without SQLAlchemy, pandas or the policy schema
    (their imports cost more than a warm answer): the store's fingerprint is read with
    sqlite3 and each policy by its file's text. Anything unusual takes the full path, which
    reports errors; an error is never cached."""
    from burdenshare import cache

    key = _view_key(db, policies, parts)
    return build() if key is None else cache.cached(kind, key, build)


def _view_key(db, policies: list[str], parts: tuple) -> tuple | None:
    import hashlib
    from importlib import resources
    from pathlib import Path

    from burdenshare.store.quick import sqlite_fingerprint

    store = sqlite_fingerprint(db)
    if store is None:
        return None
    digests = []
    for policy in policies:
        # the package's data folder: importing burdenshare.policy would import the schema
        builtin = resources.files("burdenshare").joinpath("policy", "policies", f"{policy}.yaml")
        try:
            text = builtin.read_bytes() if builtin.is_file() else Path(policy).read_bytes()
        except OSError:
            return None
        digests.append((policy, hashlib.sha256(text).hexdigest()))
    return (store, tuple(digests), parts)


def _rich_rank(rows, title: str, caption: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, caption=caption, caption_justify="left")
    for col, just in (
        ("#", "right"),
        ("iso3", "left"),
        ("country", "left"),
        ("score", "right"),
        ("tier", "left"),
        ("eligible", "left"),
        ("flags", "left"),
        ("gates", "left"),
    ):
        t.add_column(col, justify=just)
    for r in rows:
        tier = r["tier"]
        style = TIER_STYLES[min(tier - 1, len(TIER_STYLES) - 1)] if tier else "red"
        t.add_row(
            "" if r["rank"] is None else str(r["rank"]),
            r["iso3"],
            r["name"],
            _fmt_score(r["score"]),
            Text(f"{tier}" if tier else r["status"], style=style),
            "yes" if r["eligible"] else Text("no", style="red"),
            _marks(r["flags"]),
            ", ".join(r["gates"]),
        )
    Console().print(t)


def explain_cmd(
    country: str = typer.Argument(..., help="Country name or ISO code."),
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
    vintage: str = VINTAGE_OPTION,
    db: str | None = DB_OPTION,
    robustness_samples: int = typer.Option(
        10_000,
        "--robustness",
        help="Monte Carlo samples for the robustness line (rank interval, tier "
        "probabilities; default variation, seed 0); 0 leaves it out.",
    ),
) -> None:
    """Why a country scores what it does: contributions, gates, flags, what it would take,
    and how robust its rank and tier are to the policy's choices and to flagged data."""
    from burdenshare.errors import UserError
    from burdenshare.services import partners

    if robustness_samples < 0:
        raise UserError("must be 0 (off) or a positive sample count", where="--robustness")
    data = _view(
        "explainview",
        db,
        [policy],
        (country, year, vintage, robustness_samples),
        lambda: partners.explain(
            db_engine(db), country, policy, year, vintage, robustness_samples=robustness_samples
        ),
    )
    robustness_text = data.pop("robustness_line") or ""
    data.pop("meta")
    if fmt is OutputFormat.json:
        echo_json(clean_nan(data))
        return
    if fmt is OutputFormat.csv:
        render(data["indicators"], fmt, columns=EXPLAIN_COLUMNS)
        return
    if fmt is OutputFormat.md:
        typer.echo(_explain_md(data))
        if robustness_text:
            typer.echo(f"\n{robustness_text}")
        return
    _rich_explain(data)
    if robustness_text:
        typer.echo(robustness_text)


EXPLAIN_COLUMNS = [
    "indicator",
    "pillar",
    "value",
    "unit",
    "normalised",
    "weight",
    "contribution",
    "source",
    "flags",
]


def _explain_md(d: dict) -> str:
    head = (
        f"## {d['name']} ({d['iso3']}), {d['year']}, policy {d['policy']}\n\n"
        f"Score {_fmt_score(d['score'])}, rank {d['rank']}, tier {d['tier']}, "
        f"eligible: {'yes' if d['eligible'] else 'no'} ({d['status']})\n\n"
    )
    rows = [
        [
            i["indicator"],
            i["pillar"],
            _num(i["value"]),
            _num(i["normalised"]),
            _num(i["weight"]),
            _num(i["contribution"]),
            i["source"],
            ", ".join(i["flags"]),
        ]
        for i in d["indicators"]
    ]
    body = _markdown(
        ["indicator", "pillar", "value", "normalised", "weight", "contribution", "source", "flags"],
        rows,
    )
    gates = "\n".join(
        f"- {g['id']}: {'applies' if g['applied'] else 'does not apply'} ({g['effect']})"
        + (f": {g['listing']}" if g.get("listing") else "")
        for g in d["gates"]
    )
    return f"{head}{body}\n\n### Gates\n{gates}\n\n### What it would take\n{_wiwt_text(d)}\n"


def _num(v) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _wiwt_text(d: dict) -> str:
    w = d.get("what_it_would_take") or {}
    if not w:
        return ""
    if w.get("reachable"):
        return (
            f"Defense spending of {w['required']:.2f}% of GDP (+{w['increase']:.2f} pp, from "
            f"{w['current']:.2f}%) lifts it to tier {w['target_tier']}, all else fixed."
        )
    return str(w.get("note", ""))


def _rich_explain(d: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    tier = d["tier"]
    console.print(
        f"[bold]{d['name']}[/] ({d['iso3']}) — {d['year']}, policy [bold]{d['policy']}[/]: "
        f"score [bold]{_fmt_score(d['score'])}[/], rank {d['rank'] or '-'}, "
        f"tier {tier or '-'} ({d['tier_label'] or d['status']}), "
        f"eligible: {'yes' if d['eligible'] else '[red]no[/]'}"
    )
    t = Table(
        caption="contributions add up to the score"
        if d["aggregation"] == "arithmetic"
        else "log contributions add up to ln(1 + 0.99 score) (geometric mean on [1, 100])",
        caption_justify="left",
    )
    for col in (
        "indicator",
        "pillar",
        "value",
        "normalised",
        "weight",
        "contribution",
        "source",
        "flags",
    ):
        t.add_column(
            col,
            justify="right" if col in ("value", "normalised", "weight", "contribution") else "left",
        )
    for i in d["indicators"]:
        t.add_row(
            i["label"],
            i["pillar"],
            _num(i["value"]),
            _num(i["normalised"]),
            _num(i["weight"]),
            _num(i["contribution"]),
            i["source"] or "",
            ", ".join(i["flags"]),
        )
    console.print(t)
    for g in d["gates"]:
        mark = "[red]applies[/]" if g["applied"] else "does not apply"
        console.print(f"gate {g['id']}: {mark} — {g['description']}")
        if g.get("listing"):  # ITAR 126.1 listing behind an applied gate, with its citation
            console.print(f"  {g['listing']}")
    if d["flags"]:
        console.print(f"data flags: {', '.join(d['flags'])}")
    console.print(f"what it would take: {_wiwt_text(d)}")
    if d.get("method", {}).get("rank"):
        console.print(f"[dim]rank: {d['method']['rank']}[/]")


def compare_cmd(
    policy_a: str = typer.Argument(..., help="First policy (name or file)."),
    policy_b: str = typer.Argument(..., help="Second policy (name or file)."),
    year: int | None = YEAR_OPTION,
    top: int | None = typer.Option(None, "--top", "-n", min=1, help="Show the first N rows."),
    fmt: OutputFormat = FORMAT_OPTION,
    vintage: str = VINTAGE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Compare two policies: rank shifts, tier changes, Spearman and Kendall correlations."""
    from burdenshare.services import partners

    cmp = _view(
        "compareview",
        db,
        [policy_a, policy_b],
        (year, vintage, top),
        lambda: partners.compare(db_engine(db), policy_a, policy_b, year, vintage, top=top),
    )
    rows = cmp["rows"]
    if fmt is OutputFormat.json:
        echo_json({k: v for k, v in cmp.items() if k not in ("year", "vintages")})
        return
    cols = ["iso3", "name", "rank_a", "rank_b", "shift", "tier_a", "tier_b", "tier_changed"]
    if fmt is OutputFormat.csv:
        render(rows, fmt, columns=cols)
        return
    summary = (
        f"{cmp['policy_a']} vs {cmp['policy_b']}, {cmp['year']}: Spearman {cmp['spearman']:.3f}, "
        f"Kendall {cmp['kendall']:.3f} over {cmp['n']} countries ranked under both; "
        f"{cmp['tier_changes']} tier changes"
    )
    if fmt is OutputFormat.md:
        typer.echo(summary + "\n\n" + _markdown(cols, [[r[c] for c in cols] for r in rows]))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=summary)
    for c in cols:
        t.add_column(c)
    for r in rows:
        shift = r["shift"]
        s = (
            ""
            if shift is None
            else (f"[green]+{shift}[/]" if shift > 0 else f"[red]{shift}[/]" if shift < 0 else "0")
        )
        t.add_row(
            r["iso3"],
            r["name"],
            str(r["rank_a"] or "-"),
            str(r["rank_b"] or "-"),
            s,
            str(r["tier_a"] or "-"),
            str(r["tier_b"] or "-"),
            "[yellow]yes[/]" if r["tier_changed"] else "",
        )
    Console().print(t)


def whatif_cmd(
    country: str = typer.Argument(..., help="Country name or ISO code."),
    set_: list[str] = typer.Option(
        ..., "--set", "-s", help="INDICATOR=VALUE, e.g. milex_gdp_pct=3.0 (repeatable)."
    ),
    policy: str = POLICY_OPTION,
    year: int | None = YEAR_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
    vintage: str = VINTAGE_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """What if a country's values changed: the new score, rank and tier (all recomputed)."""
    from burdenshare.services import partners

    out = _view(
        "whatifview",
        db,
        [policy],
        (country, tuple(set_), year, vintage),
        lambda: partners.whatif(db_engine(db), country, list(set_), policy, year, vintage),
    )
    out.pop("meta")
    iso3, changes = out["iso3"], out["changes"]
    if fmt is OutputFormat.json:
        echo_json(out)
        return
    if fmt in (OutputFormat.csv, OutputFormat.md):
        rows = [
            {"field": k, "before": out["before"][k], "after": out["after"][k]}
            for k in ("score", "rank", "tier", "tier_label", "eligible", "status")
        ]
        title = f"{out['name']} ({iso3}), {out['year']}, policy {out['policy']}: " + ", ".join(
            f"{k}={v:g}" for k, v in changes.items()
        )
        render(rows, fmt, columns=["field", "before", "after"], title=title)
        return
    lines = [
        f"{out['name']} ({iso3}), {out['year']}, policy {out['policy']}: "
        + ", ".join(f"{k}={v:g}" for k, v in changes.items())
    ]
    for k in ("score", "rank", "tier", "eligible"):
        b, a = out["before"][k], out["after"][k]
        if k == "score":
            b, a = _fmt_score(b), _fmt_score(a)
        lines.append(f"  {k:<8} {b} -> {a}")
    typer.echo("\n".join(lines))
