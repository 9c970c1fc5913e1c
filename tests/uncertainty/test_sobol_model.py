"""Sobol' indices of the real model, cross-checked against SALib's own pipeline."""

from __future__ import annotations

import numpy as np
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from burdenshare.uncertainty.model import Variation, build_model
from burdenshare.uncertainty.montecarlo import run_saltelli
from burdenshare.uncertainty.sobol import analyze


def test_model_indices_agree_with_salib_within_confidence_intervals(synth_panel, synth_policy):
    model = build_model(
        synth_panel, synth_policy, Variation(vary="weights,normalisation,aggregation,estimates")
    )
    layout = model.unit_layout()
    names, groups = [], []
    for group, dims in layout:
        for d in range(dims):
            names.append(f"{group}_{d}")
            groups.append(group)
    problem = {
        "num_vars": len(names),
        "names": names,
        "groups": groups,
        "bounds": [[0.0, 1.0]] * len(names),
    }
    n = 1024
    x = salib_sample.sample(problem, n, calc_second_order=False, seed=13)
    ev = model.evaluate(model.states_from_unit(x))
    c = model.countries.index("POL")
    y = ev.ranks()[:, c].astype(float)
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, seed=14)

    out = run_saltelli(model, n, seed=15)
    assert out.names == tuple(g for g, _ in layout)
    r = out.ranks[:, :, c].astype(float)
    ours = analyze(r[0], r[-1], r[1:-1], names=out.names, rng=np.random.default_rng(16))
    assert np.all(np.abs(ours.S1 - ref["S1"]) <= ours.S1_conf + ref["S1_conf"])
    assert np.all(np.abs(ours.ST - ref["ST"]) <= ours.ST_conf + ref["ST_conf"])
    assert ours.ST.max() > 0.2  # the country's rank does move
