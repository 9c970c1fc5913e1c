"""`burdenshare rank | explain | compare | whatif | policy ...` end to end on a real store
(an empty database is scored from the starter snapshot in memory; reads never write)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from burdenshare.cli import main
from burdenshare.store.db import dispose_all, get_engine


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('scoring-cli') / 'cli.db'}"
    yield url
    dispose_all()


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(capsys, *args):
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def test_rank_json_rows(store_url, capsys):
    rows = _json(capsys, "rank", "--db", store_url, "--format", "json")
    by = {r["iso3"]: r for r in rows}
    assert {"iso3", "name", "score", "rank", "tier", "eligible"} <= set(rows[0])
    assert rows[0]["rank"] == 1 and rows[0]["eligible"] is True
    assert by["POL"]["tier"] == 1
    assert by["CHN"]["eligible"] is False and by["CHN"]["rank"] is None
    assert "itar_126_1" in by["PRK"]["gates"]
    ranks = [r["rank"] for r in rows if r["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))


def test_rank_region_top_and_policy_file(store_url, capsys, tmp_path):
    rows = _json(
        capsys,
        "rank",
        "--db",
        store_url,
        "--format",
        "json",
        "--region",
        "indo_pacific",
        "--top",
        "3",
    )
    assert len(rows) == 3 and {r["theater"] for r in rows} == {"indo_pacific"}
    from burdenshare.policy import builtin_text

    f = tmp_path / "mine.yaml"
    f.write_text(builtin_text("burden-ratio").replace("name: burden-ratio", "name: mine"))
    rows = _json(
        capsys, "rank", "--db", store_url, "--format", "json", "--policy", str(f), "--year", "2023"
    )
    assert rows[0]["rank"] == 1


def test_rank_csv_md_and_table(store_url, capsys):
    code, out, _ = _run(capsys, "rank", "--db", store_url, "--format", "csv", "--top", "5")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and rows[0]["rank"] == "1"
    code, out, _ = _run(capsys, "rank", "--db", store_url, "--format", "md", "--top", "2")
    assert code == 0 and out.startswith("| rank | iso3 |") and out.count("\n") >= 3
    code, out, _ = _run(capsys, "rank", "--db", store_url, "--top", "5")
    assert code == 0 and "Poland" in out and "Sources:" in out and "nato_defexp" in out


def test_explain_json_adds_up(store_url, capsys):
    d = _json(capsys, "explain", "Poland", "--db", store_url, "--format", "json")
    assert d["iso3"] == "POL" and d["tier"] == 1
    assert d["score"] == pytest.approx(sum(d["contributions"].values()))
    assert set(d["contributions"]) >= {"milex_gdp_pct", "us_arms_tiv_5y", "theater_priority"}
    assert d["what_it_would_take"]["note"] == "already in the top tier"
    code, out, _ = _run(capsys, "explain", "ESP", "--db", store_url)
    assert code == 0 and "what it would take" in out and "gate itar_126_1" in out
    code, out, _ = _run(capsys, "explain", "ESP", "--db", store_url, "--format", "md")
    assert code == 0 and "### Gates" in out


def test_explain_spain_what_it_would_take(store_url, capsys):
    d = _json(capsys, "explain", "Spain", "--db", store_url, "--format", "json")
    w = d["what_it_would_take"]
    assert d["tier"] == 2 and "tier1_requires_2pct" in [g["id"] for g in d["gates"] if g["applied"]]
    assert w["reachable"] and w["target_tier"] == 1
    assert w["required"] == 2.0  # the 2% gate is the binding constraint
    after = _json(
        capsys,
        "whatif",
        "ESP",
        "--set",
        f"milex_gdp_pct={w['required']}",
        "--db",
        store_url,
        "--format",
        "json",
    )
    assert after["before"]["tier"] == 2 and after["after"]["tier"] == 1
    assert after["after"]["score"] > after["before"]["score"]


def test_whatif_text(store_url, capsys):
    code, out, _ = _run(capsys, "whatif", "Canada", "--set", "milex_gdp_pct=3.0", "--db", store_url)
    assert code == 0 and "milex_gdp_pct=3" in out and "tier" in out and "->" in out


def test_compare_json(store_url, capsys):
    d = _json(capsys, "compare", "eo14383", "equal-weights", "--db", store_url, "--format", "json")
    assert -1 <= d["spearman"] <= 1 and -1 <= d["kendall"] <= 1 and d["n"] > 30
    assert d["rows"][0]["rank_a"] == 1
    code, out, _ = _run(capsys, "compare", "eo14383", "hague2035", "--db", store_url)
    assert code == 0 and "Spearman" in out and "Kendall" in out


def test_policy_commands(capsys, tmp_path):
    rows = _json(capsys, "policy", "list", "--format", "json")
    assert [r["name"] for r in rows] == ["burden-ratio", "eo14383", "equal-weights", "hague2035"]
    code, out, _ = _run(capsys, "policy", "show", "eo14383")
    assert code == 0 and out.startswith("# Built-in policy") and "itar_126_1" in out
    d = _json(capsys, "policy", "show", "hague2035", "--format", "json")
    assert sum(d["effective_weights"].values()) == pytest.approx(1.0)
    from burdenshare.policy import builtin_text

    good = tmp_path / "good.yaml"
    good.write_text(builtin_text("eo14383"))
    code, out, _ = _run(capsys, "policy", "validate", str(good))
    assert code == 0 and "valid policy 'eo14383'" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        builtin_text("eo14383").replace(
            "weight: 0.60\n    normalise", "weight: -0.60\n    normalise"
        )
    )
    code, out, err = _run(capsys, "policy", "validate", str(bad))
    assert code == 2 and "Traceback" not in err
    assert f"{bad}:" in err and "indicators.milex_gdp_pct.weight" in err
    code, _, err = _run(capsys, "policy", "validate", str(tmp_path / "none.yaml"))
    assert code == 2 and "policy file not found" in err


def test_bad_input_exits_2_with_one_line(store_url, capsys):
    code, _, err = _run(capsys, "explain", "Polnd", "--db", store_url)
    assert code == 2 and "did you mean" in err and "Poland" in err
    code, _, err = _run(capsys, "rank", "--db", store_url, "--policy", "eo1438")
    assert code == 2 and "did you mean eo14383" in err
    code, _, err = _run(capsys, "rank", "--db", store_url, "--region", "europa")
    assert code == 2 and "did you mean europe" in err
    code, _, err = _run(capsys, "whatif", "ESP", "--set", "milex=3", "--db", store_url)
    assert code == 2 and "unknown indicator 'milex'" in err
    code, _, err = _run(capsys, "rank", "--db", store_url, "--year", "1900")
    assert code == 2 and "1900" in err


def test_rank_partners_service(db_url):
    """The service the case queue calls: an empty store is scored from the starter snapshot."""
    from burdenshare.scoring.service import RANK_COLUMNS, rank_partners

    engine = get_engine(db_url)
    try:
        df = rank_partners(engine)
        assert tuple(df.columns) == RANK_COLUMNS and df.index.name == "iso3"
        assert df.at["POL", "tier"] == 1 and not df.at["RUS", "eligible"]
        again = rank_partners(engine, policy="burden-ratio", year=2023)
        assert again["rank"].dropna().iloc[0] == 1
    finally:
        dispose_all()


def test_rank_as_of_an_earlier_vintage(store_url, capsys):
    """--vintage 2025 drops releases published later (World Bank GDP of July 2026): Israel's
    burden ratio then has no GDP and, under the burden-ratio policy, no score; eo14383 no
    longer uses the ratio (derived from % of GDP) and does not move."""

    def rows(*extra):
        args = ("rank", "--db", store_url, "--format", "json", *extra)
        return {r["iso3"]: r for r in _json(capsys, *args)}

    latest = rows("--policy", "burden-ratio")
    older = rows("--policy", "burden-ratio", "--vintage", "2025")
    assert latest["ISR"]["score"] is not None and older["ISR"]["score"] is None
    assert older["ISR"]["status"] == "excluded: missing burden_ratio"
    assert rows("--vintage", "2025")["ISR"]["score"] == rows()["ISR"]["score"]
    code, _, err = _run(capsys, "rank", "--db", store_url, "--vintage", "2020")
    assert code == 2 and "no facts released on or before vintage '2020'" in err
