"""``burdenshare cases | transfers | eeum | metrics | audit ...``: arms-sale case commands.

Thin: parse options, call :mod:`burdenshare.services.cases` (and the other services), render.
Heavy imports happen inside the command bodies. Every write goes through the service layer and
:mod:`burdenshare.store.cases`, which appends the audit record in the same transaction;
``--actor`` is a local single-user claim and is recorded as ``local:NAME``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from burdenshare.cli.common import DB_OPTION, echo_json, format_option
from burdenshare.cli.common import engine as db_engine

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

FORMAT_OPTION = format_option("table", "json")
ACTOR_OPTION = typer.Option(
    None, "--actor", envvar="BURDENSHARE_USER", help="Who acts (audit log; default $USER)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(transfers_app, name="transfers")
    app.add_typer(eeum_app, name="eeum")
    app.add_typer(metrics_app, name="metrics")
    app.add_typer(audit_app, name="audit")


def _actor(actor: str | None) -> str:
    from burdenshare.services.audit import local_actor

    return local_actor(actor)


def _date(text: str | None, option: str) -> dt.date:
    from burdenshare.services.cases import parse_day

    return parse_day(text, option.lstrip("-").replace("-", "_"))


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    from burdenshare.cli.common import check_format

    return check_format(fmt, allowed)


def _partner(text: str, option: str) -> str:
    """A partner as stored on cases: an organisation code (NATO, NSPA) or a country's ISO3
    (names accepted); anything else names ``option``."""
    from burdenshare.cases.notification import organisation_code
    from burdenshare.cli.common import parse_country

    return organisation_code(text.strip().upper()) or parse_country(text, option)


def _money(x) -> str:
    return "" if _blank(x) else f"${float(x):,.0f}"


def _blank(x) -> bool:
    """None, NaN or pandas' NA (a frame column of mixed cases holds them)."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN; pandas.NA raises TypeError
    except TypeError:
        return True


def _text(x) -> str:
    """A table cell: blank for None/NaN/NA, else the value as text."""
    return "" if _blank(x) else str(x)


# ---- cases ---------------------------------------------------------------------------------


@cases_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or JSON file of cases (columns below)."),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Import the valid cases and write the bad rows to this file."
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
) -> None:
    """Import cases: all rows valid or nothing written (every bad row listed).

    \b
    CSV: one row per case item; the case fields repeat on each row of the case
    (or are left blank after its first row). Columns:
      case_id            the case identifier (letters, digits, . _ - /)   required
      partner            ISO3 code or country name, or NATO/NSPA          required
      request_date       YYYY-MM-DD                                       required
      sale_type          FMS (default) or DCS
      aod_group          A, B (default) or C
      mde_value, total_value, dc_value   US$, >= 0 (default 0)
      emergency, manufacture_abroad      true/false (default false)
      note, status       free text; a stage (default: latest dated stage)
      <stage>_at         date the case reached a stage, e.g. complete_at,
                         offer_data_at, notified_at, offered_at, accepted_at
      item_catalog_id    a catalog item id (burdenshare catalog show)
      item_description, item_usml_category, item_quantity (>= 1),
      item_value (US$), item_eeum_case_unique (true/false)
    JSON: a list of case objects (or {"cases": [...]}) with the same case
    fields and an "items" list of {catalog_item_id, description,
    usml_category, quantity, value, eeum_case_unique}.
    """
    from burdenshare.cases.importer import _read_text, write_rejects
    from burdenshare.cli.common import atomic_path, check_output_path
    from burdenshare.errors import DataFormatError
    from burdenshare.services import cases as svc

    if rejects is not None:  # before any case is written
        rejects = check_output_path(rejects, "--rejects")
    suffix = file.suffix.lower()
    kind = "json" if suffix == ".json" else "csv" if suffix in (".csv", ".txt") else None
    if kind is None:
        raise DataFormatError("unsupported file type (use .csv or .json)", where=str(file))
    text = _read_text(file)
    try:
        out = svc.import_cases(
            db_engine(db),
            text,
            file.name,
            kind,
            actor=_actor(actor),
            partial=rejects is not None,
        )
    except svc.ImportRejected as exc:
        from burdenshare.errors import CaseError

        raise CaseError(str(exc).replace(f"{file.name}:", f"{file}:", 1)) from None
    typer.echo(f"imported {out.imported} case(s) from {file.name}")
    if rejects is not None and out.rejected:
        with atomic_path(rejects) as tmp:
            written = write_rejects(out.read, tmp, out.rejected_keys)
        typer.echo(
            f"rejected {len(out.rejected_keys)} case(s) ({written} row(s)) -> {rejects}",
            err=True,
        )
        for e in out.rejected:
            typer.echo(f"  {e}", err=True)


@cases_app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="Only cases at this stage."),
    partner: str | None = typer.Option(None, "--partner", help="Only this partner (ISO3)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most N cases."),
    db: str | None = DB_OPTION,
    fmt: str = format_option("table", "json", "csv"),
) -> None:
    """List cases with their stage and values."""
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json", "csv"))
    if partner is not None:
        partner = _partner(partner, "--partner")
    frame = svc.list_cases(db_engine(db), status=status, partner=partner, limit=limit)
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
            _text(r.id) + (" (syn)" if r.synthetic is True else ""),
            _text(r.partner),
            _text(r.sale_type),
            _text(r.status),
            _text(r.request_date),
            _text(r.aod_group),
            _money(r.mde_value),
            _money(r.total_value),
            _text(r.notification_section),
            _text(r.version),
        )
    Console().print(table)


@cases_app.command("show")
def show_cmd(
    case_id: str = typer.Argument(..., metavar="ID"),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show one case: values, items (EEUM flags), stage dates, allowed next stages."""
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    engine = db_engine(db)
    case = svc.get_case_obj(engine, case_id)
    data = svc.get_case(engine, case_id)
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
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    when = _date(at, "--at")
    case = svc.transition(
        db_engine(db),
        case_id,
        stage,
        at=when,
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
    manufacture_abroad: bool = typer.Option(
        False,
        "--manufacture-abroad",
        help="DCS licence for manufacture abroad of significant military equipment "
        "(AECA 36(d), 22 U.S.C. 2776(d)).",
    ),
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
    from burdenshare.errors import UserError
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    query = None
    if case_id is not None:
        if partner or mde_value or total_value:
            raise UserError("give a case ID or --partner/--mde-value/--total-value, not both")
    else:
        if not partner or mde_value is None or total_value is None:
            raise UserError(
                "give a case ID, or --partner, --mde-value and --total-value", where="notify-check"
            )
        query = svc.NotifyQuery(
            partner=partner,
            mde_value=mde_value,
            total_value=total_value,
            dc_value=dc_value,
            firearms_value=firearms_value,
            sale_type=sale_type,
            manufacture_abroad=manufacture_abroad,
            emergency=emergency,
            retransfer_outside_group=retransfer_outside_group,
        )
    result = svc.notify_check(
        db_engine(db),
        actor=_actor(actor),
        case_id=case_id,
        query=query,
        as_of=_date(as_of, "--as-of"),
        rules=rules,
        retransfer_outside_group=retransfer_outside_group,
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


@cases_app.command("notify-compare")
def notify_compare_cmd(
    proposed: str = typer.Option("hr3613-2025", "--proposed", help="Proposed rule-set version."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluation date (default today)."),
    open_only: bool = typer.Option(True, "--open/--all", help="Only cases not yet offered."),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """How many cases would no longer need notification under a proposed rule set?"""
    from burdenshare.errors import UserError
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    try:
        out = svc.notify_compare(
            db_engine(db),
            actor=_actor(None),
            proposed=proposed,
            as_of=_date(as_of, "--as-of"),
            open_only=open_only,
        )
    except UserError as exc:
        if getattr(exc, "where", None) in ("--rules", "rules") or (
            getattr(exc, "field", None) == "rules"
        ):
            raise UserError(getattr(exc, "message", str(exc)), where="--proposed") from None
        raise
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
    from burdenshare.services import cases as svc

    count, by_status = svc.generate_synthetic(
        db_engine(db), n=n, seed=seed, start=start, end=end, actor=_actor(actor)
    )
    typer.echo(
        f"generated {count} synthetic case(s) (seed {seed}): "
        + ", ".join(f"{k} {v}" for k, v in by_status.items())
    )


# ---- transfers -----------------------------------------------------------------------------


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
    from burdenshare.services import cases as svc

    return svc.transfer_request(
        case=case,
        from_=from_,
        to=to,
        items=items,
        mde_value=mde_value,
        total_value=total_value,
        date=date,
        parent=parent,
        emergency=emergency,
        retransfer_outside_group=retransfer_outside_group,
        exemption=exemption,
    )


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
    emergency: bool = typer.Option(
        False, "--emergency", help="Presidential emergency waiver of the review period."
    ),
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Record a retransfer request with its checks (denial, s.3(d) notification, EEUM)."""
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    req = _transfer(case, from_, to, items, mde_value, total_value, date, parent, emergency)
    tid, decision = svc.transfer_record(db_engine(db), req, actor=_actor(actor))
    _print_decision(tid, decision, fmt)


@transfers_app.command("check")
def transfer_check_cmd(
    case: str = typer.Option(..., "--case", help="Delivered case the items come from."),
    from_: str = typer.Option(..., "--from", help="Current holder (ISO3 or name)."),
    to: str = typer.Option(..., "--to", help="Proposed recipient (ISO3 or name)."),
    items: str = typer.Option(
        ..., "--items", help="LINE:QTY[,LINE:QTY...]: case lines and quantities transferred."
    ),
    mde_value: str = typer.Option(
        "0", "--mde-value", help="MDE at original acquisition cost, US$ (2753(d)(1))."
    ),
    total_value: str = typer.Option(
        ..., "--total-value", help="Articles at original acquisition cost, US$ (2753(d)(1))."
    ),
    date: str | None = typer.Option(
        None, "--date", help="Request date, YYYY-MM-DD (default today)."
    ),
    parent: str | None = typer.Option(
        None, "--parent", help="The transfer by which the holder got the items, if any."
    ),
    emergency: bool = typer.Option(
        False, "--emergency", help="Presidential emergency waiver of the review period."
    ),
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
    from burdenshare.services import cases as svc

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
    decision = svc.transfer_check(db_engine(db), req, actor=_actor(actor))
    _print_decision(None, decision, fmt)


@transfers_app.command("show")
def transfer_show_cmd(
    transfer_id: str = typer.Argument(..., metavar="TRANSFER_ID"),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show a transfer, its items and the lineage chain back to the original sale."""
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    t = svc.get_transfer(db_engine(db), transfer_id)
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
    fmt: str = format_option("table", "json", "csv"),
) -> None:
    """EEUM inventories due in a quarter per partner (90 days after arrival, then yearly)."""
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json", "csv"))
    table = svc.eeum_workload(db_engine(db), quarter)
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
    from burdenshare.services import cases as svc

    fmt = _check_format(fmt, ("table", "json"))
    d = svc.eeum_designations()
    if fmt == "json":
        echo_json(d)
        return
    typer.echo(f"EEUM designations {d['version']}:")
    for i in d["items"]:
        typer.echo(
            f"  {i['name']} (USML {i['usml_category'] or '?'}; {i['category']}; {i['basis']})"
        )


# ---- metrics -------------------------------------------------------------------------------


@metrics_app.command("quarterly")
def metrics_quarterly_cmd(
    quarter: str = typer.Option(..., "--quarter", help="e.g. 2026Q3"),
    k: int = typer.Option(5, "--k", min=1, help="Suppress cells from fewer than k cases."),
    fmt: str = format_option("csv", "json", "xlsx", default="csv"),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="File to write (default: stdout for csv and json; metrics-QUARTER.xlsx for xlsx).",
    ),
    synthetic: bool = typer.Option(
        True, "--synthetic/--no-synthetic", help="Include synthetic cases."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Quarterly case-execution metrics with disclosure control, as CSV, JSON or XLSX."""
    from burdenshare.cli.common import (
        atomic_path,
        check_output_path,
        parse_quarter,
        write_text_atomic,
    )
    from burdenshare.services import metrics

    fmt = _check_format(fmt, ("csv", "json", "xlsx"))
    start, _ = parse_quarter(quarter)
    if fmt == "xlsx" and output is None:
        output = Path(f"metrics-{start.year}Q{(start.month - 1) // 3 + 1}.xlsx")
    if output is not None:
        suffixes = (".xlsx",) if fmt == "xlsx" else None
        output = check_output_path(output, "--output", suffixes=suffixes)
    q = metrics.quarterly(db_engine(db), quarter, k=k, synthetic=synthetic)
    if q.warning:
        typer.echo(f"warning: {q.warning}", err=True)
    if fmt == "xlsx":
        with atomic_path(output) as tmp:
            q.write_xlsx(tmp)
        typer.echo(f"wrote {output}", err=True)
        return
    if fmt == "json":
        obj = q.to_json()
        if output:
            import json

            write_text_atomic(output, json.dumps(obj, indent=2))
            typer.echo(f"wrote {output}", err=True)
        else:
            echo_json(obj)
        return
    text = q.to_csv()
    if output:
        write_text_atomic(output, text)
        typer.echo(f"wrote {output}", err=True)
    else:
        typer.echo(text, nl=False)


# ---- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify_cmd(db: str | None = DB_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Verify the audit log's hash chain; name every edited, deleted or reordered record."""
    from burdenshare.services import audit

    fmt = _check_format(fmt, ("table", "json"))
    result = audit.verify(db_engine(db))
    if fmt == "json":
        echo_json({k: result[k] for k in ("ok", "records", "problems")})
    else:
        typer.echo(result["summary"])
        for p in result["problems"]:
            typer.echo(f"  - {p['message']}")
    if not result["ok"]:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log_cmd(
    subject: str | None = typer.Option(None, "--subject", help="Only records about this."),
    limit: int = typer.Option(50, "--limit", min=1, help="Show the newest N records."),
    db: str | None = DB_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Show the newest audit records."""
    from burdenshare.services import audit

    fmt = _check_format(fmt, ("table", "json"))
    records = audit.tail(db_engine(db), subject=subject, limit=limit)
    if fmt == "json":
        echo_json(records)
        return
    for r in records:
        typer.echo(
            f"{r['seq']:>6} {r['recorded_at'][:19]} {r['actor']:<12} {r['kind']:<18} "
            f"{r['subject']}  {r['hash'][:12]}"
        )
