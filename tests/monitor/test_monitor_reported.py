"""NATO's 2025 releases as reported in the press: package data -> facts, and bad files."""

from __future__ import annotations

import hashlib

import pytest

from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.monitor import reported


def test_facts_of_two_vintages(reported_facts):
    f = reported_facts
    assert len(f) == 24
    assert set(f["source"]) == {"nato_defexp_reported"}
    assert set(f["indicator"]) == {"milex_gdp_pct"} and set(f["unit"]) == {"percent"}
    assert set(f["flags"]) == {"estimate"}
    assert f.groupby("vintage")["year"].unique().map(list).to_dict() == {
        "2025-04": [2024],
        "2025-08": [2025],
    }
    v = f.set_index(["vintage", "iso3"])["value"]
    assert v[("2025-08", "POL")] == 4.48
    assert v[("2025-08", "LTU")] == 4.00
    assert v[("2025-08", "NOR")] == 3.35
    assert v[("2025-04", "USA")] == 3.19
    assert v[("2025-04", "ESP")] == 1.24
    assert sorted(f.loc[f["vintage"] == "2025-08", "iso3"]) == sorted(
        ["POL", "LTU", "LVA", "EST", "NOR", "USA", "ITA", "CAN", "BEL", "ESP", "PRT", "LUX"]
    )
    validate_facts(f)  # the fact contract holds


def test_source_note_and_sha():
    result = reported.reported_result()
    assert "press reports" in result.meta["note"].lower() and "authoritative" in result.meta["note"]
    assert result.vintage == "2025-04, 2025-08"
    assert reported.reported_sha256() == hashlib.sha256(reported.reported_bytes()).hexdigest()


GOOD = reported.reported_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("POL: 4.48", "XXX: 4.48"), "releases.1.values"),
        (("POL: 4.48", "POL: 448"), "not a percentage"),
        (('vintage: "2025-04"', 'vintage: "2025-08"'), "vintage listed twice"),
        (('vintage: "2025-04"', 'vintage: "April"'), "releases.0.vintage"),
        (("flags: [estimate]", "flags: [guess]"), "unknown flags"),
    ],
)
def test_bad_files_name_the_field(change, message):
    text = GOOD.replace(*change, 1)
    assert text != GOOD
    with pytest.raises(DataFormatError, match=message) as err:
        reported.parse_reported(text.encode(), where="demo.yaml")
    assert str(err.value).startswith("demo.yaml")


def test_not_yaml():
    with pytest.raises(DataFormatError, match="not a YAML file"):
        reported.parse_reported(b"releases: [unclosed", where="demo.yaml")
