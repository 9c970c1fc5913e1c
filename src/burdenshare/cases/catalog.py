"""The prioritized sales catalog: platforms and systems, their production lines and capacity.

EO 14383 (6 Feb 2026, FR Doc 2026-02814) directs a prioritized sales catalog of platforms and
systems, built with production capacity in mind and avoiding backlogs on end-items that affect
US or partner readiness. Each :class:`CatalogItem` carries what the queue and the schedule need:
USML category (22 CFR 121.1), production line, capacity, unit cost, lead time, the catalog's
own strategy-priority flag, whether US forces draw on the same line, and the line's backlog.

This module is the catalog's one home:

* validation (pydantic) with messages that name the file, the row or line, and the field;
* :func:`read_catalog_file` for CSV and YAML files;
* :func:`illustrative_catalog`, the package's clearly labelled illustrative catalog;
* the store's versions are read and written by :mod:`burdenshare.store.catalog`
  (``load_catalog`` / ``save_catalog``).

Items sharing a production line share its capacity: they must state the same quarterly
capacity, and the line's backlog is the sum of their backlogs.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from burdenshare.errors import CaseError, DataFormatError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The catalog's own strategy-priority flag, highest first.
PRIORITY_LEVELS: tuple[str, ...] = ("critical", "high", "standard")

#: USML categories are roman numerals I..XXI (22 CFR 121.1), optionally with one lettered
#: paragraph, e.g. "IV" or "I(a)" (the form case items store).
_USML_RE = re.compile(
    r"^(XXI|XX|XIX|XVIII|XVII|XVI|XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
    r"(\([a-z]{1,2}\))?$"
)

#: Columns of :meth:`Catalog.to_frame`, in display order.
ITEM_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "category",
    "usml_category",
    "production_line",
    "capacity_per_quarter",
    "capacity_per_year",
    "unit_cost_usd_m",
    "lead_time_months",
    "lead_time_quarters",
    "strategy_priority",
    "us_forces_draw",
    "backlog_units",
    "pre_cleared",
)


class CatalogItem(BaseModel):
    """One platform or system in the sales catalog (immutable, validated)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=100)
    usml_category: str = Field(min_length=1, max_length=30)
    production_line: str = Field(min_length=1, max_length=100)
    capacity_per_quarter: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    capacity_per_year: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    unit_cost_usd_m: float = Field(ge=0, allow_inf_nan=False)
    lead_time_months: int = Field(ge=0, le=240)
    strategy_priority: Literal["critical", "high", "standard"]
    us_forces_draw: bool
    backlog_units: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    #: pre-cleared for qualified partners: skips the steps the policy's fast lane names
    #: (``fast_lane.pre_cleared_skips``; burdenshare.cases.fastlane)
    pre_cleared: bool = False

    @field_validator("usml_category")
    @classmethod
    def _usml(cls, value: str) -> str:
        value = value.replace(" ", "")
        roman, paren, rest = value.partition("(")
        value = roman.upper() + paren + rest.lower()
        if not _USML_RE.match(value):
            raise ValueError(
                f"{value!r} is not a USML category (roman numeral I..XXI, 22 CFR 121.1, "
                "optionally with one paragraph such as IV(a))"
            )
        return value

    @field_validator("strategy_priority", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_capacity(self) -> CatalogItem:
        given = (self.capacity_per_quarter is not None) + (self.capacity_per_year is not None)
        if given != 1:
            raise ValueError("give exactly one of capacity_per_quarter and capacity_per_year")
        return self

    @property
    def quarterly_capacity(self) -> float:
        """Units the item's line produces per quarter (annual capacity / 4)."""
        if self.capacity_per_quarter is not None:
            return float(self.capacity_per_quarter)
        return float(self.capacity_per_year) / 4.0  # type: ignore[arg-type]

    @property
    def lead_time_quarters(self) -> int:
        """Lead time in whole quarters, rounded up (the schedule works in quarters)."""
        return math.ceil(self.lead_time_months / 3)


class CatalogMeta(BaseModel):
    """Header of a catalog file: what it is, which version, and whether it is illustrative."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    version: str = Field(default="", max_length=100)
    illustrative: bool = False
    notice: str = Field(default="", max_length=2000)


@dataclass(frozen=True)
class Catalog:
    """An immutable, validated sales catalog."""

    items: tuple[CatalogItem, ...]
    name: str
    version: str = ""
    illustrative: bool = False
    notice: str = ""
    source: str = ""
    _by_id: Mapping[str, CatalogItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[CatalogItem]:
        return iter(self.items)

    def item_ids(self) -> frozenset[str]:
        """The identifiers cases may name."""
        return frozenset(self._by_id)

    def get(self, item_id: str, default: CatalogItem | None = None) -> CatalogItem | None:
        """The item with this id, or ``default`` (dict semantics)."""
        return self._by_id.get(item_id, default)

    def require(self, item_id: str, *, where: str | None = None) -> CatalogItem:
        """The item with this id; :class:`CaseError` naming ``where`` when it is unknown."""
        item = self._by_id.get(item_id)
        if item is None:
            close = difflib.get_close_matches(str(item_id), sorted(self._by_id), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CaseError(
                f"unknown catalog item {item_id!r} in catalog {self.name!r}{hint}", where=where
            )
        return item

    def content_hash(self) -> str:
        """SHA-256 of the catalog's canonical content (header and items), for idempotent import."""
        payload = {
            "name": self.name,
            "version": self.version,
            "illustrative": self.illustrative,
            "notice": self.notice,
            "items": [item.model_dump(mode="json") for item in self.items],
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def to_frame(self) -> pd.DataFrame:
        """One row per item with normalised capacity (per quarter and per year) and lead time."""
        import pandas as pd

        rows = []
        for item in self.items:
            row = item.model_dump()
            row["capacity_per_quarter"] = item.quarterly_capacity
            row["capacity_per_year"] = item.quarterly_capacity * 4.0
            row["lead_time_quarters"] = item.lead_time_quarters
            rows.append(row)
        return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))

    def lines(self) -> pd.DataFrame:
        """Production lines: capacity per quarter, backlog (sum over items), their items."""
        import pandas as pd

        frame = self.to_frame()
        grouped = frame.groupby("production_line", sort=True)
        return pd.DataFrame(
            {
                "capacity_per_quarter": grouped["capacity_per_quarter"].first(),
                "backlog_units": grouped["backlog_units"].sum(),
                "items": grouped["id"].agg(lambda ids: ", ".join(sorted(ids))),
            }
        )

    def describe(self) -> str:
        """One line saying what this catalog is; illustrative catalogs say so loudly."""
        head = f"catalog {self.name!r}" + (f" version {self.version}" if self.version else "")
        head += f", {len(self.items)} items"
        if self.illustrative:
            head += (
                " -- ILLUSTRATIVE: capacities, costs, lead times, backlogs and flags are "
                "not official figures"
            )
        return head


# -- building and validating -----------------------------------------------------------------


def build_catalog(
    records: list[Mapping[str, Any]],
    meta: CatalogMeta,
    *,
    source: str,
    locate: Callable[[int, str | None], str],
) -> Catalog:
    """Validate item records into a :class:`Catalog`.

    ``locate(index, field)`` returns the human location of record ``index`` (and of one of its
    fields), e.g. ``"catalog.csv, row 3 (line 4), field 'capacity_per_year'"``; every error
    names it. Checks: each item's fields, unique ids, consistent capacity per shared line.
    """
    if not records:
        raise DataFormatError("the catalog has no items", where=source)
    items: list[CatalogItem] = []
    seen: dict[str, int] = {}
    line_capacity: dict[str, tuple[float, str]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise DataFormatError(
                "an item must be a mapping of field: value", where=locate(index, None)
            )
        try:
            item = CatalogItem.model_validate(dict(record))
        except ValidationError as exc:
            err = exc.errors()[0]
            fld = str(err["loc"][0]) if err["loc"] else None
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field (expected one of: {', '.join(CatalogItem.model_fields)})"
            elif err["type"] == "missing":
                msg = "required field is missing"
            raise DataFormatError(msg, where=locate(index, fld)) from None
        if item.id in seen:
            raise DataFormatError(
                f"duplicate item id {item.id!r} (first at {locate(seen[item.id], None)})",
                where=locate(index, "id"),
            )
        seen[item.id] = index
        cap = item.quarterly_capacity
        known = line_capacity.get(item.production_line)
        if known is not None and not math.isclose(known[0], cap, rel_tol=1e-9, abs_tol=1e-12):
            basis = (
                "capacity_per_quarter"
                if item.capacity_per_quarter is not None
                else ("capacity_per_year")
            )
            raise DataFormatError(
                f"production line {item.production_line!r} makes {known[0]:g} units per "
                f"quarter in item {known[1]!r} but {cap:g} here; items sharing a line must "
                "state the same capacity",
                where=locate(index, basis),
            )
        line_capacity.setdefault(item.production_line, (cap, item.id))
        items.append(item)
    return Catalog(
        items=tuple(items),
        name=meta.name,
        version=meta.version,
        illustrative=meta.illustrative,
        notice=meta.notice,
        source=source,
    )


def _meta_error(exc: ValidationError, source: str) -> DataFormatError:
    err = exc.errors()[0]
    fld = ".".join(str(p) for p in err["loc"])
    return DataFormatError(err["msg"], where=f"{source}, catalog header, field {fld!r}")


def parse_yaml(text: str, source: str) -> Catalog:
    """Parse a YAML catalog (``catalog:`` header and ``items:`` list); errors name the line."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        raise DataFormatError(
            f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise DataFormatError(
            "expected a mapping with an 'items:' list of catalog items", where=source
        )
    unknown = set(data) - {"catalog", "items"}
    if unknown:
        raise DataFormatError(
            f"unknown top-level key(s): {', '.join(sorted(unknown))}", where=source
        )
    header = data.get("catalog") or {}
    try:
        meta = CatalogMeta.model_validate(
            {"name": Path(source).stem, **header} if isinstance(header, dict) else header
        )
    except ValidationError as exc:
        raise _meta_error(exc, source) from None
    lines = _yaml_item_lines(root)

    def locate(index: int, fld: str | None) -> str:
        marks = lines[index] if index < len(lines) else {}
        line = marks.get(fld or "", marks.get("", 0))
        where = f"{source}, items[{index}]"
        item_id = data["items"][index].get("id") if isinstance(data["items"][index], dict) else None
        if item_id:
            where += f" (id {item_id!r})"
        if line:
            where += f", line {line}"
        return where + (f", field {fld!r}" if fld else "")

    return build_catalog(data["items"], meta, source=source, locate=locate)


def _yaml_item_lines(root: Any) -> list[dict[str, int]]:
    """For each item of the ``items`` sequence: {field: line of its value, "": item line}."""
    import yaml

    out: list[dict[str, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if getattr(key, "value", None) == "items" and isinstance(value, yaml.SequenceNode):
            for node in value.value:
                marks = {"": node.start_mark.line + 1}
                if isinstance(node, yaml.MappingNode):
                    for k, v in node.value:
                        marks[str(k.value)] = v.start_mark.line + 1
                out.append(marks)
    return out


def parse_csv(text: str, source: str) -> Catalog:
    """Parse a CSV catalog: one item per row, header = field names; empty cells are unset."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise DataFormatError("empty file (expected a header row of field names)", where=source)
    header = [h.strip() for h in reader.fieldnames]
    unknown = [h for h in header if h and h not in CatalogItem.model_fields]
    if unknown:
        raise DataFormatError(
            f"unknown column(s) {', '.join(map(repr, unknown))} (expected: "
            f"{', '.join(CatalogItem.model_fields)})",
            where=f"{source}, line 1",
        )
    records: list[dict[str, Any]] = []
    line_numbers: list[int] = []
    for row in reader:
        record = {
            k.strip(): v.strip()
            for k, v in row.items()
            if k is not None and v is not None and v.strip() != ""
        }
        if record:
            records.append(record)
            line_numbers.append(reader.line_num)

    def locate(index: int, fld: str | None) -> str:
        where = f"{source}, row {index + 1} (line {line_numbers[index]})"
        return where + (f", field {fld!r}" if fld else "")

    meta = CatalogMeta(name=Path(source).stem)
    return build_catalog(records, meta, source=source, locate=locate)


def read_catalog_file(path: str | Path) -> Catalog:
    """Read and validate a catalog file (``.csv``, ``.yaml`` or ``.yml``)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFormatError("file not found", where=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot read the file ({exc})", where=source) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return parse_csv(text, source)
    if suffix in {".yaml", ".yml"}:
        return parse_yaml(text, source)
    raise DataFormatError("unsupported catalog format (use .csv, .yaml or .yml)", where=source)


@functools.cache
def illustrative_catalog() -> Catalog:
    """The package's ILLUSTRATIVE catalog (real system names, invented numbers)."""
    text = (
        resources.files("burdenshare.data.catalog")
        .joinpath("illustrative.yaml")
        .read_text(encoding="utf-8")
    )
    return parse_yaml(text, "burdenshare/data/catalog/illustrative.yaml")
