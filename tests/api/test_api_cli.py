"""The ``users`` commands and the service layer seen from the CLI: the token is the last line
of stdout and works against the API; errors name the option; reads never write."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from burdenshare.cli import main


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_prints_a_working_token_last(capsys, api):
    db = str(api.engine.url.render_as_string(hide_password=False))
    code, out, _ = _run(capsys, "users", "add", "cli-ana", "--role", "analyst", "--db", db)
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("bst_")
    h = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/api/v1/compare?a=eo14383&b=equal-weights", headers=h).is_success
    code, _, err = _run(capsys, "users", "set-role", "cli-ana", "overlord", "--db", db)
    assert code == 2 and "--role" in err and "overlord" in err
    code, out, _ = _run(capsys, "users", "list", "--db", db, "--format", "json")
    assert code == 0 and '"cli-ana"' in out
    code, out, _ = _run(capsys, "users", "revoke", "cli-ana", "--db", db)
    assert code == 0 and "1 token(s) revoked" in out
    assert httpx.get(f"{api.url}/api/v1/policies", headers=h).status_code == 401
    with api.engine.connect() as conn:
        actors = conn.execute(
            sa.text("SELECT actor FROM audit_log WHERE subject = 'cli-ana'")
        ).scalars()
        assert {a.split(":")[0] for a in actors} == {"local"}  # the CLI's claim is labelled


def test_cli_reads_never_write(capsys, sqlite_url):
    code, out, _ = _run(capsys, "rank", "--db", sqlite_url, "--top", "3", "--format", "json")
    assert code == 0 and '"POL"' in out
    eng = sa.create_engine(sqlite_url)
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM facts")).scalar_one() == 0
    eng.dispose()


def test_core_errors_name_fields_each_interface_its_own_way(capsys, sqlite_url):
    from burdenshare.errors import UserError

    e = UserError("must be positive", field="sobol_samples")
    assert e.for_cli() == "--sobol-samples: must be positive" and e.field == "sobol_samples"
    code, _, err = _run(
        capsys, "cases", "notify-check", "--partner", "JPN", "--mde-value", "5",
        "--total-value", "1", "--db", sqlite_url,
    )  # fmt: skip
    assert code == 2 and "--mde-value" in err and "Traceback" not in err
