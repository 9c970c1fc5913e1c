"""The ledger through the store (SQLite and PostgreSQL) and the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from burdenshare.cli import main

AS_OF = "2026-10-01"


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def store(db_url):
    """A migrated store holding 300 SYNTHETIC cases (some open) from the real generator."""
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.store.cases import insert_frames
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(db_url)
    cases, items = generate_frames(300, 4)
    insert_frames(engine, cases, items, actor="test")
    yield db_url, engine
    dispose_all()


def test_catalog_pre_cleared_round_trips(db_url):
    from burdenshare.cases.catalog import illustrative_catalog
    from burdenshare.store.catalog import load_catalog, save_catalog
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(db_url)
    try:
        cols = {c["name"] for c in sa.inspect(engine).get_columns("catalog_items")}
        assert "pre_cleared" in cols
        cat = illustrative_catalog()
        save_catalog(engine, cat)
        back = load_catalog(engine)
        assert {i.id for i in back if i.pre_cleared} == {"gmlrs", "artillery-155mm"}
        assert back.content_hash() == cat.content_hash()
    finally:
        dispose_all()


def test_service_ledger_over_the_store(store):
    from burdenshare.cases.model import TERMINAL
    from burdenshare.services import ledger as svc

    _, engine = store
    view = svc.ledger(engine, as_of=AS_OF, target="3.5")
    with engine.connect() as c:
        n_open = c.execute(
            sa.text("select count(*) from cases where status not in :t").bindparams(
                sa.bindparam("t", expanding=True)
            ),
            {"t": sorted(s.value for s in TERMINAL)},
        ).scalar_one()
    t = view.ledger.totals
    assert t["open_cases"] == n_open > 0
    assert t["synthetic_cases"] == n_open
    assert any(n.startswith("SYNTHETIC") for n in view.notices())
    assert view.ledger.meta["target_pct"] == 3.5
    p = view.partners.set_index("iso3")
    at = p["spending_pct"] >= 3.5
    assert (p.loc[at, "positions_at_stake"] == 0).all()
    assert (p.loc[at, "days_at_stake"] == 0).all()
    js = view.to_json()
    json.dumps(js, allow_nan=False)
    assert len(js["cases"]) == n_open


def test_cli_ledger_formats(store, capsys):
    url, _ = store
    code, out, err = run(capsys, "ledger", "--db", url, "--as-of", AS_OF, "--format", "json")
    assert code == 0, err
    data = json.loads(out)  # exactly JSON on stdout
    assert data["meta"]["policy"] == "eo14383"
    assert data["totals"]["open_cases"] == sum(r["open_cases"] for r in data["partners"])
    assert "SYNTHETIC" in err and "SYNTHETIC" in data["notices"][0]
    code, out, _ = run(
        capsys, "ledger", "--db", url, "--as-of", AS_OF, "--format", "csv", "--partner", "Spain"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["iso3"] for r in rows] == ["ESP"]
    assert float(rows[0]["increase_pp"]) > 0
    code, out, _ = run(capsys, "ledger", "--db", url, "--as-of", AS_OF, "--format", "md")
    assert code == 0 and "| partner | % GDP |" in out and "> SYNTHETIC" in out
    code, out, _ = run(capsys, "ledger", "--db", url, "--as-of", AS_OF, "--partner", "POL")
    assert code == 0 and "nothing at stake" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "--target", "abc"], "--target"),
        (["ledger", "--target", "0"], "--target"),
        (["ledger", "--partner", "Atlantis"], "--partner: unknown country"),
        (["ledger", "--method", "magic"], "--method"),
        (["ledger", "--as-of", "2026-13-01"], "--as-of"),
        (["fastlane", "check", "Atlantis"], "unknown country"),
        (["ledger", "--policy", "nope.yaml"], "nope.yaml"),
    ],
)
def test_cli_bad_input_one_line_exit_2(sqlite_url, capsys, args, message):
    from burdenshare.store.db import dispose_all

    try:
        code, out, err = run(capsys, *args, "--db", sqlite_url)
    finally:
        dispose_all()
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out == ""


def test_cli_fastlane_check(store, capsys):
    url, _ = store
    code, out, err = run(capsys, "fastlane", "check", "POL", "--db", url, "--as-of", AS_OF)
    assert code == 0, err
    assert out.startswith("POL qualifies for the fast lane")
    assert "statutory: never shortened" in out
    code, out, _ = run(
        capsys, "fastlane", "check", "POL", "--db", url, "--as-of", AS_OF,
        "--eeum-open", "POL", "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and not data["qualifies"]
    assert [c["id"] for c in data["criteria"] if not c["passed"]] == ["no_eeum_discrepancy"]
    assert data["eeum_open"] == ["POL"]


def test_queue_with_fast_lane_from_the_store(store):
    """The service the queue and schedule views call: which cases ride the fast lane, why."""
    import datetime as dt

    from burdenshare.cases.queue import build_queue, load_queue_key
    from burdenshare.services import ledger as svc
    from burdenshare.services.queue import partners_frame
    from burdenshare.store.cases import open_cases
    from burdenshare.store.catalog import load_catalog

    _, engine = store
    cases, dem = open_cases(engine)
    q = build_queue(
        cases, dem, partners_frame(engine, "eo14383", None), load_catalog(engine),
        key=load_queue_key(), as_of=dt.date(2026, 10, 1),
    )  # fmt: skip
    fq = svc.with_fast_lane(engine, q, as_of=AS_OF)
    assert list(fq["position"]) == list(range(1, len(q) + 1))
    assert set(fq["case_id"]) == set(q["case_id"])
    pol = fq.loc[fq["partner"] == "POL"]
    assert pol["fast_lane"].all() and pol["fast_lane_why"].str.startswith("meets").all()
    esp = fq.loc[fq["partner"] == "ESP"]
    assert not esp["fast_lane"].any() and esp["fast_lane_why"].str.contains("fails tier1").all()
    # riding the fast lane never moves a case back relative to a case that does not
    before = q.set_index("case_id")["position"]
    moved = before.loc[fq["case_id"]].to_numpy() - fq["position"].to_numpy()
    assert (moved[fq["fast_lane"].to_numpy()] >= 0).all()


def test_monitor_ledger_headline_per_ally(store, capsys):
    from burdenshare import groups

    url, _ = store
    code, out, err = run(
        capsys, "monitor", "ledger", "--db", url, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    nato = groups.members("nato", AS_OF)
    allies = {r["iso3"]: r for r in data["allies"]}
    assert set(allies) <= nato and "POL" in allies and "JPN" not in allies
    assert allies["POL"]["days_at_stake"] == 0
    assert any(r["positions_at_stake"] > 0 for r in allies.values())
    code, _, err = run(capsys, "monitor", "ledger", "--db", url, "--group", "atlantis")
    assert code == 2 and err.startswith("error: --group: unknown group")
