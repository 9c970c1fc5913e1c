"""A partner's spending history (dashboard, partner page) follows the panel's source
preference: the figure of the scored year is the one the score uses; press-reported NATO
figures only fill years the official table does not cover."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    eng = get_engine(f"sqlite:///{tmp_path_factory.mktemp('hist') / 'h.db'}")
    ensure_starter(eng)
    import_reported(eng)
    return eng


@pytest.mark.parametrize("iso3", ["ESP", "POL", "AUS"])
def test_history_year_of_the_score_is_the_panel_value(engine, iso3):
    from burdenshare.services.partners import explain, spending_history

    hist = spending_history(engine, iso3)
    years = [h["year"] for h in hist]
    assert years == sorted(set(years))  # one figure per year
    ex = explain(engine, iso3, "eo14383", 2024)
    used = next(i for i in ex["indicators"] if i["indicator"] == "milex_gdp_pct")
    row = next(h for h in hist if h["year"] == 2024)
    assert row["value"] == pytest.approx(used["value"], abs=5e-4)
    assert row["source"] in (used["source"] or "").split("+")


def test_reported_nato_figures_fill_only_uncovered_years(engine):
    from burdenshare.services.monitor import facts
    from burdenshare.services.partners import spending_history

    hist = {h["year"]: h for h in spending_history(engine, "ESP")}
    f = facts(engine, ["milex_gdp_pct"])
    official = set(f.loc[(f["iso3"] == "ESP") & (f["source"] == "nato_defexp"), "year"])
    reported = set(f.loc[(f["iso3"] == "ESP") & (f["source"] == "nato_defexp_reported"), "year"])
    assert reported - official  # the test data has a year only the press reported
    for y in official:
        assert hist[y]["source"] == "nato_defexp"
    for y in reported - official:
        assert hist[y]["source"] == "nato_defexp_reported"


def test_unknown_country_is_a_user_error(engine):
    from burdenshare.errors import UserError
    from burdenshare.services.partners import spending_history

    with pytest.raises(UserError):
        spending_history(engine, "XXX")
