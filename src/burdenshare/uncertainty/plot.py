"""Rank-interval chart: one row per country, sorted by median rank.

Each row shows the 5-95% Monte Carlo rank interval as a bar, the median rank as a dot and
the nominal rank as a cross, so a reader sees at a glance which positions are settled and
which depend on the assumptions. Written with matplotlib's Agg backend (no display needed);
the file type follows the extension (.png or .svg).
"""

from __future__ import annotations

from pathlib import Path

from burdenshare.errors import UserError
from burdenshare.uncertainty.summary import RobustnessResult

SUFFIXES = (".png", ".svg")


def plot_rank_intervals(result: RobustnessResult, path: str | Path) -> Path:
    """Write the rank-interval chart of ``result`` to ``path`` (.png or .svg)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError(
            f"plot file must end in .png or .svg, not {path.suffix or '(none)'!r}", where="--plot"
        )
    if not path.parent.exists():
        raise UserError(f"folder {str(path.parent)!r} does not exist", where="--plot")
    import textwrap

    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    order = result.sorted_indices()
    n = len(order)
    c = len(result.countries)
    fig = Figure(figsize=(7.5, max(3.0, 0.16 * n + 1.4)))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(n))
    lo = result.rank_p05[order]
    hi = result.rank_p95[order]
    ax.hlines(y, lo, hi, color="#4c72b0", linewidth=3, alpha=0.6, label="5-95% interval")
    ax.plot(result.rank_median[order], y, "o", color="#1f3a68", markersize=3.5, label="median")
    ax.plot(result.nominal_rank[order], y, "x", color="#c44e52", markersize=4, label="nominal")
    ax.axvline(c + 0.5, color="grey", linewidth=0.6)
    ax.set_yticks(y)
    ax.set_yticklabels([result.countries[i] for i in order], fontsize=6)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0.5, c + 1.5)
    ticks = [t for t in ax.get_xticks() if 1 <= t <= c]
    ax.set_xticks([*ticks, c + 1])
    ax.set_xticklabels([f"{t:g}" for t in ticks] + ["not\nranked"], fontsize=7)
    ax.set_xlabel("rank (1 = highest priority)")
    title = (
        f"Rank uncertainty under {result.settings.get('policy', 'the policy')}: "
        f"{result.n_samples:,} samples; varied: {', '.join(result.varied) or 'nothing'}"
    )
    ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize=8)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp")
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # SVG text stays text
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=150)
    tmp.replace(path)
    return path
