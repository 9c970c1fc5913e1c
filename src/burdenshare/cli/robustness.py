"""``burdenshare robustness``: rank and tier distributions and Sobol' indices on the CLI.

Thin: parse the options, run :func:`burdenshare.services.partners.robustness` (the same run
as the API's ``/robustness``: panel from the store, starter snapshot when empty) with a
progress bar on stderr, render a table or JSON, optionally write the rank-interval chart.
"""

from __future__ import annotations

from enum import StrEnum

import typer

from burdenshare.cli.common import (
    DB_OPTION,
    FORMAT_OPTION,
    VINTAGE_OPTION,
    OutputFormat,
    clean_nan,
    echo_json,
    render,
)


class Backend(StrEnum):
    numpy = "numpy"
    dask = "dask"


def register(app: typer.Typer) -> None:
    app.command("robustness")(robustness_cmd)


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(x.strip().lower() for x in value.split(",") if x.strip())


def robustness_cmd(
    policy: str = typer.Option(
        "eo14383", "--policy", "-p", help="Built-in policy name or a policy YAML file."
    ),
    year: int | None = typer.Option(
        None, "--year", "-y", help="Year to score (default: latest well-covered year)."
    ),
    vintage: str = VINTAGE_OPTION,
    samples: int = typer.Option(10_000, "--samples", "-n", help="Monte Carlo samples."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same numbers)."),
    backend: Backend = typer.Option(Backend.numpy, "--backend", help="Where chunks run."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (default: a local cluster)."
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Parallel workers: numpy threads, or local Dask cluster processes (default: cores).",
    ),
    vary: str = typer.Option(
        "all",
        "--vary",
        help="Assumptions to vary, comma-separated: weights, normalisation, aggregation, "
        "missing, leave_one_out, estimates, uncertain (or all: every one but leave_one_out, "
        "which --audit reports as scenarios; data; none).",
    ),
    weight_scheme: str = typer.Option(
        "dirichlet", "--weight-scheme", help="dirichlet (around the policy) or uniform (+-x)."
    ),
    concentration: float = typer.Option(
        50.0, "--concentration", help="Dirichlet concentration (higher: closer to the policy)."
    ),
    weight_spread: float = typer.Option(
        0.25, "--weight-spread", help="Uniform scheme: each weight times U(1-x, 1+x)."
    ),
    normalisations: str = typer.Option(
        "minmax,percentile", "--normalisations", help="Alternative normalisations."
    ),
    aggregations: str = typer.Option(
        "arithmetic,geometric", "--aggregations", help="Alternative aggregations."
    ),
    missing_rules: str = typer.Option(
        "group_mean,worst", "--missing-rules", help="Alternative missing-data rules."
    ),
    estimate_spread: float = typer.Option(
        0.05, "--estimate-spread", help="Log-normal spread of values flagged estimate."
    ),
    uncertain_spread: float = typer.Option(
        0.15, "--uncertain-spread", help="Log-normal spread of values flagged uncertain."
    ),
    sobol_samples: int = typer.Option(
        2048,
        "--sobol-samples",
        help="Saltelli base samples for Sobol' indices (0: none); a scrambled Sobol' "
        "sequence, best a power of two.",
    ),
    top: int = typer.Option(10, "--top", help="Report P(rank <= N) for this N."),
    chunk_size: int | None = typer.Option(
        None, "--chunk-size", help="Samples per chunk (default: sized to memory)."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
    plot: str | None = typer.Option(None, "--plot", help="Write the rank intervals (.png/.svg)."),
    audit: bool = typer.Option(
        True,
        "--audit/--no-audit",
        help="Add effective importance of each indicator and the leave-one-out scenarios.",
    ),
    db: str | None = DB_OPTION,
) -> None:
    """How certain is each priority? Monte Carlo rank/tier distributions and Sobol' indices."""
    from burdenshare.services.partners import RobustnessSpec

    spec = RobustnessSpec(
        policy=policy,
        year=year,
        vintage=vintage,
        samples=samples,
        seed=seed,
        sobol_samples=sobol_samples,
        vary=vary,
        weight_scheme=weight_scheme,
        concentration=concentration,
        weight_spread=weight_spread,
        normalisations=_split(normalisations) or (),
        aggregations=_split(aggregations) or (),
        missing_rules=_split(missing_rules) or (),
        estimate_spread=estimate_spread,
        uncertain_spread=uncertain_spread,
        top=top,
        chunk_size=chunk_size,
        audit=audit,
    )
    spec.check()
    if workers is not None and workers < 1:
        from burdenshare.errors import UserError

        raise UserError(f"must be a positive number, not {workers}", where="--workers")
    if plot is not None:
        from burdenshare.cli.common import check_output_path
        from burdenshare.uncertainty.plot import SUFFIXES

        check_output_path(plot, "--plot", suffixes=SUFFIXES)
    result = _run(spec, db, backend.value, scheduler, workers)
    if plot is not None:
        from burdenshare.cli.common import atomic_path
        from burdenshare.uncertainty.plot import plot_rank_intervals

        with atomic_path(plot) as tmp:
            plot_rank_intervals(result, tmp)
    if fmt is OutputFormat.json:
        echo_json(clean_nan(result.to_dict()))
    elif fmt is OutputFormat.table:
        _table(result)
    else:
        rows = [_flat(r) for r in result.country_records()]
        render(rows, fmt, columns=list(rows[0]) if rows else ["iso3"])


def _flat(record: dict) -> dict:
    """A country record with its tier probabilities as columns (for CSV and Markdown)."""
    out: dict = {}
    for k, v in record.items():
        if k == "rank_median_mc_band":
            low, high = v if v is not None else (None, None)
            out["rank_median_mc_low"], out["rank_median_mc_high"] = low, high
        elif k != "tier_probabilities":
            out[k] = v
    for name, p in record.get("tier_probabilities", {}).items():
        out[f"p_{name.split(':')[0].strip().lower().replace(' ', '_')}"] = p
    return out


def _run(spec, db: str | None, backend: str, scheduler: str | None, workers: int | None):
    """Run the service's analysis with a Rich progress bar on stderr (model evaluations)."""
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    from burdenshare.cli.common import engine, stderr_progress
    from burdenshare.services.partners import robustness

    with stderr_progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
    ) as bar:
        task = bar.add_task("robustness", total=0)
        return robustness(
            engine(db),
            spec,
            backend=backend,
            scheduler=scheduler,
            workers=workers,
            on_start=lambda total: bar.update(task, total=total),
            progress=lambda k: bar.advance(task, k),
        )


def _table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = (
        f"Robustness of {result.settings.get('policy')} {result.settings.get('year')}: "
        f"{result.n_samples:,} samples, seed {result.seed}; varied: "
        f"{', '.join(result.varied) or 'nothing'}"
    )
    table = Table(title=title)
    for col in ("iso3", "nominal", "median", "5-95%"):
        table.add_column(col, justify="right" if col != "iso3" else "left")
    short = [name.split(":")[0] for name in result.tier_names]
    for name in short:
        table.add_column(f"P({name})", justify="right")
    table.add_column(f"P(top {result.top_n})", justify="right")
    table.add_column("P(tier changes)", justify="right")

    def show(v):
        r = result.rank(v)
        return "-" if r is None else str(r)

    ranked_records = result.country_records()[: len(result.countries)]
    for rec, c in zip(ranked_records, result.sorted_indices(), strict=True):
        probs = [f"{result.tier_probabilities[c, t]:.2f}" for t in range(len(short))]
        table.add_row(
            rec["iso3"],
            show(result.nominal_rank[c]),
            show(result.rank_median[c]),
            f"{show(result.rank_p05[c])}-{show(result.rank_p95[c])}",
            *probs,
            f"{result.p_top_n[c]:.2f}",
            f"{result.p_tier_changed[c]:.2f}",
        )
    console.print(table)
    if result.outside:
        console.print(
            "Not ranked in any sample (denied by a gate, outside the pool of the "
            f"statistics): {', '.join(result.outside)}"
        )
    band = result.rank_median_band
    if band is not None:
        ranked = result.rank_median <= len(result.countries)
        loose = int(((band[:, 0] != band[:, 1]) & ranked).sum())
        console.print(
            f"Medians are Monte Carlo estimates: {loose} of {int(ranked.sum())} are not "
            f"pinned to one rank at {result.n_samples:,} samples (99% band: "
            "rank_median_mc_band in --format json, rank_median_mc_low/high in csv)."
        )
    tiers = result.settings.get("tiers", {})
    if tiers.get("text"):
        console.print(f"Tiers: {tiers['text']}.")
    _audit_tables(console, result)
    if result.sobol is not None:
        sob = Table(title=f"Sobol' indices on the ranks ({result.sobol.n_base:,} base samples)")
        for col in ("assumption", "S1", "S1 95% CI", "ST", "ST 95% CI"):
            sob.add_column(col, justify="left" if col == "assumption" else "right")
        for name, v in result.sobol.rank.to_dict().items():
            sob.add_row(
                name,
                _num(v["S1"]),
                f"{_num(v['S1_ci'][0])} to {_num(v['S1_ci'][1])}",
                _num(v["ST"]),
                f"{_num(v['ST_ci'][0])} to {_num(v['ST_ci'][1])}",
            )
        console.print(sob)
        extra = result.sobol.extra
        for name, target in extra.get("sobol_targets", {}).items():
            conv = extra["sobol_convergence"].get(name, {})
            ok = "converged" if conv.get("converged") else "NOT converged"
            change = conv.get("max_abs_change_ST_half_to_full")
            title = (
                f"Sobol' indices on {name} ({ok}: largest change of ST from N/2 to N "
                f"{_num(change)}, tolerance {conv.get('tolerance')})"
            )
            t = Table(title=title, caption=target["definition"])
            for col in ("assumption", "S1", "ST", "ST 95% CI"):
                t.add_column(col, justify="left" if col == "assumption" else "right")
            for a, v in target["indices"].items():
                t.add_row(
                    a,
                    _num(v["S1"]),
                    _num(v["ST"]),
                    f"{_num(v['ST_ci'][0])} to {_num(v['ST_ci'][1])}",
                )
            console.print(t)


def _audit_tables(console, result) -> None:
    """Effective importance next to the nominal weights, and the leave-one-out scenarios."""
    from rich.table import Table

    imp = result.audit.get("effective_importance")
    if imp:
        t = Table(title=f"Effective importance ({imp['countries']} countries ranked)")
        for col in ("indicator", "weight", "corr. ratio", "importance", "importance/weight"):
            t.add_column(col, justify="left" if col == "indicator" else "right")
        for name, v in imp["indicators"].items():
            t.add_row(
                name,
                _num(v["nominal_weight"]),
                _num(v["correlation_ratio"]),
                _num(v["effective_importance"]),
                _num(v["importance_over_weight"]),
            )
        console.print(t)
    loo = result.audit.get("leave_one_out")
    if loo and loo["scenarios"]:
        t = Table(title=f"Leave one indicator out ({loo['countries']} countries, fixed set)")
        for col in ("scenario", "mean |shift|", "max |shift|", "most moved", "tier changes"):
            t.add_column(col, justify="left" if col in ("scenario", "most moved") else "right")
        for sc in loo["scenarios"]:
            t.add_row(
                sc["scenario"],
                f"{sc['mean_abs_rank_shift']:.2f}",
                str(sc["max_abs_rank_shift"]),
                str(sc["most_moved"] or "-"),
                str(sc["tier_changes"]),
            )
        console.print(t)


def _num(v) -> str:
    return "-" if v is None else f"{v:.3f}"
