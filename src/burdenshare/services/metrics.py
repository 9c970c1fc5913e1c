"""Quarterly case-execution metrics (EO 14383) with disclosure control: cells from fewer than
``k`` cases are suppressed (with complementary suppression) before anything leaves here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine


@dataclass
class Quarterly:
    """The disclosed table (suppressed cells already removed) with its label and notes."""

    table: pd.DataFrame
    quarter: str
    k: int
    notes: list[str]
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        from burdenshare.cases import metrics
        from burdenshare.services._json import jsonable

        obj = metrics.to_json_obj(self.table, quarter=self.quarter, k=self.k)
        obj["notes"] = list(self.notes)
        return jsonable(obj)

    def to_csv(self) -> str:
        return self.table.to_csv(index=False)

    def write_xlsx(self, path) -> None:
        from burdenshare.cases import metrics

        metrics.write_xlsx(self.table, path, quarter=self.quarter, k=self.k, notes=self.notes)


def partner_tiers(engine: Engine) -> tuple[pd.DataFrame | None, str | None]:
    """Partner tier labels and regions from the scoring service, or (None, why)."""
    from burdenshare.errors import UserError

    try:
        from burdenshare.services.queue import partners_frame

        ranked = partners_frame(engine, "eo14383", None)
    except (ImportError, OSError, UserError, KeyError, ValueError) as exc:
        return None, f"partner tiers unavailable ({exc}); tier 'unranked'"
    out = ranked.loc[:, ["tier"]].copy()
    out["tier"] = out["tier"].astype(object).where(out["tier"].notna(), None)
    out["tier"] = out["tier"].map(lambda t: "unranked" if t is None else f"tier {t}")
    out["region"] = ranked["theater"] if "theater" in ranked.columns else "unknown"
    return out, None


def quarterly(engine: Engine, quarter: str, *, k: int = 5, synthetic: bool = True) -> Quarterly:
    """The quarter's metrics, disclosure control applied (``k``: minimum cases per cell)."""
    from burdenshare.cases import metrics
    from burdenshare.cases.eeum import parse_quarter
    from burdenshare.errors import UserError
    from burdenshare.store import cases as case_store

    try:
        parse_quarter(quarter)
    except UserError as exc:
        raise UserError(exc.message, field="quarter") from None
    if k < 1:
        raise UserError(f"k must be at least 1, got {k}", field="k")
    frame = case_store.cases_frame(engine, synthetic=None if synthetic else False)
    tiers, warning = partner_tiers(engine)
    raw = metrics.quarterly_metrics(frame, quarter, tiers=tiers)
    table = metrics.disclose(raw, k)
    label = raw["quarter"].iloc[0] if len(raw) else quarter
    notes = [
        f"cells from 1..{k - 1} cases suppressed; complementary suppression in breakdowns",
        "US$ rounded to the nearest million, days to 0.1, shares to 0.001",
        "includes synthetic cases" if synthetic and frame["synthetic"].any() else "real cases only",
    ]
    return Quarterly(table, str(label), k, notes, warning)
