"""Scoring as a service for the other areas (cases, queue) and the interfaces.

:func:`rank_partners` is the one call the case queue needs: the store's facts (the starter
snapshot, in memory, when the store is empty), the panel, the policy, the ranking.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy.engine import Engine

from burdenshare.panel import Panel, build_panel
from burdenshare.policy import Policy, load_policy
from burdenshare.scoring.engine import ScoreResult, score

RANK_COLUMNS = ("name", "score", "rank", "tier", "eligible", "status", "theater")


def load_store_facts(engine: Engine, *, vintage: str = "latest") -> pd.DataFrame:
    """Facts from the store (all vintages when one is requested, so the panel can choose).

    A read never writes: when the store holds no facts, the bundled starter snapshot is used
    in memory (loading it into the store is the explicit step ``burdenshare data starter``).
    """
    from burdenshare.store.facts import load_facts

    facts = load_facts(engine, vintage="latest" if vintage == "latest" else "all")
    if facts.empty:
        from burdenshare.starter import load_starter_facts

        facts = load_starter_facts()
        if vintage == "latest":
            newest = facts.groupby(["source", "indicator"])["vintage"].transform("max")
            facts = facts[facts["vintage"] == newest].reset_index(drop=True)
    return facts


def panel_from_store(
    engine: Engine, *, year: int | None = None, vintage: str | Mapping[str, str] = "latest"
) -> Panel:
    """The panel for ``year`` (default: the latest well-covered year) from the store."""
    facts = load_store_facts(engine, vintage=vintage if isinstance(vintage, str) else "all")
    return build_panel(facts, year=year, vintage=vintage)


def score_from_store(
    engine: Engine, policy: str | Policy = "eo14383", year: int | None = None
) -> tuple[Panel, ScoreResult]:
    panel = panel_from_store(engine, year=year)
    return panel, score(panel, load_policy(policy))


def rank_partners(
    engine: Engine, policy: str | Policy = "eo14383", year: int | None = None
) -> pd.DataFrame:
    """Partners in priority order, indexed by iso3, with columns name, score, rank, tier,
    eligible, status, theater (rank and tier are <NA> for countries that are not ranked).

    ``status`` tells a partner that fails a hard gate (``"ineligible"``) from one that is not
    scored for lack of data (``"excluded: missing ..."``): only the first is a policy "no"."""
    _, result = score_from_store(engine, policy, year)
    return result.table.loc[:, list(RANK_COLUMNS)]
