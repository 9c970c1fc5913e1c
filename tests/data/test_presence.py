"""A SIPRI "xxx" cell (not_independent) is not presence: states that no longer exist drop
out of today's panels (issue 15), while their historical years stay."""

from __future__ import annotations

from burdenshare.panel import build_panels
from burdenshare.sources import sipri_milex


def test_vanished_states_are_not_in_the_2024_panel(shared_data):
    facts = sipri_milex.parse(shared_data / "SIPRI-Milex-data-1949-2024_2.xlsx").facts
    panels = build_panels(facts, years=[1985, 2024])
    gone = {"SUN", "YUG", "CSK", "DDR", "YAR"}
    today = set(panels[2024].countries)
    assert not gone & today
    assert {"POL", "USA", "DEU", "RUS"} <= today
    assert "SUN" in set(panels[1985].countries)
