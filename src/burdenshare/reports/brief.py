"""The one-page country brief: score, rank and tier with their robustness, contributions,
gates with citations, spending against 2 / 3.5 / 5% of GDP, what it would take, open cases.

Input: :class:`BriefData` from :func:`burdenshare.services.reports.brief_data` (the score is
``explain``'s, unchanged). Output: HTML or PDF bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from burdenshare.reports.common import Provenance

FLAG_TEXT = {
    "estimate": "publisher's estimate",
    "uncertain": "highly uncertain",
    "imputed": "imputed (missing-data rule)",
    "not_independent": "not independent (included elsewhere)",
    "footnote": "publisher's footnote",
    "derived": "derived from other figures",
}


@dataclass(frozen=True)
class BriefData:
    explanation: dict[str, Any]
    robustness: dict[str, Any] | None
    history: list[dict[str, Any]]
    history_source: str | None
    levels: Sequence[tuple[float, str]]
    open_cases: list[dict[str, Any]] | None
    provenance: Provenance
    queue: dict[str, Any] | None = None


def chart_specs(data: BriefData) -> list[dict[str, Any]]:
    """The brief's charts: the score's contributions (the dashboard's waterfall, at print
    width and in the print font) and the spending history against the levels."""
    from burdenshare.charts import spending_history, waterfall
    from burdenshare.charts.specs import CONFIG

    ex = data.explanation
    specs = []
    contrib_rows = [i for i in ex["indicators"] if i["contribution"] is not None]
    if contrib_rows:
        specs.append(
            waterfall(
                contrib_rows,
                ex["score"],
                title="Contribution to the score",
                width=380,
                config=CONFIG,
            )
        )
    if data.history:
        specs.append(
            spending_history(
                data.history,
                thresholds=data.levels,
                title="Military spending, % of GDP",
                width=300,
                height=170,
            )
        )
    return specs


def context(data: BriefData, *, charts: bool = True) -> dict[str, Any]:
    from burdenshare.reports.common import charts as draw

    ex = data.explanation
    latest = data.history[-1] if data.history else None
    gaps = []
    if latest is not None:
        for level, label in data.levels:
            gaps.append({"level": level, "label": label, "gap": round(level - latest["value"], 2)})
    flags = sorted({f for i in ex["indicators"] for f in i["flags"]} | set(ex["flags"]))
    rob = data.robustness
    tier_odds = []
    if rob:
        tier_odds = [
            {"tier": t, "p": p} for t, p in rob["tier_probabilities"].items() if p and p > 0
        ]
    sources = sorted({i["source"] for i in ex["indicators"] if i["source"]})
    out: dict[str, Any] = {
        "title": f"Country brief: {ex['name']} ({ex['iso3']})",
        "subtitle": f"Partner prioritization under policy {ex['policy']} "
        f"({ex['aggregation']} aggregation), data year {ex['year']}.",
        "ex": ex,
        "rob": rob,
        "tier_odds": tier_odds,
        "history": data.history,
        "history_source": data.history_source,
        "latest": latest,
        "gaps": gaps,
        "wiwt": ex.get("what_it_would_take") or {},
        "gates": ex["gates"],
        "open_cases": data.open_cases,
        "queue": data.queue,
        "flags": [(f, FLAG_TEXT.get(f, f)) for f in flags],
        "sources": sources,
        "provenance": data.provenance,
        "charts": draw(chart_specs(data)) if charts else [],
    }
    return out


def html(data: BriefData) -> str:
    from burdenshare.reports.common import render_html

    return render_html("brief.html", context(data))


def pdf(data: BriefData) -> bytes:
    from burdenshare.reports.common import html_to_pdf

    return html_to_pdf(html(data))


def pdfs(batch: Iterable[BriefData]) -> Iterator[bytes]:
    """:func:`pdf` of each brief, in order; the next brief's charts are drawn (in threads)
    while WeasyPrint lays out the current one. The bytes equal :func:`pdf`'s."""
    from burdenshare.charts.render import prefetch

    it = iter(batch)
    current = next(it, None)
    if current is not None:
        prefetch(chart_specs(current))
    while current is not None:
        following = next(it, None)
        if following is not None:
            prefetch(chart_specs(following))
        yield pdf(current)
        current = following
