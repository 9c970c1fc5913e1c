"""Country names and codes -> ISO 3166-1 alpha-3.

Matching is exact after normalisation (case, accents, punctuation, SIPRI/NATO footnote
markers, UTF-8 read as Latin-1): pycountry's ISO 3166-1 entries plus an explicit alias table
for the publishers' own spellings (``data/countries/aliases.yaml``, each spelling annotated
with the publisher that uses it). Fuzzy matching is used only to *suggest* ("did you mean
...") and never to match, so Kosovo is never silently merged into Serbia and the USSR never
into Russia. Former states keep their ISO 3166-3 codes (SUN, YUG, DDR, CSK, SCG, YMD, VDR);
North Yemen and South Vietnam, which ISO never coded apart, use their Correlates of War
abbreviations (YAR, RVN); Kosovo uses the user-assigned code XKX as the World Bank does.

Names that are known *not* to be countries (regional aggregates, international
organisations, armed non-state actors, unrecognised entities, sub-national places) are
listed in the same YAML file and resolve to ``None``; :func:`non_country_kind` tells a
parser which kind a name is, so it can skip it knowingly instead of reporting it unmatched.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from burdenshare.errors import UnknownCountryError

#: SIPRI/NATO footnote markers: *, daggers, section/pilcrow signs, "||", bracketed numbers.
_FOOTNOTE = re.compile(r"[\*\u2020\u2021\u00a7\u00b6\u2016]+|\(\s*\d+\s*\)")
#: A trailing parenthesis, e.g. NATO Table 1's currency: "Albania   (Leks)".
_TRAILING_PAREN = re.compile(r"^(?P<name>.*?)\s*\((?P<inner>[^()]*)\)\s*$")
#: Characters that betray UTF-8 bytes decoded as Latin-1/cp1252 ("CÃ´te dâ\x80\x99Ivoire").
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2]")


def _repair_mojibake(s: str) -> str:
    """Undo one round of UTF-8-read-as-Latin-1 (the UNGA CSV has such names).

    Only applied when the text contains a tell-tale lead character and the round trip
    decodes as strict UTF-8; ordinary accented names never satisfy both.
    """
    if not _MOJIBAKE_HINT.search(s):
        return s
    for codec in ("latin-1", "cp1252"):
        try:
            repaired = s.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != s:
            return repaired
    return s


def normalise_name(name: str) -> str:
    """Canonical matching key: mojibake repaired, accents stripped, casefolded, footnote
    markers and punctuation removed, ``&`` spelled ``and``, whitespace collapsed and trailing
    footnote numbers dropped ("Yemen 2" -> "yemen"). Idempotent."""
    s = _repair_mojibake(str(name))
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.category(ch).startswith("M"))
    s = _FOOTNOTE.sub(" ", s)
    s = s.casefold().replace("&", " and ")
    tokens = re.sub(r"[^a-z0-9]+", " ", s).split()
    while len(tokens) > 1 and tokens[-1].isdigit() and not all(t.isdigit() for t in tokens):
        tokens.pop()
    return " ".join(tokens)


def _load_yaml(name: str) -> dict:
    text = resources.files("burdenshare.data.countries").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text) or {}


@dataclass(frozen=True)
class _Index:
    lookup: dict[str, str]  # normalised name -> iso3
    display: dict[str, str]  # iso3 -> display name
    not_countries: dict[str, str]  # normalised name -> kind
    part_of: dict[str, str | None]  # normalised territory name -> containing state
    currencies: frozenset[str]  # normalised NATO currency qualifiers
    extra: dict[str, dict]  # extra_codes specs by iso3


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Lookup tables built once per process from pycountry and aliases.yaml."""
    import pycountry

    lookup: dict[str, str] = {}
    display: dict[str, str] = {}
    for c in pycountry.countries:
        display[c.alpha_3] = getattr(c, "common_name", None) or c.name
        for attr in ("alpha_3", "alpha_2", "name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                lookup.setdefault(normalise_name(value), c.alpha_3)
    data = _load_yaml("aliases.yaml")
    extra = data.get("extra_codes") or {}
    for iso3, spec in extra.items():
        display[iso3] = spec["name"]
        for alias in [spec["name"], iso3, *(spec.get("aliases") or [])]:
            lookup[normalise_name(alias)] = iso3
    for iso3, names in (data.get("aliases") or {}).items():
        for alias in names:
            lookup[normalise_name(alias)] = iso3
    display.update(data.get("display_names") or {})

    not_countries: dict[str, str] = {}
    part_of: dict[str, str | None] = {}
    for kind, names in (data.get("not_countries") or {}).items():
        for name in names:
            key = normalise_name(name)
            not_countries[key] = kind
            if isinstance(names, dict):
                part_of[key] = names[name]
    currencies = frozenset(normalise_name(c) for c in data.get("currency_qualifiers") or [])
    return _Index(lookup, display, not_countries, part_of, currencies, extra)


def _strip_qualifier(name: str) -> str | None:
    """``name`` without a trailing NATO currency parenthesis, or None if it has none."""
    m = _TRAILING_PAREN.match(str(name))
    if m and normalise_name(m["inner"]) in _index().currencies:
        return m["name"]
    return None


def non_country_kind(name: str) -> str | None:
    """The kind of a known non-country name ("aggregates", "organisations", "non_state",
    "unrecognised", "unknown", "territories"), or None if the name is not listed as one."""
    return _index().not_countries.get(normalise_name(name))


def part_of(name: str) -> str | None:
    """ISO3 of the state a listed sub-national place belongs to (e.g. "Azores" -> PRT).

    Informational only: :func:`resolve` never maps such places to their state, because the
    publishers list them beside that state and an automatic roll-up would double count.
    """
    return _index().part_of.get(normalise_name(name))


def resolve(name: str) -> str | None:
    """ISO3 code for a publisher's country name or code, or ``None`` when unknown or when
    the name is a known non-country (aggregate, organisation, non-state actor)."""
    idx = _index()
    key = normalise_name(name)
    if key in idx.not_countries:
        return None
    iso3 = idx.lookup.get(key)
    if iso3 is None:
        bare = _strip_qualifier(name)
        if bare is not None:
            return resolve(bare)
    return iso3


def resolve_many(names: Iterable[str]) -> dict[str, str | None]:
    """Resolve many names at once; unknown names map to ``None`` (caller reports them)."""
    return {n: resolve(n) for n in dict.fromkeys(names)}


def suggestions(name: str, n: int = 3) -> list[str]:
    """Close known names for an unknown one, for "did you mean ..." messages."""
    idx = _index()
    keys = difflib.get_close_matches(normalise_name(name), list(idx.lookup), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for k in keys:
        iso3 = idx.lookup[k]
        label = f"{idx.display.get(iso3, iso3)} ({iso3})"
        if label not in out:
            out.append(label)
    return out[:n]


def to_iso3(name: str) -> str:
    """ISO3 for ``name`` or :class:`UnknownCountryError` with suggestions."""
    iso3 = resolve(name)
    if iso3 is None:
        kind = non_country_kind(name)
        if kind is not None:
            raise UnknownCountryError(f"{name!r} is not a country (listed as {kind})")
        hint = suggestions(name)
        tail = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise UnknownCountryError(f"unknown country {name!r}{tail}")
    return iso3


def country_name(iso3: str) -> str:
    """Display name for an ISO3 code (the code itself when unknown)."""
    return _index().display.get(iso3, iso3)


def is_known_code(iso3: str) -> bool:
    """True if ``iso3`` is an ISO 3166-1 alpha-3 code or one of the extra codes."""
    return iso3 in _index().display


def country_codes(iso3: str) -> dict[str, str | int | None]:
    """ISO codes for ``iso3``: ``{"iso3", "iso2", "numeric", "official_name", "note"}``.

    From pycountry for ISO 3166-1 countries and from ``extra_codes`` in aliases.yaml for
    former states and user-assigned codes (None where no code was ever assigned).
    """
    import pycountry

    c = pycountry.countries.get(alpha_3=iso3)
    if c is not None:
        return {
            "iso3": iso3,
            "iso2": c.alpha_2,
            "numeric": int(c.numeric),
            "official_name": getattr(c, "official_name", None) or c.name,
            "note": None,
        }
    spec = _index().extra.get(iso3)
    if spec is None:
        return {"iso3": iso3, "iso2": None, "numeric": None, "official_name": None, "note": None}
    return {
        "iso3": iso3,
        "iso2": spec.get("iso2"),
        "numeric": spec.get("numeric"),
        "official_name": spec["name"],
        "note": spec.get("note"),
    }


def known_names(iso3: str) -> list[str]:
    """Every normalised spelling that resolves to ``iso3`` (sorted), for display."""
    return sorted(k for k, v in _index().lookup.items() if v == iso3)
