"""ITAR 22 CFR 126.1 scope in the scoring gates (issue 13): a full listing makes a country
ineligible; a partial listing (Iraq, Lebanon, Somalia: arms for the government reviewed case
by case) or a suspended one (Cyprus) raises a review flag with the citation, and nothing
else."""

from __future__ import annotations

from burdenshare.scoring import explain, score


def _gate(d: dict, gate_id: str) -> dict:
    return next(g for g in d["gates"] if g["id"] == gate_id)


def test_22_cfr_126_1_partial_listing_is_a_review_flag_not_a_denial(real_panel_2024):
    """22 CFR 126.1(f): Iraq's listing excepts the Iraqi government; it is not ineligible."""
    r = score(real_panel_2024, "eo14383")
    t = r.table
    for iso3 in ("IRQ", "LBN", "SOM"):
        assert t.at[iso3, "status"] != "ineligible", iso3
        assert "itar_126_1_review" in t.at[iso3, "gates"], iso3
        assert "itar_126_1|" not in t.at[iso3, "gates"] + "|", iso3
    d = explain(real_panel_2024, "eo14383", "IRQ", result=r).to_dict()
    assert d["status"] != "ineligible"
    review = _gate(d, "itar_126_1_review")
    assert review["applied"] and review["effect"] == "review"
    assert "126.1(f)" in review["listing"] and "Government of Iraq" in review["listing"]
    assert not _gate(d, "itar_126_1")["applied"]


def test_22_cfr_126_1_r_cyprus_suspension_is_flagged_with_its_end_date(real_panel_2024):
    """22 CFR 126.1(r): Cyprus's denial is suspended year by year (to 30 Sep 2026)."""
    d = explain(real_panel_2024, "eo14383", "CYP").to_dict()
    review = _gate(d, "itar_126_1_review")
    assert review["applied"] and "suspended until 2026-09-30" in review["listing"]
    assert d["status"] != "ineligible"


def test_22_cfr_126_1_d_1_full_listing_still_denies(real_panel_2024):
    """22 CFR 126.1(d)(1), (l): China and Russia are under a policy of denial: ineligible."""
    r = score(real_panel_2024, "eo14383")
    for iso3 in ("CHN", "RUS"):
        assert r.table.at[iso3, "status"] == "ineligible"
    d = explain(real_panel_2024, "eo14383", "RUS", result=r).to_dict()
    assert (
        _gate(d, "itar_126_1")["applied"]
        and "policy of denial" in _gate(d, "itar_126_1")["listing"]
    )


def test_explain_cli_iraq_shows_the_review_flag_with_its_citation(tmp_path, capsys):
    """`explain IRQ`: eligible, the 126.1 review gate applies, and the listing's paragraph
    (22 CFR 126.1(f)) is printed, in the table and the JSON output."""
    import json

    from burdenshare.cli import main
    from burdenshare.store.db import dispose_all

    url = f"sqlite:///{tmp_path / 'itar.db'}"
    try:
        assert main(["explain", "IRQ", "--db", url]) == 0
        out = capsys.readouterr().out
        assert "gate itar_126_1_review: applies" in out and "126.1(f)" in out
        assert "gate itar_126_1: does not apply" in out
        assert main(["explain", "IRQ", "--db", url, "--format", "json"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["eligible"] and d["status"] != "ineligible"
        review = next(g for g in d["gates"] if g["id"] == "itar_126_1_review")
        assert review["applied"] and "Government of Iraq" in review["listing"]
    finally:
        dispose_all()
