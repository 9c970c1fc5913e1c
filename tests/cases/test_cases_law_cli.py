"""`cases notify-check` answers for NATO as a purchaser, for a sale authorizing re-transfer
outside NATO+5, and refuses dates before the first rule set (one line, exit 2)."""

from __future__ import annotations

import json

import pytest

from burdenshare.cli import main


@pytest.fixture
def db(sqlite_url):
    from burdenshare.store.db import dispose_all

    yield sqlite_url
    dispose_all()


def _check(capsys, db, *args):
    code = main(
        [
            "cases",
            "notify-check",
            "--mde-value",
            "20000000",
            "--total-value",
            "20000000",
            *args,
            "--db",
            db,
        ]
    )
    out = capsys.readouterr()
    return code, out.out, out.err


def test_notify_check_2776b1_nato_and_nspa_as_partner(capsys, db):
    """22 U.S.C. 2776(b)(1): NATO (and its agency NSPA) gets 15 days at the lower thresholds."""
    for partner in ("NATO", "NSPA"):
        code, out, err = _check(
            capsys, db, "--partner", partner, "--as-of", "2026-01-05", "--format", "json"
        )
        assert code == 0, err
        r = json.loads(out)
        assert r["partner"] == "NATO"
        assert r["required"] is True and r["threshold_usd"] == 14_000_000
        assert r["review_days"] == 15 and r["review_group"] == "nato_plus_5"


def test_notify_check_2776b6_retransfer_outside_group(capsys, db):
    """22 U.S.C. 2776(b)(6): --retransfer-outside-group puts a member at the lower thresholds."""
    code, out, _ = _check(capsys, db, "--partner", "NOR", "--as-of", "2026-01-05")
    assert code == 0 and "NOT required" in out
    code, out, _ = _check(
        capsys, db, "--partner", "NOR", "--as-of", "2026-01-05", "--retransfer-outside-group"
    )
    assert code == 0 and "REQUIRED under AECA 36(b)" in out
    assert "review period of: nato_plus_5" in out and "15 calendar days" in out


def test_notify_check_2776_before_2010_is_one_line_exit_2(capsys, db):
    """22 U.S.C. 2776 as amended by P.L. 111-266 (8 Oct 2010): no earlier rule set."""
    code, out, err = _check(capsys, db, "--partner", "KOR", "--as-of", "2009-01-01")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "earliest starts 2010-10-08" in err and "Traceback" not in err


def test_transfers_check_2753d4_bad_exemption_is_one_line_exit_2(capsys, db):
    """22 U.S.C. 2753(d)(4): --exemption takes mro or nato-cross-servicing only."""
    code = main(
        [
            "transfers",
            "check",
            "--case",
            "X-1",
            "--from",
            "POL",
            "--to",
            "EGY",
            "--items",
            "1:1",
            "--total-value",
            "1",
            "--exemption",
            "upgrade",
            "--db",
            db,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--exemption" in err and "nato-cross-servicing" in err
    assert len(err.strip().splitlines()) == 1


def test_transition_approved_milap_counts_offer_expiry_samm_c5_4_19(tmp_path, capsys, db):
    """DSCA SAMM C5.4.19: `cases transition ID offered --approved DATE` records the LOA's
    approval (MILAP); the 85-day offer expiry runs from it, not from the offer."""
    head = "case_id,partner,request_date,mde_value,total_value,complete_at,offer_data_at\n"
    f = tmp_path / "c.csv"
    f.write_text(head + "P-1,POL,2026-01-05,1000000,2000000,2026-01-09,2026-01-20\n")
    assert main(["cases", "import", str(f), "--db", db]) == 0
    capsys.readouterr()
    code = main(
        ["cases", "transition", "P-1", "offered", "--at", "2026-03-01", "--approved", "1 March"]
        + ["--db", db]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--approved: expected a date as YYYY-MM-DD" in err
    code = main(
        ["cases", "transition", "P-1", "offered", "--at", "2026-03-01"]
        + ["--approved", "2026-03-02", "--db", db]
    )
    err = capsys.readouterr().err
    assert code == 2 and "is after the offer 2026-03-01" in err and err[-1:] == "\n"
    assert err.count("\n") == 1
    code = main(
        ["cases", "transition", "P-1", "offered", "--at", "2026-03-01"]
        + ["--approved", "2026-02-01", "--db", db]
    )
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["cases", "show", "P-1", "--db", db, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["approval_date"] == "2026-02-01"
    # 85 days after MILAP (2026-02-01) is 2026-04-27: accepting on the 28th is refused,
    # although it is within 85 days of the offer (2026-03-01)
    code = main(["cases", "transition", "P-1", "accepted", "--at", "2026-04-28", "--db", db])
    err = capsys.readouterr().err
    assert code == 2 and "expired on 2026-04-27" in err and "MILAP" in err
    code = main(["cases", "transition", "P-1", "expired", "--at", "2026-04-28", "--db", db])
    assert code == 0


def test_transition_approved_only_with_offered(tmp_path, capsys, db):
    """An approval (MILAP) date belongs to the move to offered (SAMM C5.4.19); nothing else."""
    head = "case_id,partner,request_date,mde_value,total_value\n"
    f = tmp_path / "c.csv"
    f.write_text(head + "P-2,POL,2026-01-05,1000000,2000000\n")
    assert main(["cases", "import", str(f), "--db", db]) == 0
    capsys.readouterr()
    code = main(
        ["cases", "transition", "P-2", "complete", "--at", "2026-01-09"]
        + ["--approved", "2026-01-08", "--db", db]
    )
    err = capsys.readouterr().err
    assert code == 2 and "goes with the move to offered" in err
    assert main(["cases", "show", "P-2", "--db", db, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "received" and shown["version"] == 1


def test_list_nato_cases_table_2776b1(capsys, db):
    """22 U.S.C. 2776(b)(1): generated NATO (NSPA) cases list as a table, including the
    rows never notified (an empty notification column is not a crash)."""
    assert main(["cases", "generate", "--n", "400", "--db", db]) == 0
    capsys.readouterr()
    assert main(["cases", "list", "--partner", "NATO", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "NATO" in out and "SYN-" in out
    assert main(["cases", "list", "--partner", "NATO", "--db", db, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["partner"] for r in rows} == {"NATO"}
    assert any(r["notification_section"] is None for r in rows)
