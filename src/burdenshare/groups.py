"""Dated country group memberships: NATO, US treaty allies, MNNA, NATO+5, ITAR 126.1.

The memberships are package data (``data/groups/*.yaml``), one file per group, each entry
with its start and end date and the source it comes from (statute, Federal Register notice,
treaty); nothing here hard-codes a member. A membership is active on ``day`` when
``start <= day`` and (``end`` is None or ``day < end``): ``end`` is the first day the
country is no longer a member.

A group file may
  * list ``members`` directly,
  * add all members of other groups with their dates (``include_groups``; NATO+5 includes NATO),
  * define members through ``treaties`` whose ``parties`` (or ``parties_from_group``) are the
    members, minus ``exclude`` (the United States is a party to its own alliances),
  * define filtered ``subgroups`` (``itar_126_1_full``: entries with ``scope: full``; a
    value may be a list: ``itar_126_1_review``: scope partial or suspended).

ITAR 126.1 listings carry their scope (22 CFR 126.1): ``full`` (policy of denial for the
country), ``partial`` (denial for named end users only, with the ``exception`` stated, e.g.
arms for the Iraqi government reviewed case by case) or ``suspended`` (the denial is
suspended until ``suspended_until``, e.g. Cyprus year by year). :func:`itar_listing` gives
the listing in force on a date; gates deny full listings only.

Public API: :func:`group_names`, :func:`is_member`, :func:`members`, :func:`memberships`,
:func:`membership_matrix` (vectorised, for the scoring panel) and :func:`membership_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from burdenshare.errors import DataFormatError, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Group",
    "Membership",
    "group_info",
    "group_names",
    "is_member",
    "itar_listing",
    "members",
    "membership_matrix",
    "membership_table",
    "memberships",
]


@dataclass(frozen=True)
class Membership:
    """One country's membership of one group over one period."""

    group: str
    iso3: str
    start: dt.date
    end: dt.date | None
    note: str
    source: str
    verify: bool = False
    scope: str | None = None
    exception: str = ""
    suspended_until: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        """True if the membership is in force on ``day`` (end is exclusive)."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Group:
    """A group's metadata and all its memberships (past and present)."""

    name: str
    title: str
    version: str
    as_of: dt.date
    source: str
    memberships: tuple[Membership, ...]


# --- file schema -------------------------------------------------------------------------


def _to_date(value: Any, precision: str | None = None) -> dt.date | None:
    """A YAML date, a bare year (counted from 1 January) when ``precision`` is "year", or a
    month "YYYY-MM" (counted from its first day) when ``precision`` is "month"."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, int) and precision == "year":
        return dt.date(value, 1, 1)
    if isinstance(value, str) and precision == "month":
        try:
            year, month = (int(x) for x in value.split("-"))
            return dt.date(year, month, 1)
        except ValueError:
            pass
    raise ValueError(
        "expected a date YYYY-MM-DD (or a year with precision: year, or YYYY-MM with "
        f"precision: month), got {value!r}"
    )


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iso3: str
    start: dt.date | int | str | None = None
    end: dt.date | None = None
    precision: Literal["day", "month", "year"] = "day"
    note: str = ""
    source: str | None = None
    verify: bool = False
    scope: Literal["full", "partial", "suspended"] | None = None
    exception: str = ""
    suspended_until: dt.date | None = None
    counts: bool = True

    @model_validator(mode="after")
    def _scope(self) -> _Entry:
        if self.scope == "partial" and not self.exception:
            raise ValueError(f"{self.iso3}: a partial listing states its exception")
        if self.scope == "suspended":
            if self.suspended_until is None:
                raise ValueError(f"{self.iso3}: a suspended listing needs suspended_until")
            if self.end is not None:
                raise ValueError(f"{self.iso3}: a suspended listing ends at suspended_until")
        elif self.suspended_until is not None:
            raise ValueError(f"{self.iso3}: suspended_until goes with scope: suspended")
        return self

    @field_validator("iso3")
    @classmethod
    def _known(cls, v: str) -> str:
        from burdenshare.countries import is_known_code

        if not is_known_code(v):
            raise ValueError(f"unknown ISO3 code {v!r}")
        return v

    def start_date(self) -> dt.date | None:
        return _to_date(self.start, self.precision)


class _Treaty(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    signed: dt.date
    in_force: dt.date
    source: str
    parties: list[_Entry] = []
    parties_from_group: str | None = None


class _GroupFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: str
    title: str
    version: str
    as_of: dt.date
    source: str
    members: list[_Entry] = []
    include_groups: list[str] = []
    treaties: list[_Treaty] = []
    exclude: list[str] = []
    subgroups: dict[str, dict[str, str | list[str]]] = {}


# --- loading -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _files() -> dict[str, tuple[str, _GroupFile]]:
    """Group name -> (file name, validated spec) for every data/groups/*.yaml."""
    root = resources.files("burdenshare.data.groups")
    out: dict[str, tuple[str, _GroupFile]] = {}
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        where = f"burdenshare/data/groups/{item.name}"
        try:
            spec = _GroupFile.model_validate(yaml.safe_load(item.read_text("utf-8")))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise DataFormatError(f"field {field}: {err['msg']}", where=where) from None
        out[spec.group] = (item.name, spec)
    return out


def _membership(
    group: str,
    e: _Entry,
    default_source: str,
    *,
    start: dt.date | None = None,
    note_prefix: str = "",
) -> Membership:
    """A :class:`Membership` from a file entry (treaty parties default to the treaty's
    entry-into-force date and carry the treaty's name in the note)."""
    begin = e.start_date() or start
    if begin is None:
        raise DataFormatError(f"entry {e.iso3} has no start date", where=f"group {group}")
    note = "; ".join(x for x in (note_prefix, e.note) if x)
    # a suspension ends the day after suspended_until (end is exclusive)
    end = e.suspended_until + dt.timedelta(days=1) if e.suspended_until else e.end
    return Membership(
        group,
        e.iso3,
        begin,
        end,
        note,
        e.source or default_source,
        e.verify,
        e.scope,
        e.exception,
        e.suspended_until,
    )


@lru_cache(maxsize=1)
def _groups() -> dict[str, Group]:
    """Every group (including subgroups), with includes and treaties expanded."""
    files = _files()
    built: dict[str, Group] = {}

    def build(name: str, stack: tuple[str, ...] = ()) -> Group:
        if name in built:
            return built[name]
        if name in stack:
            raise DataFormatError(f"group includes itself via {' -> '.join(stack)}")
        if name not in files:
            raise DataFormatError(f"group {stack[-1]!r} refers to unknown group {name!r}")
        _, spec = files[name]
        rows: list[Membership] = [_membership(name, e, spec.source) for e in spec.members]
        for inc in spec.include_groups:
            for m in build(inc, (*stack, name)).memberships:
                rows.append(
                    replace(m, group=name, note=f"via {inc}" + (f": {m.note}" if m.note else ""))
                )
        for t in spec.treaties:
            prefix = t.name
            for e in t.parties:
                if e.counts:
                    rows.append(
                        _membership(name, e, t.source, start=t.in_force, note_prefix=prefix)
                    )
            if t.parties_from_group:
                for m in build(t.parties_from_group, (*stack, name)).memberships:
                    begin = max(m.start, t.in_force)
                    rows.append(replace(m, group=name, start=begin, note=prefix))
        rows = [m for m in rows if m.iso3 not in spec.exclude]
        rows.sort(key=lambda m: (m.iso3, m.start, m.end or dt.date.max))
        group = Group(name, spec.title, spec.version, spec.as_of, spec.source, tuple(rows))
        built[name] = group
        for sub, where in spec.subgroups.items():
            picked = [
                replace(_membership(name, e, spec.source), group=sub)
                for e in spec.members
                if all(
                    getattr(e, k) in v if isinstance(v, list) else getattr(e, k) == v
                    for k, v in where.items()
                )
            ]
            picked.sort(key=lambda m: (m.iso3, m.start, m.end or dt.date.max))
            title = (
                f"{spec.title} ("
                + ", ".join(
                    f"{k}: {' or '.join(v) if isinstance(v, list) else v}" for k, v in where.items()
                )
                + ")"
            )
            built[sub] = Group(sub, title, spec.version, spec.as_of, spec.source, tuple(picked))
        return group

    for name in files:
        build(name)
    return built


# --- public API --------------------------------------------------------------------------


def _day(as_of: dt.date | str) -> dt.date:
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise UserError(f"invalid date {as_of!r} (expected YYYY-MM-DD)", where="as_of") from None


def _group(name: str) -> Group:
    groups = _groups()
    if name not in groups:
        raise UserError(
            f"unknown group {name!r}; known groups: {', '.join(group_names())}", where="group"
        )
    return groups[name]


def group_names() -> list[str]:
    """Names of all groups, sorted."""
    return sorted(_groups())


def group_info(group: str) -> Group:
    """A group's title, version, as-of date, source and memberships."""
    return _group(group)


def is_member(iso3: str, group: str, as_of: dt.date | str) -> bool:
    """True if ``iso3`` belongs to ``group`` on ``as_of``."""
    day = _day(as_of)
    return any(m.iso3 == iso3 and m.active_on(day) for m in _group(group).memberships)


def members(group: str, as_of: dt.date | str) -> frozenset[str]:
    """ISO3 codes of the members of ``group`` on ``as_of``."""
    day = _day(as_of)
    return frozenset(m.iso3 for m in _group(group).memberships if m.active_on(day))


def itar_listing(iso3: str, as_of: dt.date | str) -> Membership | None:
    """The ITAR 22 CFR 126.1 listing of ``iso3`` in force on ``as_of`` (with its scope,
    exception or suspension), or None when the country is not listed."""
    day = _day(as_of)
    for m in _group("itar_126_1").memberships:
        if m.iso3 == iso3 and m.active_on(day):
            return m
    return None


def memberships(iso3: str) -> list[Membership]:
    """Every membership of ``iso3`` over time, sorted by group then start date."""
    out = [m for g in _groups().values() for m in g.memberships if m.iso3 == iso3]
    return sorted(out, key=lambda m: (m.group, m.start, m.end or dt.date.max))


def membership_matrix(
    iso3s: Iterable[str], groups: Sequence[str], as_of: dt.date | str
) -> pd.DataFrame:
    """Boolean frame (index: the given ISO3 codes in order, columns: ``groups``) telling
    whether each country belongs to each group on ``as_of``. One set lookup per group, so it
    stays fast for the whole panel."""
    import pandas as pd

    day = _day(as_of)
    index = pd.Index(list(iso3s), name="iso3")
    data = {g: index.isin(members(g, day)) for g in groups}
    return pd.DataFrame(data, index=index, columns=list(groups), dtype=bool)


def membership_table(groups: Sequence[str] | None = None) -> pd.DataFrame:
    """All memberships as a tidy frame: group, iso3, start, end, note, source, verify.

    For vectorised per-year membership in the panel: a country-year is a member when
    ``start <= date < end``.
    """
    import pandas as pd

    names = list(groups) if groups is not None else group_names()
    rows = [m for g in names for m in _group(g).memberships]
    cols = ["group", "iso3", "start", "end", "note", "source", "verify"]
    return pd.DataFrame([[getattr(m, c) for c in cols] for m in rows], columns=cols)
