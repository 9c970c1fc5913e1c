"""`explain` carries a robustness line: the Monte Carlo rank interval and tier probabilities."""

from __future__ import annotations

import json

import pytest

from burdenshare.cli import main
from burdenshare.store.db import dispose_all


@pytest.fixture(autouse=True)
def _fresh():
    yield
    dispose_all()


def _explain(capsys, *args) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_robustness_record_matches_the_nominal_result(sqlite_url, capsys):
    code, out, _ = _explain(
        capsys, "Poland", "--db", sqlite_url, "--format", "json", "--robustness", "4000"
    )
    assert code == 0
    doc = json.loads(out)
    rob = doc["robustness"]
    assert rob["iso3"] == "POL" and rob["nominal_rank"] == doc["rank"]
    assert rob["rank_p05"] <= rob["rank_median"] <= rob["rank_p95"]
    assert sum(rob["tier_probabilities"].values()) == pytest.approx(1.0)
    # Poland is tier 1 in the nominal run, and tier 1 stays its most likely tier
    probs = rob["tier_probabilities"]
    assert max(probs, key=probs.get).startswith("Tier 1")


def test_gated_country_is_never_ranked(sqlite_url, capsys):
    code, out, _ = _explain(
        capsys, "North Korea", "--db", sqlite_url, "--format", "json", "--robustness", "2000"
    )
    rob = json.loads(out)["robustness"]
    assert code == 0 and rob["tier_probabilities"]["not ranked"] == 1.0
    assert rob["p_eligible"] == 0.0


def test_table_shows_the_line_and_zero_turns_it_off(sqlite_url, capsys):
    code, out, _ = _explain(capsys, "JPN", "--db", sqlite_url, "--robustness", "3000")
    assert code == 0 and "robustness: rank" in out and "3,000 samples" in out
    code, out, _ = _explain(
        capsys, "JPN", "--db", sqlite_url, "--robustness", "0", "--format", "json"
    )
    assert code == 0 and json.loads(out)["robustness"] is None


def test_negative_sample_count_is_refused(sqlite_url, capsys):
    code, _, err = _explain(capsys, "JPN", "--db", sqlite_url, "--robustness", "-5")
    assert code == 2 and "--robustness" in err
