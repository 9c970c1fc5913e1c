"""``burdenshare cases | transfers | eeum | metrics | audit ...``: arms-sale case commands.

Thin: parse options, call :mod:`burdenshare.cases`, render. Heavy imports happen inside the
command bodies. Every write goes through :mod:`burdenshare.cases.repository`, which appends
the audit record in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from burdenshare.cli.common import DB_OPTION, echo_json

cases_app = typer.Typer(
    help="Arms-sale cases: import, life cycle, congressional notification.", no_args_is_help=True
)
transfers_app = typer.Typer(
    help="Third-party transfers of delivered items (AECA s.3(d)).", no_args_is_help=True
)
eeum_app = typer.Typer(help="Enhanced end-use monitoring (SAMM C8).", no_args_is_help=True)
metrics_app = typer.Typer(
    help="Quarterly performance metrics on case execution (EO 14383).", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

FORMAT_OPTION = typer.Option("table", "--format", help="table or json")
ACTOR_OPTION = typer.Option(
    None, "--actor", envvar="BURDENSHARE_USER", help="Who acts (audit log; default $USER)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(transfers_app, name="transfers")
    app.add_typer(eeum_app, name="eeum")
    app.add_typer(metrics_app, name="metrics")
    app.add_typer(audit_app, name="audit")


def _engine(db: str | None):
    from burdenshare.cli.common import db_url
    from burdenshare.store.db import get_engine

    return get_engine(db_url(db))


def _actor(actor: str | None) -> str:
    import getpass

    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _date(text: str | None, option: str) -> dt.date:
    from burdenshare.cases.model import parse_date
    from burdenshare.errors import CaseError

    if text is None:
        return dt.date.today()
    try:
        return parse_date(text, field=option)
    except CaseError:
        raise CaseError(f"expected a date as YYYY-MM-DD, got {text!r}", where=option) from None


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    from burdenshare.errors import UserError

    f = fmt.lower()
    if f not in allowed:
        raise UserError(f"expected one of {', '.join(allowed)}, got {fmt!r}", where="--format")
    return f


def _money(x) -> str:
    return "" if x is None else f"${float(x):,.0f}"


# ---- cases ---------------------------------------------------------------------------------


@cases_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or JSON file of cases."),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Import the valid cases and write the bad rows to this file."
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Import cases: all rows valid or nothing written (every bad row listed)."""
    from burdenshare.cases import repository
    from burdenshare.cases.catalog import load_catalog
    from burdenshare.cases.eeum import flag_case, load_designations
    from burdenshare.cases.importer import RowError, read_cases, write_rejects
    from burdenshare.errors import CaseError

    engine = _engine(db)
    catalog = load_catalog(engine)
    result = read_cases(file, catalog_ids=catalog.item_ids())
    clash = repository.existing_ids(engine, [c.id for c in result.cases])
    for c in result.cases:
        if c.id in clash:
            result.errors.append(
                RowError(f"{file.name} case {c.id}", "case_id", "already in the database", c.id)
            )
    bad = set(result.rejected_keys)
    good = [c for c in result.cases if c.id not in bad]
    if result.errors and rejects is None:
        raise CaseError(result.message(str(file)))
    designations = load_designations()
    names = {item.id: item.name for item in catalog}
    good = [flag_case(c, designations, names) for c in good]
    n = repository.insert_cases(engine, good, actor=_actor(actor), source=str(file.name))
    typer.echo(f"imported {n} case(s) from {file.name}")
    if rejects is not None and result.errors:
        written = write_rejects(result, rejects, result.rejected_keys)
        typer.echo(
            f"rejected {len(result.rejected_keys)} case(s) ({written} row(s)) -> {rejects}",
            err=True,
        )
        for e in result.errors:
            typer.echo(f"  {e}", err=True)


@cases_app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="Only cases at this stage."),
    partner: str | None = typer.Option(None, "--partner", help="Only this partner (ISO3)."),
    limit: int | None = typer.Option(None, "--limit", min=1),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """List cases with their stage and values."""
    from burdenshare.cases import repository
    from burdenshare.cases.model import parse_stage

    fmt = _check_format(fmt, ("table", "json", "csv"))
    stage = parse_stage(status).value if status else None
    frame = repository.list_cases(_engine(db), status=stage, partner=partner, limit=limit)
    cols = [
        "id",
        "partner",
        "sale_type",
        "status",
        "request_date",
        "aod_group",
        "mde_value",
        "total_value",
        "notification_section",
        "version",
        "synthetic",
    ]
    frame = frame[cols]
    if fmt == "json":
        echo_json(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"))
        return
    if fmt == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(frame)} case(s)")
    for c in (
        "id",
        "partner",
        "type",
        "status",
        "requested",
        "AOD",
        "MDE",
        "total",
        "notified",
        "v",
    ):
        table.add_column(c, justify="right" if c in ("MDE", "total", "v") else "left")
    for r in frame.itertuples(index=False):
        table.add_row(
            r.id + (" (syn)" if r.synthetic else ""),
            r.partner,
            r.sale_type,
            r.status,
            str(r.request_date),
            r.aod_group,
            _money(r.mde_value),
            _money(r.total_value),
            r.notification_section if isinstance(r.notification_section, str) else "",
            str(r.version),
        )
    Console().print(table)


@cases_app.command("show")
def show_cmd(
    case_id: str = typer.Argument(..., metavar="ID"),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show one case: values, items (EEUM flags), stage dates, allowed next stages."""
    from burdenshare.cases import repository
    from burdenshare.cases.lifecycle import allowed_targets

    fmt = _check_format(fmt, ("table", "json"))
    case = repository.get_case(_engine(db), case_id)
    data = repository.case_payload(case)
    data["allowed_next"] = [s.value for s in allowed_targets(case.status)]
    if fmt == "json":
        echo_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]{case.id}[/] {case.partner} {case.sale_type} - {case.status.value}"
        + (" [dim](synthetic)[/]" if case.synthetic else "")
    )
    con.print(
        f"MDE {_money(case.mde_value)}  total {_money(case.total_value)}  "
        f"D&C {_money(case.dc_value)}  AOD group {case.aod_group}"
        + ("  emergency waiver" if case.emergency else "")
        + ("  re-transfer outside NATO+5 authorized" if case.retransfer_outside_group else "")
        + (f"  LOA approved (MILAP) {case.approval_date}" if case.approval_date else "")
    )
    stages = Table(title="stages")
    stages.add_column("stage")
    stages.add_column("date")
    for stage, d in sorted(case.stage_times.items(), key=lambda kv: kv[1]):
        stages.add_row(stage.value, d.isoformat())
    con.print(stages)
    items = Table(title="items")
    for c in ("line", "item", "USML", "qty", "value", "EEUM"):
        items.add_column(c)
    for i in case.items:
        items.add_row(
            str(i.line),
            i.label,
            i.usml_category or "",
            str(i.quantity),
            _money(i.value),
            i.eeum_designation or "",
        )
    con.print(items)
    con.print("next: " + (", ".join(data["allowed_next"]) or "(final stage)"))


@cases_app.command("transition")
def transition_cmd(
    case_id: str = typer.Argument(..., metavar="ID"),
    stage: str = typer.Argument(..., metavar="STAGE"),
    at: str | None = typer.Option(None, "--at", help="Date of the transition (default today)."),
    rules: str | None = typer.Option(None, "--rules", help="Notification rule-set version."),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse unless the case is at this version."
    ),
    approved: str | None = typer.Option(
        None,
        "--approved",
        help="With offered: the LOA's approval (MILAP) date; the offer expires counted "
        "from it (SAMM C5.4.19).",
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Move a case to STAGE; a refused transition says why and changes nothing."""
    from burdenshare.cases import repository
    from burdenshare.cases.model import parse_stage

    fmt = _check_format(fmt, ("table", "json"))
    target = parse_stage(stage)
    when = _date(at, "--at")
    case = repository.transition_case(
        _engine(db),
        case_id,
        target,
        when,
        actor=_actor(actor),
        expected_version=expect_version,
        rules=rules,
        approved=None if approved is None else _date(approved, "--approved"),
    )
    if fmt == "json":
        echo_json({"id": case.id, "status": case.status.value, "at": when, "version": case.version})
        return
    typer.echo(
        f"{case.id}: now {case.status.value} (on {when.isoformat()}, version {case.version})"
    )


@cases_app.command("notify-check")
def notify_check_cmd(
    case_id: str | None = typer.Argument(None, metavar="[ID]"),
    partner: str | None = typer.Option(
        None, "--partner", help="Purchaser: a country, or NATO (also NSPA)."
    ),
    mde_value: str | None = typer.Option(None, "--mde-value", help="Major defense equipment, US$."),
    total_value: str | None = typer.Option(
        None, "--total-value", help="Articles and services, US$."
    ),
    dc_value: str | None = typer.Option(None, "--dc-value", help="Design and construction, US$."),
    firearms_value: str | None = typer.Option(
        None, "--firearms-value", help="USML Category I firearms (DCS), US$."
    ),
    sale_type: str = typer.Option("FMS", "--sale-type", help="FMS or DCS."),
    manufacture_abroad: bool = typer.Option(False, "--manufacture-abroad"),
    emergency: bool = typer.Option(False, "--emergency", help="Presidential emergency waiver."),
    retransfer_outside_group: bool = typer.Option(
        False,
        "--retransfer-outside-group",
        help="The sale authorizes transfer/resale outside NATO+5: lower thresholds "
        "(22 U.S.C. 2776(b)(6), (c)(5)).",
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Notification date (default today)."),
    rules: str | None = typer.Option(
        None,
        "--rules",
        help="Rule-set version (default: law in force on --as-of), e.g. hr3613-2025.",
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Does a case need congressional notification; under which section, threshold, review?"""
    from burdenshare.cases import repository
    from burdenshare.cases.notification import NotificationInput, notification
    from burdenshare.errors import CaseError, UserError

    fmt = _check_format(fmt, ("table", "json"))
    engine = _engine(db)
    when = _date(as_of, "--as-of")
    if case_id is not None:
        if partner or mde_value or total_value:
            raise UserError("give a case ID or --partner/--mde-value/--total-value, not both")
        case = repository.get_case(engine, case_id)
        if retransfer_outside_group:
            case = case.model_copy(update={"retransfer_outside_group": True})
        result = notification(case, as_of=when, rules=rules)
    else:
        if not partner or mde_value is None or total_value is None:
            raise UserError(
                "give a case ID, or --partner, --mde-value and --total-value", where="notify-check"
            )
        from burdenshare.cases.notification import organisation_code
        from burdenshare.countries import resolve

        iso3 = organisation_code(partner) or resolve(partner)
        if iso3 is None:
            raise UserError(
                f"unknown partner {partner!r} (a country, or NATO/NSPA)", where="--partner"
            )
        st = sale_type.strip().upper()
        if st not in ("FMS", "DCS"):
            raise CaseError(f"expected FMS or DCS, got {sale_type!r}", where="--sale-type")
        vals = {
            name: _cli_number(v, opt)
            for name, v, opt in (
                ("mde_value", mde_value, "--mde-value"),
                ("total_value", total_value, "--total-value"),
                ("dc_value", dc_value, "--dc-value"),
                ("firearms_value", firearms_value, "--firearms-value"),
            )
        }
        if vals["mde_value"] > vals["total_value"]:
            raise CaseError(
                "major defense equipment is part of the total; it cannot exceed --total-value",
                where="--mde-value",
            )
        inp = NotificationInput(
            partner=iso3,
            sale_type=st,
            manufacture_abroad=manufacture_abroad,
            emergency=emergency,
            retransfer_outside_group=retransfer_outside_group,
            **vals,
        )
        result = notification(inp, as_of=when, rules=rules)
    repository.audit_only(
        engine,
        actor=_actor(actor),
        kind="notification",
        subject=result.case_id or f"check:{result.partner}",
        payload=result.to_dict(),
    )
    if fmt == "json":
        echo_json(result.to_dict())
        return
    if result.required:
        typer.echo(f"notification REQUIRED under AECA {result.section} ({result.citation})")
        typer.echo(
            f"  thresholds of: {result.group}; review period of: {result.review_group}; "
            f"threshold {_money(result.threshold_usd) or 'none (every licence)'}"
        )
        typer.echo(
            f"  review period: {result.review_days} calendar days; earliest offer "
            f"{result.earliest_offer_date.isoformat()}"
        )
    else:
        typer.echo("notification NOT required")
    typer.echo(f"  why: {result.reason}")
    typer.echo(
        f"  rules: {result.rules_version} ({result.rules_status}); as of "
        f"{result.notification_date.isoformat()}"
    )


def _cli_number(text: str | None, option: str) -> float:
    import math

    from burdenshare.errors import CaseError

    if text is None:
        return 0.0
    try:
        x = float(str(text).replace(",", "").replace("_", ""))
    except ValueError:
        raise CaseError(f"expected a number, got {text!r}", where=option) from None
    if not math.isfinite(x) or x < 0:
        raise CaseError(f"expected a non-negative number, got {text!r}", where=option)
    return x


@cases_app.command("notify-compare")
def notify_compare_cmd(
    proposed: str = typer.Option("hr3613-2025", "--proposed", help="Proposed rule-set version."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluation date (default today)."),
    open_only: bool = typer.Option(True, "--open/--all", help="Only cases not yet offered."),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """How many cases would no longer need notification under a proposed rule set?"""
    from burdenshare.cases import repository
    from burdenshare.cases.notification import compare_rule_sets

    fmt = _check_format(fmt, ("table", "json"))
    when = _date(as_of, "--as-of")
    engine = _engine(db)
    frame = _notification_inputs(engine)
    if open_only:
        frame = frame[frame["status"].isin(["received", "complete", "offer_data"])]
    out = compare_rule_sets(frame, None, proposed, when)
    repository.audit_only(
        engine,
        actor=_actor(None),
        kind="rule_comparison",
        subject=proposed,
        payload={**out, "as_of": when.isoformat()},
    )
    if fmt == "json":
        echo_json(out)
        return
    typer.echo(
        f"{out['cases']} case(s): {out['required_baseline']} need notification under the "
        f"law in force, {out['required_proposed']} under {proposed} (PROPOSED)"
    )
    typer.echo(
        f"  no longer required: {out['no_longer_required']}; newly required: "
        f"{out['newly_required']}"
    )


def _notification_inputs(engine):
    """Stored cases with the columns :func:`notification_frame` needs."""
    import pandas as pd
    import sqlalchemy as sa

    from burdenshare.cases.model import is_firearm_category
    from burdenshare.cases.repository import ITEMS, cases_frame

    frame = cases_frame(engine)
    with engine.connect() as conn:
        items = pd.DataFrame(
            conn.execute(sa.select(ITEMS.c.case_id, ITEMS.c.usml_category, ITEMS.c.value)).all(),
            columns=["case_id", "usml_category", "value"],
        )
    fire = items[items["usml_category"].map(is_firearm_category).astype(bool)]
    fv = fire.groupby("case_id")["value"].sum()
    frame["firearms_value"] = frame["id"].map(fv).fillna(0.0)
    return frame


@cases_app.command("generate")
def generate_cmd(
    n: int = typer.Option(100, "--n", min=0, help="How many synthetic cases."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same cases)."),
    start: str = typer.Option("2022-01-01", "--start", help="Earliest request date."),
    end: str = typer.Option("2026-09-30", "--end", help="Simulated today: stages stop here."),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Generate realistic SYNTHETIC cases (ids SYN-..., labelled synthetic in the store)."""
    import sqlalchemy as sa

    from burdenshare.cases import repository
    from burdenshare.cases.catalog import load_catalog
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.errors import UserError

    s, e = _date(start, "--start"), _date(end, "--end")
    if e <= s:
        raise UserError("must be after --start", where="--end")
    engine = _engine(db)
    with engine.connect() as conn:
        taken = conn.execute(
            sa.select(sa.func.count())
            .select_from(repository.CASES)
            .where(repository.CASES.c.id.like("SYN-%"))
        ).scalar_one()
    cases, items = generate_frames(
        n, seed, start=s, end=e, catalog=load_catalog(engine), id_start=int(taken) + 1
    )
    count = repository.insert_frames(
        engine,
        cases,
        items,
        actor=_actor(actor),
        meta={"seed": seed, "synthetic": True, "start": s.isoformat(), "end": e.isoformat()},
    )
    by_status = cases["status"].value_counts().sort_index()
    typer.echo(
        f"generated {count} synthetic case(s) (seed {seed}): "
        + ", ".join(f"{k} {v}" for k, v in by_status.items())
    )


# ---- transfers -----------------------------------------------------------------------------


def _parse_lines(text: str):
    from burdenshare.cases.transfers import TransferLine
    from burdenshare.errors import CaseError

    lines = []
    for part in [p for p in text.split(",") if p.strip()]:
        try:
            line, qty = part.split(":")
            lines.append(TransferLine(int(line), int(qty)))
        except ValueError:
            raise CaseError(
                f"expected LINE:QTY[,LINE:QTY...], got {part!r}", where="--items"
            ) from None
    return tuple(lines)


def _transfer(
    case: str,
    from_: str,
    to: str,
    items: str,
    mde_value: str,
    total_value: str,
    date: str | None,
    parent: str | None,
    emergency: bool,
    retransfer_outside_group: bool = False,
    exemption: str | None = None,
):
    from burdenshare.cases.transfers import EXEMPTIONS, TransferRequest
    from burdenshare.countries import resolve
    from burdenshare.errors import UserError

    codes = {}
    for opt, v in (("--from", from_), ("--to", to)):
        iso3 = resolve(v)
        if iso3 is None:
            raise UserError(f"unknown country {v!r}", where=opt)
        codes[opt] = iso3
    return TransferRequest(
        from_partner=codes["--from"],
        to_recipient=codes["--to"],
        source_case_id=case,
        lines=_parse_lines(items),
        mde_value=_cli_number(mde_value, "--mde-value"),
        total_value=_cli_number(total_value, "--total-value"),
        request_date=_date(date, "--date"),
        parent_transfer_id=parent,
        emergency=emergency,
        retransfer_outside_group=retransfer_outside_group,
        exemption=_exemption(exemption, EXEMPTIONS),
    )


def _exemption(text: str | None, known) -> str | None:
    from burdenshare.errors import CaseError

    if text is None:
        return None
    key = text.strip().lower().replace("-", "_")
    if key not in known:
        raise CaseError(
            f"expected one of {', '.join(k.replace('_', '-') for k in known)}, got {text!r}",
            where="--exemption",
        )
    return key


def _print_decision(tid, decision, fmt: str) -> None:
    if fmt == "json":
        echo_json({"id": tid, **decision.to_dict()})
        return
    head = f"{tid}: " if tid else ""
    typer.echo(f"{head}{decision.decision.upper()}")
    for r in decision.reasons:
        typer.echo(f"  - {r}")


@transfers_app.command("request")
def transfer_request_cmd(
    case: str = typer.Option(..., "--case", help="Delivered case the items come from."),
    from_: str = typer.Option(..., "--from", help="Current holder (ISO3)."),
    to: str = typer.Option(..., "--to", help="Recipient (ISO3)."),
    items: str = typer.Option(..., "--items", help="LINE:QTY[,LINE:QTY...] of the case."),
    mde_value: str = typer.Option("0", "--mde-value", help="MDE value transferred, US$."),
    total_value: str = typer.Option(..., "--total-value", help="Total value transferred, US$."),
    date: str | None = typer.Option(None, "--date", help="Request date (default today)."),
    parent: str | None = typer.Option(None, "--parent", help="Transfer the holder got them by."),
    emergency: bool = typer.Option(False, "--emergency"),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Record a retransfer request with its checks (denial, s.3(d) notification, EEUM)."""
    from burdenshare.cases import repository

    fmt = _check_format(fmt, ("table", "json"))
    req = _transfer(case, from_, to, items, mde_value, total_value, date, parent, emergency)
    tid, decision = repository.request_transfer(_engine(db), req, actor=_actor(actor))
    _print_decision(tid, decision, fmt)


@transfers_app.command("check")
def transfer_check_cmd(
    case: str = typer.Option(..., "--case"),
    from_: str = typer.Option(..., "--from"),
    to: str = typer.Option(..., "--to"),
    items: str = typer.Option(..., "--items"),
    mde_value: str = typer.Option(
        "0", "--mde-value", help="MDE at original acquisition cost, US$ (2753(d)(1))."
    ),
    total_value: str = typer.Option(
        ..., "--total-value", help="Articles at original acquisition cost, US$ (2753(d)(1))."
    ),
    date: str | None = typer.Option(None, "--date"),
    parent: str | None = typer.Option(None, "--parent"),
    emergency: bool = typer.Option(False, "--emergency"),
    retransfer_outside_group: bool = typer.Option(
        False,
        "--retransfer-outside-group",
        help="Consent authorizes further transfer outside NATO+5 (2753(d)(5)).",
    ),
    exemption: str | None = typer.Option(
        None,
        "--exemption",
        help="2753(d)(4) exemption: mro (no capability increase) or nato-cross-servicing.",
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Run the retransfer checks without recording a request (the check is audited)."""
    from burdenshare.cases import repository

    fmt = _check_format(fmt, ("table", "json"))
    req = _transfer(
        case,
        from_,
        to,
        items,
        mde_value,
        total_value,
        date,
        parent,
        emergency,
        retransfer_outside_group,
        exemption,
    )
    engine = _engine(db)
    _, decision = repository.request_transfer(engine, req, dry_run=True)
    repository.audit_only(
        engine,
        actor=_actor(actor),
        kind="transfer_check",
        subject=case,
        payload={
            "from": req.from_partner,
            "to": req.to_recipient,
            "date": req.request_date.isoformat(),
            **decision.to_dict(),
        },
    )
    _print_decision(None, decision, fmt)


@transfers_app.command("show")
def transfer_show_cmd(
    transfer_id: str = typer.Argument(..., metavar="TRANSFER_ID"),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show a transfer, its items and the lineage chain back to the original sale."""
    from burdenshare.cases import repository

    fmt = _check_format(fmt, ("table", "json"))
    t = repository.get_transfer(_engine(db), transfer_id)
    if fmt == "json":
        echo_json(t)
        return
    typer.echo(
        f"{t['id']}: {t['from_partner']} -> {t['to_recipient']} "
        f"({t['decision']}), case {t['source_case_id']}, {t['request_date']}"
    )
    for i in t["items"]:
        flag = " [EEUM]" if i["eeum"] else ""
        typer.echo(
            f"  line {i['line']}: {i['description'] or i['catalog_item_id']} x{i['quantity']}{flag}"
        )
    chain = " -> ".join(
        [t["lineage"][0]["from_partner"]] + [link["to_recipient"] for link in t["lineage"]]
    )
    typer.echo(f"lineage: {chain}")
    for link in t["lineage"]:
        typer.echo(
            f"  {link['kind']} {link['id']}: {link['from_partner']} -> "
            f"{link['to_recipient']} ({link.get('request_date')})"
        )


# ---- EEUM ----------------------------------------------------------------------------------


@eeum_app.command("workload")
def eeum_workload_cmd(
    quarter: str = typer.Option(..., "--quarter", help="e.g. 2026Q3"),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """EEUM inventories due in a quarter per partner (90 days after arrival, then yearly)."""
    from burdenshare.cases import repository
    from burdenshare.cases.eeum import parse_quarter, workload

    fmt = _check_format(fmt, ("table", "json", "csv"))
    parse_quarter(quarter)
    table = workload(repository.delivered_eeum_items(_engine(db)), quarter)
    if fmt == "json":
        echo_json(table.to_dict(orient="records"))
        return
    if fmt == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"EEUM inventories due {quarter}")
    for c in table.columns:
        t.add_column(c)
    for r in table.itertuples(index=False):
        t.add_row(*[str(x) for x in r])
    Console().print(t)


@eeum_app.command("list")
def eeum_list_cmd(fmt: str = FORMAT_OPTION) -> None:
    """The designated items of the shipped EEUM list."""
    from dataclasses import asdict

    from burdenshare.cases.eeum import load_designations

    fmt = _check_format(fmt, ("table", "json"))
    d = load_designations()
    if fmt == "json":
        echo_json({"version": d.version, "items": [asdict(i) for i in d.items]})
        return
    typer.echo(f"EEUM designations {d.version}:")
    for i in d.items:
        typer.echo(f"  {i.name} (USML {i.usml_category or '?'}; {i.category}; {i.basis})")


# ---- metrics -------------------------------------------------------------------------------


def _tiers(engine):
    """Partner tier and region from the scoring service, or None (with a warning)."""
    from burdenshare.errors import UserError

    try:
        from burdenshare.scoring.service import rank_partners

        ranked = rank_partners(engine, policy="eo14383")
    except (ImportError, OSError, UserError, KeyError, ValueError) as exc:
        typer.echo(f"warning: partner tiers unavailable ({exc}); tier 'unranked'", err=True)
        return None
    out = ranked.loc[:, ["tier"]].copy()
    out["tier"] = out["tier"].astype(object).where(out["tier"].notna(), None)
    out["tier"] = out["tier"].map(lambda t: "unranked" if t is None else f"tier {t}")
    out["region"] = ranked["theater"] if "theater" in ranked.columns else "unknown"
    return out


@metrics_app.command("quarterly")
def metrics_quarterly_cmd(
    quarter: str = typer.Option(..., "--quarter", help="e.g. 2026Q3"),
    k: int = typer.Option(5, "--k", min=1, help="Suppress cells from fewer than k cases."),
    fmt: str = typer.Option("csv", "--format", help="csv, json or xlsx"),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (needed for xlsx)."),
    synthetic: bool = typer.Option(
        True, "--synthetic/--no-synthetic", help="Include synthetic cases."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Quarterly case-execution metrics with disclosure control, as CSV, JSON or XLSX."""
    from burdenshare.cases import metrics, repository
    from burdenshare.cases.eeum import parse_quarter
    from burdenshare.errors import UserError

    fmt = _check_format(fmt, ("csv", "json", "xlsx"))
    parse_quarter(quarter)
    if fmt == "xlsx" and output is None:
        raise UserError("xlsx needs an output file", where="--output")
    engine = _engine(db)
    frame = repository.cases_frame(engine, synthetic=None if synthetic else False)
    raw = metrics.quarterly_metrics(frame, quarter, tiers=_tiers(engine))
    table = metrics.disclose(raw, k)
    label = raw["quarter"].iloc[0] if len(raw) else quarter
    notes = [
        f"cells from 1..{k - 1} cases suppressed; complementary suppression in breakdowns",
        "US$ rounded to the nearest million, days to 0.1, shares to 0.001",
        "includes synthetic cases" if synthetic and frame["synthetic"].any() else "real cases only",
    ]
    if fmt == "xlsx":
        metrics.write_xlsx(table, output, quarter=label, k=k, notes=notes)
        typer.echo(f"wrote {output}")
        return
    if fmt == "json":
        obj = metrics.to_json_obj(table, quarter=label, k=k)
        obj["notes"] = notes
        if output:
            import json

            output.write_text(json.dumps(obj, indent=2), encoding="utf-8")
            typer.echo(f"wrote {output}")
        else:
            echo_json(obj)
        return
    text = table.to_csv(index=False)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


# ---- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify_cmd(db: str | None = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Verify the audit log's hash chain; name every edited, deleted or reordered record."""
    from dataclasses import asdict

    from burdenshare.cases import repository

    fmt = _check_format(fmt, ("table", "json"))
    result = repository.verify_audit(_engine(db))
    if fmt == "json":
        echo_json(
            {
                "ok": result.ok,
                "records": result.records,
                "problems": [asdict(p) for p in result.problems],
            }
        )
    else:
        typer.echo(result.summary())
        for p in result.problems:
            typer.echo(f"  - {p.message}")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log_cmd(
    subject: str | None = typer.Option(None, "--subject", help="Only records about this."),
    limit: int = typer.Option(50, "--limit", min=1),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show the newest audit records."""
    from burdenshare.cases import repository

    fmt = _check_format(fmt, ("table", "json"))
    records, _ = repository.read_audit(_engine(db))
    if subject:
        records = [r for r in records if r["subject"] == subject]
    records = records[-limit:]
    if fmt == "json":
        echo_json(records)
        return
    for r in records:
        typer.echo(
            f"{r['seq']:>6} {r['recorded_at'][:19]} {r['actor']:<12} {r['kind']:<18} "
            f"{r['subject']}  {r['hash'][:12]}"
        )
