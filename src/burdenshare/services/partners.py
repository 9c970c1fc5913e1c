"""Partner scoring for every interface: rank, explain, what-if, compare, robustness.

Panels and rankings are cached by their inputs: the store's facts fingerprint
(:func:`burdenshare.store.fingerprint.facts_fingerprint`), the policy's content, the year and
the vintage. A new import changes the fingerprint, so a cached answer is never stale.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

    from burdenshare.panel import Panel
    from burdenshare.policy import Policy
    from burdenshare.scoring.engine import ScoreResult

#: The fields of one ranking row (the CLI's JSON and CSV, the API's rows).
RANK_FIELDS = (
    "iso3",
    "name",
    "theater",
    "score",
    "rank",
    "tier",
    "tier_label",
    "eligible",
    "status",
    "gates",
    "flags",
)

_CACHE_SIZE = 32
_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from burdenshare import cache

    # second tier on disk, so a new process (each CLI command) finds it too
    value = cache.cached(str(key[0]), key, build)
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget every cached panel and ranking (tests, benchmarks)."""
    with _lock:
        _cache.clear()


_policy_hashes: dict[int, tuple[Policy, str]] = {}


def policy_hash(policy: Policy) -> str:
    """A short hash of the policy's content (cache key; reported with results). Policies are
    immutable once loaded, so the hash is remembered per object."""
    hit = _policy_hashes.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    h = hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:16]
    if len(_policy_hashes) > 256:
        _policy_hashes.clear()
    _policy_hashes[id(policy)] = (policy, h)
    return h


@functools.lru_cache(maxsize=1)
def _builtin_names() -> tuple[str, ...]:
    from burdenshare.policy import builtin_names

    return tuple(builtin_names())


def resolve_policy(ref: str | Policy, *, allow_files: bool = True) -> Policy:
    """A policy by built-in name (or file, when ``allow_files``); errors name ``policy``."""
    from burdenshare.errors import PolicyError
    from burdenshare.policy import load_policy

    if not isinstance(ref, str):
        return ref
    if ref in _builtin_names():
        return _builtin_policy(ref)
    if not allow_files:
        raise PolicyError(
            f"unknown policy {ref!r}; built-in: {', '.join(_builtin_names())}", field="policy"
        )
    return load_policy(ref)


@functools.lru_cache(maxsize=16)
def _builtin_policy(name: str) -> Policy:
    from burdenshare.policy import load_policy

    return load_policy(name)


def _year(year: int | None) -> int | None:
    from burdenshare.errors import UserError

    if year is not None and not 1900 <= int(year) <= 2100:
        raise UserError(f"expected a year between 1900 and 2100, got {year}", field="year")
    return None if year is None else int(year)


def panel(engine: Engine, year: int | None = None, vintage: str = "latest") -> Panel:
    """The panel for ``year`` and ``vintage`` (cached by the store's facts fingerprint)."""
    pkey = _panel_key(engine, year, vintage)
    return _cached(("panel", *pkey), lambda: _build_panel(engine, pkey))


def facts_key(engine: Engine) -> tuple:
    """(store URL, facts fingerprint): the first two parts of every :attr:`Ranking.key`;
    cached answers built on a ranking are kept under it (new facts, new key)."""
    from burdenshare.store.fingerprint import facts_fingerprint

    return (str(engine.url), facts_fingerprint(engine))


def _panel_key(engine: Engine, year: int | None, vintage: str) -> tuple:
    return (*facts_key(engine), _year(year), vintage)


@dataclass(frozen=True)
class Ranking:
    """A ranking with what produced it: rows as JSON-ready dicts, and the panel and
    result for renderers that want more (sources, footers)."""

    rows: list[dict[str, Any]]
    policy: Policy
    panel: Panel
    result: ScoreResult
    key: tuple = ()

    def meta(self) -> dict[str, Any]:
        return meta(self.panel, self.policy)


def meta(panel: Panel, policy: Policy) -> dict[str, Any]:
    """What every answer carries: policy name, version and hash, data year and vintages."""
    return {
        "policy": policy.name,
        "policy_version": policy.version,
        "policy_hash": policy_hash(policy),
        "year": int(panel.year),
        "vintages": dict(panel.vintages),
    }


def ranking_rows(table) -> list[dict[str, Any]]:
    """Rows of a score table as JSON-ready dicts with :data:`RANK_FIELDS`."""
    import pandas as pd

    rows = []
    for iso3, r in table.iterrows():
        rec: dict[str, Any] = {"iso3": iso3}
        for col in RANK_FIELDS[1:]:
            v = r[col]
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                v = None
            elif col in ("rank", "tier"):
                v = int(v)
            elif col == "score":
                v = round(float(v), 6)
            elif col == "eligible":
                v = bool(v)
            elif col in ("gates", "flags"):
                v = [x for x in str(v).split("|") if x]
            rec[col] = v
        rows.append(rec)
    return rows


def theater(region: str) -> str:
    """A theater key from a user's spelling; errors name ``region`` with close matches."""
    import difflib

    from burdenshare.errors import UserError
    from burdenshare.panel import THEATERS

    key = region.strip().lower().replace("-", "_").replace(" ", "_")
    if key in THEATERS:
        return key
    close = difflib.get_close_matches(key, THEATERS, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UserError(
        f"unknown region {region!r}{hint} (known: {', '.join(THEATERS)})", field="region"
    )


def rank(
    engine: Engine,
    policy: str | Policy = "eo14383",
    year: int | None = None,
    vintage: str = "latest",
    *,
    region: str | None = None,
    top: int | None = None,
    allow_files: bool = True,
) -> Ranking:
    """Partners in priority order under ``policy`` (cached by inputs)."""
    from burdenshare.errors import UserError
    from burdenshare.scoring import score

    if top is not None and top < 1:
        raise UserError(f"must be a positive number, not {top}", field="top")
    pol = resolve_policy(policy, allow_files=allow_files)
    pkey = _panel_key(engine, year, vintage)
    pan = _cached(("panel", *pkey), lambda: _build_panel(engine, pkey))
    result, rows = _cached(("rank", *pkey, policy_hash(pol)), lambda: _score_rows(pan, pol, score))
    table_rows = list(rows)
    if region is not None:
        th = theater(region)
        table_rows = [r for r in rows if r["theater"] == th]
    if top is not None:
        table_rows = table_rows[:top]
    key = (*pkey, policy_hash(pol), region, top)
    return Ranking(rows=table_rows, policy=pol, panel=pan, result=result, key=key)


def cached_rank(
    engine: Engine,
    policy: str = "eo14383",
    year: int | None = None,
    vintage: str = "latest",
    *,
    region: str | None = None,
) -> Ranking | None:
    """The ranking if it is already computed for these inputs (no scoring), else None.
    Interfaces call it to answer at once, and :func:`rank` (in a worker) otherwise."""
    try:
        pol = resolve_policy(policy, allow_files=False)
    except Exception:  # noqa: BLE001 - the full call reports the error
        return None
    pkey = _panel_key(engine, year, vintage)
    with _lock:
        pan = _cache.get(("panel", *pkey))
        hit = _cache.get(("rank", *pkey, policy_hash(pol)))
    if pan is None or hit is None:
        return None
    result, rows = hit
    if region is not None:
        try:
            th = theater(region)
        except Exception:  # noqa: BLE001
            return None
        rows = [r for r in rows if r["theater"] == th]
    key = (*pkey, policy_hash(pol), region, None)
    return Ranking(rows=list(rows), policy=pol, panel=pan, result=result, key=key)


def _build_panel(engine: Engine, pkey: tuple) -> Panel:
    from burdenshare.scoring.service import panel_from_store

    return panel_from_store(engine, year=pkey[2], vintage=pkey[3])


def _score_rows(pan, pol, score):
    result = score(pan, pol)
    return result, ranking_rows(result.table)


def iso3_of(country: str, field: str = "country") -> str:
    """ISO3 of a country name or code; the error keeps its message and names ``field``."""
    from burdenshare.countries import to_iso3
    from burdenshare.errors import UserError

    try:
        return to_iso3(country)
    except UserError as exc:
        exc.field = exc.field or field
        raise


def explain(
    engine: Engine,
    country: str,
    policy: str | Policy = "eo14383",
    year: int | None = None,
    vintage: str = "latest",
    *,
    robustness_samples: int = 0,
    allow_files: bool = True,
) -> dict[str, Any]:
    """Why a country scores what it does: contributions, gates, flags, what it would take,
    sources, and (``robustness_samples`` > 0) its rank interval and tier probabilities."""
    from burdenshare.errors import UserError
    from burdenshare.scoring import explain as explain_core

    if robustness_samples < 0:
        raise UserError("must be 0 (off) or a positive sample count", field="robustness_samples")
    iso3 = iso3_of(country)
    pol = resolve_policy(policy, allow_files=allow_files)
    pan = panel(engine, year, vintage)
    data = explain_core(pan, pol, iso3).to_dict()
    data["robustness"] = None
    data["robustness_line"] = None
    if robustness_samples:
        from burdenshare.uncertainty import robustness as robustness_core
        from burdenshare.uncertainty import robustness_line

        rkey = (*_panel_key(engine, year, vintage), policy_hash(pol), robustness_samples)
        result = _cached(  # same panel, policy and samples: the same distributions (seed 0)
            ("robustness", *rkey),
            lambda: robustness_core(
                pan, pol, n_samples=robustness_samples, seed=0, sobol_samples=0
            ),
        )
        data["robustness"] = result.record(iso3)
        data["robustness_line"] = robustness_line(result, iso3)
    data["meta"] = meta(pan, pol)
    return _clean(data)


def whatif(
    engine: Engine,
    country: str,
    changes: Mapping[str, float] | Iterable[str],
    policy: str | Policy = "eo14383",
    year: int | None = None,
    vintage: str = "latest",
    *,
    allow_files: bool = True,
) -> dict[str, Any]:
    """The score, rank and tier before and after a country's values change."""
    from burdenshare.errors import UserError
    from burdenshare.scoring.whatif import parse_assignments
    from burdenshare.scoring.whatif import whatif as whatif_core

    iso3 = iso3_of(country)
    if isinstance(changes, Mapping):
        changes = {str(k): float(v) for k, v in changes.items()}
    else:
        try:
            changes = parse_assignments(list(changes))
        except UserError as exc:
            exc.field = exc.field or "changes"
            raise
    if not changes:
        raise UserError("give at least one INDICATOR=VALUE change", field="changes")
    pol = resolve_policy(policy, allow_files=allow_files)
    pan = panel(engine, year, vintage)
    try:
        before, after = whatif_core(pan, pol, iso3, changes)
    except UserError as exc:
        exc.field = exc.field or "changes"
        raise
    if iso3 not in before.table.index:
        raise UserError(f"{iso3} is not scored under policy {pol.name!r}", field="country")

    def state(res) -> dict:
        r = ranking_rows(res.table.loc[[iso3]])[0]
        return {k: r[k] for k in ("score", "rank", "tier", "tier_label", "eligible", "status")}

    return {
        "iso3": iso3,
        "name": before.table.at[iso3, "name"],
        "year": int(pan.year),
        "policy": pol.name,
        "changes": changes,
        "before": state(before),
        "after": state(after),
        "meta": meta(pan, pol),
    }


def compare(
    engine: Engine,
    policy_a: str | Policy,
    policy_b: str | Policy,
    year: int | None = None,
    vintage: str = "latest",
    *,
    top: int | None = None,
    allow_files: bool = True,
) -> dict[str, Any]:
    """Two policies country by country: rank shifts, tier changes, Spearman and Kendall."""
    from burdenshare.errors import PolicyError, UserError
    from burdenshare.scoring.compare import compare as compare_core

    if top is not None and top < 1:
        raise UserError(f"must be a positive number, not {top}", field="top")
    pols = []
    for name, ref in (("a", policy_a), ("b", policy_b)):
        try:
            pols.append(resolve_policy(ref, allow_files=allow_files))
        except PolicyError as exc:
            raise PolicyError(exc.message, field=name) from None
    a, b = pols
    pan = panel(engine, year, vintage)
    cmp = compare_core(pan, a, b)
    rows = cmp["rows"][:top] if top else cmp["rows"]
    return _clean({**cmp, "rows": rows, "year": int(pan.year), "vintages": dict(pan.vintages)})


@dataclass(frozen=True)
class RobustnessSpec:
    """The inputs of a robustness run (everything that changes its numbers)."""

    policy: str = "eo14383"
    year: int | None = None
    vintage: str = "latest"
    samples: int = 10_000
    seed: int = 0
    sobol_samples: int = 2048
    vary: str = "all"
    weight_scheme: str = "dirichlet"
    concentration: float = 50.0
    weight_spread: float = 0.25
    normalisations: tuple[str, ...] = ("minmax", "percentile")
    aggregations: tuple[str, ...] = ("arithmetic", "geometric")
    missing_rules: tuple[str, ...] = ("group_mean", "worst")
    estimate_spread: float = 0.05
    uncertain_spread: float = 0.15
    top: int = 10
    chunk_size: int | None = None
    #: add the engine-based audit: effective importance and leave-one-out scenarios (the
    #: API and the CLI ask for it; the dashboard's rank intervals do not need it)
    audit: bool = False

    def check(self) -> None:
        """Reject counts that cannot work, naming the field."""
        from burdenshare.errors import UserError
        from burdenshare.uncertainty import check_counts

        check_counts(self.samples, self.sobol_samples, self.seed)
        if self.chunk_size is not None and self.chunk_size < 1:
            raise UserError(f"must be a positive number, not {self.chunk_size}", field="chunk_size")
        if self.top < 1:
            raise UserError(f"must be a positive number, not {self.top}", field="top")

    def evaluations(self, n_groups: int) -> int:
        """Model evaluations the run makes (for progress)."""
        return self.samples + (self.sobol_samples * (n_groups + 2) if n_groups else 0)


def robustness(
    engine: Engine,
    spec: RobustnessSpec,
    *,
    backend: str = "numpy",
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    allow_files: bool = True,
):
    """Monte Carlo rank/tier distributions and Sobol' indices; returns the core's
    :class:`~burdenshare.uncertainty.RobustnessResult`. ``on_start(total)`` is called with
    the number of model evaluations, ``progress(k)`` as they finish."""
    from burdenshare.errors import UserError
    from burdenshare.uncertainty import analyse
    from burdenshare.uncertainty.backends import make_backend
    from burdenshare.uncertainty.model import Variation, build_model

    spec.check()
    if workers is not None and workers < 1:
        raise UserError(f"must be a positive number, not {workers}", field="workers")
    variation = Variation(
        vary=spec.vary,
        weight_scheme=spec.weight_scheme,
        concentration=spec.concentration,
        weight_spread=spec.weight_spread,
        normalisations=tuple(spec.normalisations),
        aggregations=tuple(spec.aggregations),
        missing_rules=tuple(spec.missing_rules),
        estimate_spread=spec.estimate_spread,
        uncertain_spread=spec.uncertain_spread,
    )
    pol = resolve_policy(spec.policy, allow_files=allow_files)
    runner = make_backend(backend, scheduler, n_workers=workers)
    try:
        pan = panel(engine, spec.year, spec.vintage)
        model = build_model(pan, pol, variation)
        if on_start is not None:
            on_start(spec.evaluations(len(model.groups)))
        result = analyse(
            model,
            n_samples=spec.samples,
            seed=spec.seed,
            sobol_samples=spec.sobol_samples,
            backend=runner,
            chunk_size=spec.chunk_size,
            top_n=spec.top,
            progress=progress,
        )
        if spec.audit:
            from burdenshare.uncertainty import with_audit

            result = with_audit(result, pan, pol)
        return result
    finally:
        runner.close()


def _clean(obj: Any) -> Any:
    from burdenshare.services._json import jsonable

    return jsonable(obj)


def spending_history(engine: Engine, iso3: str) -> list[dict[str, Any]]:
    """Defense spending, % of GDP, by year for ``iso3``: one figure per year with its
    source, release and flags.

    Each year's figure follows the panel's source preference
    (:data:`burdenshare.panel.PREFERENCE`: NATO, SIPRI, World Bank), the scores' rule, with
    NATO figures reported in the press (:data:`burdenshare.monitor.releases.REPORTED_SOURCE`)
    ranked right after NATO's own table: they fill the years the official table does not
    yet cover but never replace an official figure. Within a source the newest release wins.
    """
    import math

    from burdenshare.monitor.releases import INDICATOR, NATO_SOURCE, REPORTED_SOURCE
    from burdenshare.panel import PREFERENCE
    from burdenshare.services.monitor import facts

    code = iso3_of(iso3, "iso3")
    prefs = list(PREFERENCE[INDICATOR])
    prefs.insert(prefs.index(NATO_SOURCE) + 1, REPORTED_SOURCE)
    order = {s: i for i, s in enumerate(prefs)}
    f = facts(engine, [INDICATOR])
    f = f.loc[(f["iso3"] == code) & (f["indicator"] == INDICATOR)]
    f = f.assign(_p=f["source"].map(order).fillna(len(order)), _v=f["vintage"].astype(str))
    f = f.sort_values(["year", "_p", "_v"], ascending=[True, True, False], kind="stable")
    out = []
    for r in f.drop_duplicates("year").itertuples(index=False):
        value = float(r.value)
        out.append(
            {
                "year": int(r.year),
                "value": None if math.isnan(value) else round(value, 3),
                "source": str(r.source),
                "release": str(r.vintage),
                "flags": r.flags if isinstance(r.flags, str) else "",
            }
        )
    return out
