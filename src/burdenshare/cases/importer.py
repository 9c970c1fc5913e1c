"""Read cases from a CSV or JSON file, validating every row before anything is written.

CSV: one row per case item; the case fields repeat on each row of the same case (or are
left blank after the first row). Columns::

    case_id, partner, sale_type, request_date, aod_group, emergency, manufacture_abroad,
    mde_value, total_value, dc_value, note, status, <stage>_at ...,
    retransfer_outside_group, approval_date,
    item_catalog_id, item_description, item_usml_category, item_quantity, item_value,
    item_eeum_case_unique (one item per row)

JSON: a list of case objects (or ``{"cases": [...]}``) with the same case fields and an
``items`` list of ``{catalog_item_id, description, usml_category, quantity, value,
eeum_case_unique}``.

Partners may be ISO3 codes or names (:func:`burdenshare.countries.resolve`), or NATO (also
written NSPA, its support and procurement agency: NATO buys through FMS, 22 U.S.C.
2776(b)(1)); catalog item ids must exist in the catalog. ``retransfer_outside_group`` (true
when the sale authorizes transfer or resale outside NATO+5, so the lower thresholds apply,
22 U.S.C. 2776(b)(6), (c)(5)) and ``approval_date`` (the LOA's approval by the military
department, MILAP, from which the offer expires, DSCA SAMM C5.4.19; on or before
``offered_at``) are optional. A DCS case (``sale_type`` DCS, a DSP-5 licence application,
not an LOA) may carry only ``withdrawn_at``/``denied_at`` besides its request date and no
``approval_date``: burdenshare keeps DCS to the notification check
(:mod:`burdenshare.cases.lifecycle`). Optional stage dates (``complete_at`` ...) import a case that
is already under way; the status defaults to the latest stage with a date.

:func:`read_cases` returns every valid case and every error (file, line or case number,
field, message) so the CLI can refuse the whole file or, with ``--rejects``, import the valid
cases and write the rejected rows out.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from burdenshare.cases.model import MAIN_LINE, Case, Stage, parse_stage
from burdenshare.errors import CaseError, DataFormatError

CASE_FIELDS = (
    "partner", "sale_type", "request_date", "aod_group", "emergency", "manufacture_abroad",
    "mde_value", "total_value", "dc_value", "note", "status",
    "retransfer_outside_group", "approval_date",
)  # fmt: skip
STAGE_FIELDS = tuple(f"{s.value}_at" for s in Stage)
ITEM_FIELDS = (
    "catalog_item_id",
    "description",
    "usml_category",
    "quantity",
    "value",
    "eeum_case_unique",
)
#: CSV item column -> item field
CSV_ITEM_COLUMNS = {
    "item_catalog_id": "catalog_item_id",
    "item_description": "description",
    "item_usml_category": "usml_category",
    "item_quantity": "quantity",
    "item_value": "value",
    "item_eeum_case_unique": "eeum_case_unique",
}
NUMERIC = ("mde_value", "total_value", "dc_value")
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f", ""}


@dataclass(frozen=True)
class RowError:
    """One problem: where (line or case number) and what."""

    where: str
    field: str
    message: str
    key: str  # the case id or row label the problem belongs to

    def __str__(self) -> str:
        return f"{self.where}, field {self.field}: {self.message}"


@dataclass
class ReadResult:
    cases: list[Case] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: raw records per case key, to write rejected rows out
    raw: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    kind: str = "csv"
    header: list[str] = field(default_factory=list)

    @property
    def rejected_keys(self) -> list[str]:
        return list(dict.fromkeys(e.key for e in self.errors))

    def message(self, path: str) -> str:
        lines = [
            f"{path}: {len(self.errors)} problem(s) in {len(self.rejected_keys)} case(s); "
            "nothing imported"
        ]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)


class _Bad(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        self.message = message


def _bool(v: Any, name: str) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise _Bad(name, f"expected true/false, got {v!r}")


def _number(v: Any, name: str, *, default: float | None = None) -> float:
    if v is None or (isinstance(v, str) and not v.strip()):
        if default is not None:
            return default
        raise _Bad(name, "a number is required")
    if isinstance(v, bool):
        raise _Bad(name, f"expected a number, got {v!r}")
    try:
        x = float(str(v).replace(",", "").replace("_", "")) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        raise _Bad(name, f"expected a number, got {v!r}") from None
    if not math.isfinite(x):
        raise _Bad(name, f"expected a finite number, got {v!r}")
    if x < 0:
        raise _Bad(name, f"must not be negative, got {v!r}")
    return x


def _int(v: Any, name: str, *, default: int) -> int:
    if v is None or (isinstance(v, str) and not v.strip()):
        return default
    x = _number(v, name)
    if x != int(x) or x < 1:
        raise _Bad(name, f"expected a whole number of at least 1, got {v!r}")
    return int(x)


def _date(v: Any, name: str):
    from burdenshare.cases.model import parse_date

    if v is None or (isinstance(v, str) and not v.strip()):
        raise _Bad(name, "a date (YYYY-MM-DD) is required")
    try:
        return parse_date(v, field=name)
    except CaseError:
        raise _Bad(name, f"expected a date as YYYY-MM-DD, got {v!r}") from None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _partner(v: Any) -> str:
    from burdenshare.countries import resolve

    if _blank(v):
        raise _Bad("partner", "a partner (ISO3 code or country name) is required")
    from burdenshare.cases.notification import organisation_code

    iso3 = organisation_code(str(v)) or resolve(str(v))
    if iso3 is None:
        raise _Bad("partner", f"unknown partner {v!r} (a country, or NATO/NSPA)")
    return iso3


def build_case(
    case_id: str,
    fields: dict[str, Any],
    items: list[dict[str, Any]],
    item_labels: list[str],
    *,
    catalog_ids: frozenset[str] | None,
) -> Case:
    """One validated case from raw fields; raises _Bad naming the field."""
    if _blank(case_id):
        raise _Bad("case_id", "a case id is required")
    partner = _partner(fields.get("partner"))
    sale_type = str(fields.get("sale_type") or "FMS").strip().upper()
    if sale_type not in ("FMS", "DCS"):
        raise _Bad("sale_type", f"expected FMS or DCS, got {fields.get('sale_type')!r}")
    request_date = _date(fields.get("request_date"), "request_date")
    aod = str(fields.get("aod_group") or "B").strip().upper()
    if aod not in ("A", "B", "C"):
        raise _Bad("aod_group", f"expected A, B or C, got {fields.get('aod_group')!r}")
    values = {
        k: _number(fields.get(k), k, default=0.0 if k == "dc_value" else None) for k in NUMERIC
    }
    if values["mde_value"] > values["total_value"]:
        raise _Bad(
            "mde_value",
            f"{values['mde_value']:,.0f} cannot exceed total_value {values['total_value']:,.0f} "
            "(major defense equipment is part of the total)",
        )
    times = {}
    for stage in Stage:
        raw = fields.get(f"{stage.value}_at")
        if not _blank(raw):
            times[stage] = _date(raw, f"{stage.value}_at")
    times.setdefault(Stage.received, request_date)
    last = None
    for stage in MAIN_LINE:
        if stage in times:
            if last is not None and times[stage] < last[1]:
                raise _Bad(
                    f"{stage.value}_at", f"{times[stage]} is before {last[0].value}_at {last[1]}"
                )
            last = (stage, times[stage])
    approval = None
    if not _blank(fields.get("approval_date")):
        approval = _date(fields.get("approval_date"), "approval_date")
    _check_sale_stages(sale_type, times, approval, request_date)
    if _blank(fields.get("status")):
        status = max(times, key=lambda s: (times[s], list(Stage).index(s)))
    else:
        try:
            status = parse_stage(str(fields["status"]))
        except CaseError:
            raise _Bad("status", f"unknown stage {fields['status']!r}") from None
    parsed_items = []
    for n, (raw, label) in enumerate(zip(items, item_labels, strict=True), start=1):
        cid = raw.get("catalog_item_id")
        cid = None if _blank(cid) else str(cid).strip()
        if cid and catalog_ids is not None and cid not in catalog_ids:
            raise _Bad(f"{label}catalog_item_id", f"unknown catalog item {cid!r}")
        desc = "" if _blank(raw.get("description")) else str(raw["description"]).strip()
        if not cid and not desc:
            raise _Bad(f"{label}description", "an item needs a catalog item id or a description")
        parsed_items.append(
            {
                "line": n,
                "catalog_item_id": cid,
                "description": desc,
                "usml_category": None
                if _blank(raw.get("usml_category"))
                else str(raw["usml_category"]),
                "quantity": _int(raw.get("quantity"), f"{label}quantity", default=1),
                "value": _number(raw.get("value"), f"{label}value", default=0.0),
                "eeum_case_unique": _bool(raw.get("eeum_case_unique"), f"{label}eeum_case_unique"),
            }
        )
    try:
        return Case.model_validate(
            {
                "id": str(case_id).strip(),
                "partner": partner,
                "sale_type": sale_type,
                "request_date": request_date,
                "aod_group": aod,
                "emergency": _bool(fields.get("emergency"), "emergency"),
                "manufacture_abroad": _bool(fields.get("manufacture_abroad"), "manufacture_abroad"),
                "retransfer_outside_group": _bool(
                    fields.get("retransfer_outside_group"), "retransfer_outside_group"
                ),
                "approval_date": approval,
                **values,
                "note": "" if _blank(fields.get("note")) else str(fields["note"]),
                "status": status,
                "stage_times": times,
                "items": parsed_items,
            }
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        if loc and loc[0] == "items" and len(loc) >= 3:
            name = f"{item_labels[int(loc[1])]}{loc[2]}"
        else:
            name = ".".join(str(p) for p in loc) or "case"
        raise _Bad(name, err["msg"].removeprefix("Value error, ")) from None


def _check_sale_stages(
    sale_type: str, times: dict[Stage, Any], approval: Any, request_date: Any
) -> None:
    """Refuse stage dates the sale type cannot have and a misplaced MILAP date (_Bad).

    A DCS case is a DSP-5 licence application, not an LOA: it has no LOA stages and no MILAP
    (:data:`burdenshare.cases.lifecycle.DCS_TARGETS`). An FMS case's LOA is approved (MILAP)
    after the request and on or before its offer (DSCA SAMM C5.4.19)."""
    from burdenshare.cases.lifecycle import DCS_TARGETS

    if sale_type == "DCS":
        for stage in Stage:
            if stage in times and stage != Stage.received and stage not in DCS_TARGETS:
                raise _Bad(
                    f"{stage.value}_at",
                    "a DCS case (a DSP-5 licence application, not an LOA) has no "
                    f"{stage.value} stage; it is recorded as received, withdrawn or denied",
                )
        if approval is not None:
            raise _Bad(
                "approval_date",
                "a DCS case has no LOA, so no LOA approval (MILAP) date",
            )
        return
    if approval is None:
        return
    if approval < request_date:
        raise _Bad("approval_date", f"{approval} is before request_date {request_date}")
    offered = times.get(Stage.offered)
    if offered is not None and approval > offered:
        raise _Bad(
            "approval_date",
            f"{approval} is after offered_at {offered}: the LOA is approved (MILAP) "
            "before it is offered",
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFormatError("file not found", where=str(path)) from None
    except UnicodeDecodeError:
        raise DataFormatError("not UTF-8 text (expected CSV or JSON)", where=str(path)) from None
    except OSError as exc:
        raise DataFormatError(f"cannot read: {exc.strerror}", where=str(path)) from None


def read_cases(path: str | Path, *, catalog_ids: frozenset[str] | None = None) -> ReadResult:
    """Parse and validate a CSV or JSON case file (nothing is written)."""
    p = Path(path)
    suffix = p.suffix.lower()
    text = _read_text(p)
    if suffix == ".json":
        return _read_json(text, p.name, catalog_ids)
    if suffix in (".csv", ".txt"):
        return _read_csv(text, p.name, catalog_ids)
    raise DataFormatError("unsupported file type (use .csv or .json)", where=str(p))


def _read_csv(text: str, name: str, catalog_ids: frozenset[str] | None) -> ReadResult:
    result = ReadResult(kind="csv")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise DataFormatError(f"not valid CSV: {exc}", where=name) from None
    if not header:
        raise DataFormatError("empty file (expected a CSV header)", where=name)
    reader.fieldnames = header
    result.header = header
    id_col = "case_id" if "case_id" in header else "id" if "id" in header else None
    if id_col is None:
        raise DataFormatError("line 1: missing column case_id", where=name)
    required = ("partner", "request_date", "mde_value", "total_value")
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFormatError(f"line 1: missing column(s) {', '.join(missing)}", where=name)
    known = {id_col, *CASE_FIELDS, *STAGE_FIELDS, *CSV_ITEM_COLUMNS}
    unknown = [h for h in header if h not in known]
    if unknown:
        raise DataFormatError(f"line 1: unknown column(s) {', '.join(unknown)}", where=name)
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    try:
        for row in reader:
            lineno = reader.line_num
            if None in row:
                result.errors.append(
                    RowError(
                        f"{name} line {lineno}",
                        "(row)",
                        "more values than columns",
                        f"line{lineno}",
                    )
                )
                result.raw[f"line{lineno}"] = [{k: v for k, v in row.items() if k}]
                continue
            if all(_blank(v) for v in row.values()):
                continue
            key = (row.get(id_col) or "").strip() or f"line{lineno}"
            groups.setdefault(key, []).append((lineno, row))
    except csv.Error as exc:
        raise DataFormatError(f"line {reader.line_num}: not valid CSV: {exc}", where=name) from None
    for key, rows in groups.items():
        result.raw[key] = [r for _, r in rows]
        try:
            result.cases.append(_csv_case(key, rows, id_col, catalog_ids))
        except _LineBad as bad:
            result.errors.append(RowError(f"{name} line {bad.line}", bad.field, bad.message, key))
    return result


def _csv_case(
    key: str,
    rows: list[tuple[int, dict[str, Any]]],
    id_col: str,
    catalog_ids: frozenset[str] | None,
) -> Case:
    """Build one case from its CSV rows; raise _LineBad naming the line and field."""
    first_line = rows[0][0]
    fields: dict[str, Any] = {}
    for lineno, row in rows:
        for f in (*CASE_FIELDS, *STAGE_FIELDS):
            v = row.get(f)
            if _blank(v):
                continue
            if f in fields and str(fields[f]).strip() != str(v).strip():
                raise _LineBad(
                    lineno,
                    f,
                    f"differs from line {first_line} of the same case ({fields[f]!r} vs {v!r})",
                )
            fields[f] = v
    with_items = [
        (lineno, {f: row.get(col) for col, f in CSV_ITEM_COLUMNS.items()})
        for lineno, row in rows
        if not all(_blank(row.get(col)) for col in CSV_ITEM_COLUMNS)
    ]
    items = [raw for _, raw in with_items]
    labels = ["item_"] * len(items)
    case_id = "" if _blank(rows[0][1].get(id_col)) else key
    try:
        return build_case(case_id, fields, items, labels, catalog_ids=catalog_ids)
    except _Bad as bad:
        line = first_line
        if bad.field.startswith("item_"):
            f = bad.field.removeprefix("item_")
            col = next((c for c, fld in CSV_ITEM_COLUMNS.items() if fld == f), bad.field)
            bad = _Bad(col, bad.message)
            line = next(
                (ln for ln, raw in with_items if _item_fails(raw, f, catalog_ids)), first_line
            )
        else:
            line = next((ln for ln, r in rows if not _blank(r.get(bad.field))), first_line)
        raise _LineBad(line, bad.field, bad.message) from None


class _LineBad(Exception):
    def __init__(self, line: int, field_name: str, message: str) -> None:
        self.line, self.field, self.message = line, field_name, message


def _item_fails(raw: dict, f: str, catalog_ids: frozenset[str] | None) -> bool:
    """Whether this item row fails the check on field ``f`` (to name its CSV line)."""
    from burdenshare.cases.model import normalise_usml

    try:
        if f == "catalog_item_id":
            cid = raw.get("catalog_item_id")
            return (
                not _blank(cid) and catalog_ids is not None and str(cid).strip() not in catalog_ids
            )
        if f == "quantity":
            _int(raw.get("quantity"), f, default=1)
        elif f == "value":
            _number(raw.get("value"), f, default=0.0)
        elif f == "eeum_case_unique":
            _bool(raw.get("eeum_case_unique"), f)
        elif f == "usml_category":
            normalise_usml(raw.get("usml_category"))
        elif f == "description":
            return _blank(raw.get("catalog_item_id")) and _blank(raw.get("description"))
    except (_Bad, ValueError):
        return True
    return False


def _read_json(text: str, name: str, catalog_ids: frozenset[str] | None) -> ReadResult:
    result = ReadResult(kind="json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}", where=name
        ) from None
    if isinstance(data, dict) and "cases" in data:
        data = data["cases"]
    if not isinstance(data, list):
        raise DataFormatError("expected a list of cases (or an object with 'cases')", where=name)
    seen: set[str] = set()
    for n, obj in enumerate(data, start=1):
        where = f"{name} case {n}"
        if not isinstance(obj, dict):
            key = f"case{n}"
            result.raw[key] = [obj]
            result.errors.append(RowError(where, "(case)", "expected an object", key))
            continue
        cid = obj.get("case_id", obj.get("id"))
        key = str(cid).strip() if not _blank(cid) else f"case{n}"
        if key in seen:
            key = f"{key}#{n}"
            result.raw[key] = [obj]
            result.errors.append(
                RowError(where + f" (id {cid})", "case_id", "duplicate case id in the file", key)
            )
            continue
        seen.add(key)
        result.raw[key] = [obj]
        if not _blank(cid):
            where += f" (id {cid})"
        unknown = [
            k for k in obj if k not in {"case_id", "id", "items", *CASE_FIELDS, *STAGE_FIELDS}
        ]
        if unknown:
            result.errors.append(RowError(where, unknown[0], "unknown field", key))
            continue
        raw_items = obj.get("items", [])
        if not isinstance(raw_items, list) or not all(isinstance(i, dict) for i in raw_items):
            result.errors.append(RowError(where, "items", "expected a list of objects", key))
            continue
        bad_keys = [
            (j, k) for j, i in enumerate(raw_items, start=1) for k in i if k not in ITEM_FIELDS
        ]
        if bad_keys:
            j, k = bad_keys[0]
            result.errors.append(RowError(where, f"items[{j}].{k}", "unknown field", key))
            continue
        labels = [f"items[{j}]." for j in range(1, len(raw_items) + 1)]
        try:
            result.cases.append(
                build_case(
                    "" if _blank(cid) else str(cid), obj, raw_items, labels, catalog_ids=catalog_ids
                )
            )
        except _Bad as bad:
            result.errors.append(RowError(where, bad.field, bad.message, key))
    return result


def write_rejects(result: ReadResult, path: str | Path, keys: Iterable[str]) -> int:
    """Write the raw rows of the rejected cases (with an ``error`` column/field)."""
    keys = list(keys)
    by_key: dict[str, list[str]] = {}
    for e in result.errors:
        by_key.setdefault(e.key, []).append(str(e))
    p = Path(path)
    if result.kind == "json":
        out = []
        for k in keys:
            for obj in result.raw.get(k, []):
                rec = dict(obj) if isinstance(obj, dict) else {"value": obj}
                rec["error"] = "; ".join(by_key.get(k, ["already in the database"]))
                out.append(rec)
        p.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
        return len(out)
    header = [*result.header, "error"] if "error" not in result.header else result.header
    count = 0
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for k in keys:
            for row in result.raw.get(k, []):
                w.writerow({**row, "error": "; ".join(by_key.get(k, ["already in the database"]))})
                count += 1
    return count


def read_cases_text(
    text: str, name: str, kind: str, *, catalog_ids: frozenset[str] | None = None
) -> ReadResult:
    """Parse and validate case data given as text (``kind`` csv or json), e.g. an upload."""
    if kind == "json":
        return _read_json(text, name, catalog_ids)
    if kind == "csv":
        return _read_csv(text, name, catalog_ids)
    raise DataFormatError(f"unsupported case data {kind!r} (use csv or json)", where=name)
