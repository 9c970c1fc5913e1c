"""burdenshare: prioritize US arms transfers by burden-sharing, openly and reproducibly.

The Python API mirrors the CLI. Names are imported lazily so that ``import burdenshare``
(and the CLI's start-up) stays fast::

    import burdenshare as bs
    engine = bs.get_engine()                 # SQLite in the user data dir, migrated
    bs.ensure_starter(engine)                # bundled snapshot when the store is empty
    facts = bs.load_facts(engine)            # tidy facts, latest vintage per source
    panel, policy = bs.build_panel(facts, year=2024), bs.load_policy("eo14383")
    result = bs.score(panel, policy)         # scores, ranks, tiers, contributions, gates
    bs.explain(panel, policy, "JPN")         # one country, indicator by indicator
    bs.robustness(panel, policy, n_samples=100_000, seed=1)   # Monte Carlo + Sobol
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, str]] = {
    "get_engine": ("burdenshare.store.db", "get_engine"),
    "load_facts": ("burdenshare.store.facts", "load_facts"),
    "import_file": ("burdenshare.store.facts", "import_file"),
    "ensure_starter": ("burdenshare.starter", "ensure_starter"),
    "load_starter_facts": ("burdenshare.starter", "load_starter_facts"),
    "build_panel": ("burdenshare.panel", "build_panel"),
    "load_policy": ("burdenshare.policy", "load_policy"),
    "score": ("burdenshare.scoring", "score"),
    "explain": ("burdenshare.scoring", "explain"),
    "what_it_would_take": ("burdenshare.scoring", "what_it_would_take"),
    "rank_partners": ("burdenshare.scoring.service", "rank_partners"),
    "robustness": ("burdenshare.uncertainty", "robustness"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'burdenshare' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
