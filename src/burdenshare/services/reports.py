"""Reports as a service: the one call the CLI (``burdenshare report ...``) and the API
(``GET /api/v1/reports/...``) make.

Each ``*_data`` function gathers what a report prints (the store's cases, facts and audit
head, the scoring policy, the releases) and the matching ``*_report`` renders it as HTML,
PDF or XLSX bytes (:mod:`burdenshare.reports`). Inputs are checked before any work; errors
are :class:`~burdenshare.errors.UserError` naming the field.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine

    from burdenshare.reports.brief import BriefData
    from burdenshare.reports.quarterly import QuarterlyData
    from burdenshare.reports.release import ReleaseData

KINDS: dict[str, tuple[str, ...]] = {
    "quarterly": ("pdf", "html", "xlsx"),
    "brief": ("pdf", "html"),
    "release": ("pdf", "html", "xlsx"),
}
TREND_QUARTERS = 8
SPENDING_LEVELS: tuple[tuple[float, str], ...] = (
    (2.0, "2% NATO guideline (2014 Wales)"),
    (3.5, "3.5% Hague core defence (2035)"),
    (5.0, "5% Hague total (2035)"),
)


@dataclass(frozen=True)
class Report:
    """A finished report: its bytes, media type and a suggested file name."""

    content: bytes
    media_type: str
    filename: str


def check_format(kind: str, fmt: str) -> str:
    from burdenshare.reports.common import check_format as _check

    return _check(fmt, KINDS[kind])


def _policy_meta(engine: Engine, policy: str, year: int | None = None) -> dict[str, Any]:
    """Policy name, version and hash, data year and releases (the service layer's meta)."""
    from burdenshare.services import partners

    pol = partners.resolve_policy(policy)
    return partners.meta(partners.panel(engine, year), pol)


def _command(*parts: Any) -> str:
    return "burdenshare " + " ".join(shlex.quote(str(p)) for p in parts if p is not None)


# ---- quarterly ---------------------------------------------------------------------------


def quarter_labels(quarter: str, n: int = TREND_QUARTERS) -> list[str]:
    """The ``n`` quarters ending with ``quarter``, oldest first (``2026Q3`` -> ..., 2026Q3)."""
    from burdenshare.cases.eeum import parse_quarter

    start, _ = parse_quarter(quarter)
    y, q = start.year, (start.month - 1) // 3 + 1
    out = []
    for _ in range(n):
        out.append(f"{y}Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return out[::-1]


def quarterly_data(
    engine: Engine,
    quarter: str,
    *,
    k: int = 5,
    synthetic: bool = True,
    policy: str = "eo14383",  # the policy behind partner_tiers (the metrics' tiers)
    round_usd: float = 1_000_000,
    cases: pd.DataFrame | None = None,
) -> QuarterlyData:
    """The quarter's disclosed metrics and the trends of the 8 quarters ending with it.

    ``cases``: an already-read case frame (benchmarks); by default the store's."""
    import pandas as pd

    from burdenshare.cases import metrics
    from burdenshare.cases.eeum import parse_quarter
    from burdenshare.cases.lifecycle import load_process
    from burdenshare.reports.common import Provenance, now_utc
    from burdenshare.reports.quarterly import QuarterlyData
    from burdenshare.store import cases as case_store

    try:
        parse_quarter(quarter)
    except UserError as exc:
        raise UserError(
            f"expected a quarter like 2026Q3, got {quarter!r}", where="--quarter"
        ) from exc
    if k < 1:
        raise UserError(f"k must be at least 1, got {k}", where="--k")
    quarters = quarter_labels(quarter)
    label = quarters[-1]
    frame = (
        cases
        if cases is not None
        else case_store.cases_frame(engine, synthetic=None if synthetic else False)
    )
    process = load_process()
    raw_now = metrics.quarterly_metrics(frame, label, process=process)
    counts = raw_now.loc[raw_now["statistic"] == "count", "n"]
    if len(frame) == 0 or int(counts.sum()) == 0:
        raise UserError(f"no cases in {label}: no case reached any stage in it", where="--quarter")
    from burdenshare.services.metrics import partner_tiers

    tiers, warning = partner_tiers(engine)
    meta = _policy_meta(engine, policy)
    tables = [
        metrics.disclose(
            metrics.quarterly_metrics(frame, q, tiers=tiers, process=process),
            k,
            round_usd=round_usd,
        )
        for q in quarters
    ]
    trends = pd.concat(tables, ignore_index=True)
    has_synth = bool(frame["synthetic"].any()) if "synthetic" in frame.columns else False
    prov = Provenance(
        command=_command(
            "report",
            "quarterly",
            "--quarter",
            label,
            "--k",
            k,
            None if synthetic else "--no-synthetic",
        ),
        generated_at=now_utc(),
        data_releases=meta["vintages"],
        policy=meta["policy"],
        policy_version=meta["policy_version"],
        policy_sha256=meta["policy_hash"],
        audit_head=case_store.audit_head(engine),
        synthetic=has_synth,
        notes=(
            *((warning,) if warning else ()),
            f"Cases in the store used: {len(frame):,}"
            + (" (includes synthetic cases)" if has_synth else " (real cases only)"),
            f"FMS process standards: {process.version}",
        ),
    )
    return QuarterlyData(
        quarter=label,
        k=k,
        round_usd=round_usd,
        table=tables[-1],
        trends=trends,
        quarters=quarters,
        aod_group_days=dict(process.aod_group_days),
        aod_goal_share=process.aod_goal_share,
        process_version=process.version,
        process_sources=tuple(process.sources),
        provenance=prov,
        cases_in_store=len(frame),
    )


def quarterly_report(
    engine: Engine, quarter: str, *, k: int = 5, fmt: str = "pdf", synthetic: bool = True
) -> Report:
    """The quarterly performance metrics as a file."""
    from burdenshare.reports import FORMATS, quarterly

    fmt = check_format("quarterly", fmt)
    data = quarterly_data(engine, quarter, k=k, synthetic=synthetic)
    content = _render(quarterly, data, fmt)
    return Report(content, FORMATS[fmt], f"quarterly-metrics-{data.quarter}.{fmt}")


def _render(module, data, fmt: str) -> bytes:
    if fmt == "html":
        return module.html(data).encode("utf-8")
    if fmt == "pdf":
        return module.pdf(data)
    return module.xlsx(data)


# ---- country brief -----------------------------------------------------------------------


def spending_history(facts: pd.DataFrame, iso3: str) -> tuple[list[dict[str, Any]], str | None]:
    """``iso3``'s % of GDP by year from the first publisher (NATO, SIPRI, World Bank) that
    covers it, at each source's latest release; (rows, "source vintage")."""
    return _history_of(spending_tables(facts), iso3)


def spending_tables(facts: pd.DataFrame) -> list[tuple[str, Any, Any, str]]:
    """Each publisher's latest % of GDP table, in order of preference: (source, values,
    flags, vintage); computed once for a batch of briefs (:class:`BriefBatch`)."""
    from burdenshare.monitor.releases import INDICATOR, view, wide
    from burdenshare.panel import PREFERENCE

    v = view(facts, "latest")
    out = []
    for source in PREFERENCE[INDICATOR]:
        vals, flags, _ = wide(v, source=source)
        vintage = v.loc[(v["source"] == source) & (v["indicator"] == INDICATOR), "vintage"]
        out.append((source, vals, flags, str(vintage.max())))
    return out


def _history_of(
    tables: list[tuple[str, Any, Any, str]], iso3: str
) -> tuple[list[dict[str, Any]], str | None]:
    for source, vals, flags, vintage in tables:
        if iso3 in vals.index and vals.loc[iso3].notna().any():
            row = vals.loc[iso3].dropna()
            rows = [
                {
                    "year": int(y),
                    "value": round(float(x), 2),
                    "flags": str(flags.at[iso3, y] or ""),
                }
                for y, x in row.items()
            ]
            return rows, f"{source} {vintage}"
    return [], None


@dataclass(frozen=True)
class BriefBatch:
    """What the briefs of many partners share, loaded once (:func:`brief_batch`): the Monte
    Carlo run, the priority queue of open cases, the spending tables, the audit-chain head
    and the open cases by partner. One brief built with it equals one built alone."""

    robustness_result: Any
    queue: pd.DataFrame | None
    spending: list[tuple[str, Any, Any, str]]
    audit_head: tuple[int, str] | None
    open_cases: dict[str, list[dict[str, Any]]] | None


def brief_batch(
    engine: Engine,
    *,
    policy: str = "eo14383",
    year: int | None = None,
    samples: int = 10_000,
    include_cases: bool = True,
    robustness_result=None,
    queue: pd.DataFrame | None = None,
) -> BriefBatch:
    """Load once what every brief of a batch reads (see :class:`BriefBatch`); pass it to
    :func:`brief_data` as ``batch``. ``samples`` 0: no Monte Carlo figures."""
    from burdenshare.services import monitor, partners

    if samples < 0:
        raise UserError("must be 0 (off) or a positive sample count", where="--robustness")
    if robustness_result is None and samples:
        from burdenshare.uncertainty import robustness

        pol = partners.resolve_policy(policy)
        robustness_result = robustness(
            partners.panel(engine, year), pol, n_samples=samples, seed=0, sobol_samples=0
        )
    if include_cases and queue is None:
        from burdenshare.services.queue import build

        queue = build(engine, policy=policy).queue
    return BriefBatch(
        robustness_result=robustness_result,
        queue=queue if include_cases else None,
        spending=spending_tables(monitor.facts(engine, ["milex_gdp_pct"])),
        audit_head=_audit_head(engine) if include_cases else None,
        open_cases=_open_cases_by_partner(engine) if include_cases else None,
    )


def brief_data(
    engine: Engine,
    country: str,
    *,
    policy: str = "eo14383",
    year: int | None = None,
    samples: int = 10_000,
    robustness_result=None,
    include_cases: bool = True,
    allow_files: bool = True,
    queue: pd.DataFrame | None = None,
    batch: BriefBatch | None = None,
) -> BriefData:
    """Everything the one-page brief on ``country`` prints: ``explain`` of the service layer
    (so the brief's score is explain's) and the spending history, open cases, provenance.

    ``robustness_result``: a Monte Carlo run to reuse (briefs for many partners share one);
    by default ``samples`` draws with seed 0 (the same as ``explain --robustness``).
    ``queue``: the priority queue of open cases to reuse (default: built under ``policy``).
    ``batch``: what many briefs share (:func:`brief_batch`), loaded once; it brings its
    Monte Carlo run and queue (``include_cases`` must match the batch's)."""
    from burdenshare.reports.brief import BriefData
    from burdenshare.reports.common import Provenance, now_utc
    from burdenshare.services import monitor, partners

    if samples < 0:
        raise UserError("must be 0 (off) or a positive sample count", where="--robustness")
    iso3 = partners.iso3_of(country)
    if batch is not None:
        robustness_result, queue = batch.robustness_result, batch.queue
        if robustness_result is None:
            samples = 0
    own_run = robustness_result is None
    ex = partners.explain(
        engine,
        iso3,
        policy,
        year,
        robustness_samples=samples if own_run else 0,
        allow_files=allow_files,
    )
    meta = ex.pop("meta")
    rob = ex.pop("robustness", None)
    ex.pop("robustness_line", None)
    seed = 0
    if not own_run:
        rob = robustness_result.record(iso3)
        samples, seed = robustness_result.n_samples, robustness_result.seed
    if batch is not None:
        history, history_source = _history_of(batch.spending, iso3)
        cases = batch.open_cases.get(iso3, []) if batch.open_cases is not None else None
        head = batch.audit_head
    else:
        facts = monitor.facts(engine, ["milex_gdp_pct"])
        history, history_source = spending_history(facts, iso3)
        cases = _open_cases(engine, iso3) if include_cases else None
        head = _audit_head(engine) if cases is not None else None
    positions = _queue_positions(engine, iso3, policy, queue) if cases is not None else None
    prov = Provenance(
        command=_command(
            "report",
            "brief",
            iso3,
            "--policy",
            policy,
            *(("--year", year) if year is not None else ()),
            "--robustness",
            samples if rob is not None else 0,
        ),
        generated_at=now_utc(),
        data_releases=meta["vintages"],
        policy=meta["policy"],
        policy_version=meta["policy_version"],
        policy_sha256=meta["policy_hash"],
        seed=seed if rob is not None else None,
        samples=samples if rob is not None else None,
        audit_head=head if cases is not None else None,
        synthetic=bool(cases) and any(c["synthetic"] for c in cases),
    )
    return BriefData(
        explanation=ex,
        robustness=rob,
        history=history,
        history_source=history_source,
        levels=SPENDING_LEVELS,
        open_cases=cases,
        queue=positions,
        provenance=prov,
    )


def _audit_head(engine: Engine) -> tuple[int, str]:
    from burdenshare.store import cases as case_store

    return case_store.audit_head(engine)


def _open_cases(engine: Engine, iso3: str) -> list[dict[str, Any]]:
    """The partner's open cases (not closed, withdrawn, denied or expired), by status."""
    from burdenshare.services.cases import list_cases

    return _open_by_status(list_cases(engine, partner=iso3))


def _open_cases_by_partner(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """:func:`_open_cases` of every partner from one read of the cases."""
    from burdenshare.services.cases import list_cases

    frame = list_cases(engine)
    if frame.empty:
        return {}
    return {str(p): _open_by_status(g) for p, g in frame.groupby("partner", sort=False)}


def _open_by_status(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    done = {"closed", "withdrawn", "denied", "expired"}
    frame = frame.loc[~frame["status"].isin(done)]
    out = []
    for status, g in frame.groupby("status", sort=True):
        out.append(
            {
                "status": str(status),
                "cases": int(len(g)),
                "value": float(g["total_value"].sum()),
                "synthetic": bool(g["synthetic"].any()),
            }
        )
    return out


def _queue_positions(
    engine: Engine, iso3: str, policy: str, queue: pd.DataFrame | None, top: int = 5
) -> dict[str, Any]:
    """The partner's open cases in the priority queue: how many, and the first ``top`` with
    their positions (1 = served first) out of the whole queue."""
    if queue is None:
        from burdenshare.services.queue import build

        queue = build(engine, policy=policy).queue
    mine = queue.loc[queue["partner"] == iso3].sort_values("position")
    rows = [
        {
            "case_id": str(r.case_id),
            "position": int(r.position),
            "item_list": str(r.items),
            "requested": str(r.requested)[:10],
        }
        for r in mine.head(top).itertuples(index=False)
    ]
    return {"total": int(len(queue)), "partner": int(len(mine)), "first": rows}


def brief_report(
    engine: Engine,
    country: str,
    *,
    policy: str = "eo14383",
    year: int | None = None,
    fmt: str = "pdf",
    samples: int = 10_000,
    include_cases: bool = True,
    allow_files: bool = True,
) -> Report:
    """The one-page country brief as a file."""
    from burdenshare.reports import FORMATS, brief

    fmt = check_format("brief", fmt)
    data = brief_data(
        engine,
        country,
        policy=policy,
        year=year,
        samples=samples,
        include_cases=include_cases,
        allow_files=allow_files,
    )
    iso3 = data.explanation["iso3"]
    return Report(_render(brief, data, fmt), FORMATS[fmt], f"brief-{iso3}.{fmt}")


# ---- release review ----------------------------------------------------------------------


def release_data(
    engine: Engine,
    from_vintage: str,
    to_vintage: str,
    *,
    policy: str = "eo14383",
    min_revision: float = 0.01,
    allow_files: bool = True,
) -> ReleaseData:
    """What release B changed against release A: revised % of GDP figures (each with its
    two cells), 2% and 3.5% crossings among NATO members, tier and rank changes."""
    from burdenshare.monitor.releases import release_series, resolve_release
    from burdenshare.reports.common import Provenance, now_utc
    from burdenshare.reports.release import ReleaseData
    from burdenshare.services import monitor, partners

    facts = monitor.facts(engine)
    ra = resolve_release(facts, from_vintage, where="--from-vintage")
    rb = resolve_release(facts, to_vintage, where="--to-vintage")
    if ra == rb:
        raise UserError(f"both vintages name the release {ra.label}", where="--to-vintage")
    pol = partners.resolve_policy(policy, allow_files=allow_files)
    va, _, _ = release_series(facts, ra)
    vb, _, ob = release_series(facts, rb)
    revisions = _revisions(va, vb, ob, ra.label, rb.label, min_revision)
    cross = monitor.crossings(engine, thresholds=[2.0, 3.5], between=(ra.label, rb.label))
    tiers = monitor.tier_changes(engine, ra.label, rb.label, policy=policy)
    prov = Provenance(
        command=_command(
            "report",
            "release",
            "--from-vintage",
            ra.label,
            "--to-vintage",
            rb.label,
            "--policy",
            policy,
        ),
        generated_at=now_utc(),
        data_releases={ra.source + " (A)": ra.vintage, rb.source + " (B)": rb.vintage},
        policy=pol.name,
        policy_version=pol.version,
        policy_sha256=partners.policy_hash(pol),
    )
    return ReleaseData(
        release_a=ra.label,
        release_b=rb.label,
        revisions=revisions,
        crossings=cross.events,
        crossings_meta=cross.meta,
        tiers=tiers.table,
        year_a=tiers.year_a,
        year_b=tiers.year_b,
        min_revision=min_revision,
        provenance=prov,
    )


def _revisions(va, vb, origin_b, label_a: str, label_b: str, tol: float) -> pd.DataFrame:
    """Country-years present in both releases whose value moved by ``tol`` pp or more."""
    import numpy as np
    import pandas as pd

    from burdenshare.countries import country_name

    idx = va.index.intersection(vb.index)
    cols = va.columns.intersection(vb.columns)
    a = va.reindex(index=idx, columns=cols)
    b = vb.reindex(index=idx, columns=cols)
    diff = (b - a).stack(future_stack=True).dropna()
    diff = diff[np.abs(diff.to_numpy()) >= tol - 1e-9]
    rows = []
    for (iso3, year), d in diff.items():
        org = origin_b.at[iso3, year] if origin_b is not None and iso3 in origin_b.index else ""
        rows.append(
            {
                "iso3": iso3,
                "name": country_name(iso3),
                "year": int(year),
                "value_a": float(a.at[iso3, year]),
                "value_b": float(b.at[iso3, year]),
                "change_pp": float(d),
                "cell_a": f"{label_a} {iso3} {int(year)}",
                "cell_b": f"{org or label_b} {iso3} {int(year)}",
            }
        )
    cols_out = ["iso3", "name", "year", "value_a", "value_b", "change_pp", "cell_a", "cell_b"]
    frame = pd.DataFrame(rows, columns=cols_out)
    if len(frame):
        frame = frame.assign(_abs=frame["change_pp"].abs())
        frame = frame.sort_values(["_abs", "iso3", "year"], ascending=[False, True, True])
        frame = frame.drop(columns="_abs").reset_index(drop=True)
    return frame


def release_report(
    engine: Engine,
    from_vintage: str,
    to_vintage: str,
    *,
    policy: str = "eo14383",
    fmt: str = "pdf",
    allow_files: bool = True,
) -> Report:
    """The allies' release review as a file."""
    from burdenshare.reports import FORMATS, release

    fmt = check_format("release", fmt)
    data = release_data(engine, from_vintage, to_vintage, policy=policy, allow_files=allow_files)
    name = f"release-review-{data.release_a}-to-{data.release_b}".replace(":", "_")
    return Report(_render(release, data, fmt), FORMATS[fmt], f"{name}.{fmt}")


# ---- the data as JSON ----------------------------------------------------------------------


def data_json(data: Any) -> dict[str, Any]:
    """A report's data (:class:`QuarterlyData`, :class:`BriefData`, :class:`ReleaseData`) as
    plain JSON-ready values: what the report prints, for programs (``--format json``).

    Tables become lists of records (their index as a column), the provenance its dict;
    numbers stay numbers (NumPy scalars and NaN are left to the JSON writer)."""
    import dataclasses

    return {f.name: _plain(getattr(data, f.name)) for f in dataclasses.fields(data)}


def _plain(value: Any) -> Any:
    import dataclasses

    import pandas as pd

    from burdenshare.reports.common import Provenance

    if isinstance(value, Provenance):
        return value.as_dict()
    if isinstance(value, pd.DataFrame):
        frame = value if isinstance(value.index, pd.RangeIndex) else value.reset_index()
        frame = frame.astype(object).where(frame.notna(), None)
        return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict(orient="records")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return data_json(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
