"""Country names and codes -> ISO 3166-1 alpha-3.

Matching is exact after normalisation (case, accents, punctuation, SIPRI/NATO footnote
markers): pycountry's current and historic entries, plus an explicit alias table for the
publishers' own spellings (``data/countries/aliases.yaml``). Fuzzy matching is used only to
*suggest* ("did you mean ...") and never to match, so Kosovo is never silently merged into
Serbia and the USSR never into Russia. Historical entities keep their ISO 3166-3 codes
(SUN, YUG, DDR, CSK, SCG); Kosovo uses the user-assigned code XKX as the World Bank does.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import yaml

from burdenshare.errors import UnknownCountryError

_FOOTNOTE = re.compile(r"[\*\u2020\u2021]+|\(\s*\d+\s*\)|\s\d+$")


def normalise_name(name: str) -> str:
    """Canonical matching key: accents stripped, casefolded, footnote markers and
    punctuation removed, ``&`` spelled ``and``, whitespace collapsed."""
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _FOOTNOTE.sub(" ", s)
    s = s.casefold().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def _load_yaml(name: str) -> dict:
    text = resources.files("burdenshare.data.countries").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text) or {}


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, str]]:
    """(normalised name -> iso3, iso3 -> display name), built once per process."""
    import pycountry

    lookup: dict[str, str] = {}
    display: dict[str, str] = {}

    def add(key: str | None, iso3: str) -> None:
        if key:
            lookup.setdefault(normalise_name(key), iso3)

    for c in pycountry.countries:
        display[c.alpha_3] = getattr(c, "common_name", None) or c.name
        for attr in ("alpha_3", "alpha_2", "name", "official_name", "common_name"):
            add(getattr(c, attr, None), c.alpha_3)
    aliases = _load_yaml("aliases.yaml")
    for iso3, spec in aliases.get("extra_codes", {}).items():
        display[iso3] = spec["name"]
        for alias in [spec["name"], iso3, *spec.get("aliases", [])]:
            lookup[normalise_name(alias)] = iso3
    for iso3, names in aliases.get("aliases", {}).items():
        for alias in names:
            lookup[normalise_name(alias)] = iso3
    for iso3, name in aliases.get("display_names", {}).items():
        display[iso3] = name
    return lookup, display


def resolve(name: str) -> str | None:
    """ISO3 code for a publisher's country name or code, or ``None`` when unknown."""
    lookup, _ = _index()
    return lookup.get(normalise_name(name))


def resolve_many(names: Iterable[str]) -> dict[str, str | None]:
    """Resolve many names at once; unknown names map to ``None`` (caller reports them)."""
    return {n: resolve(n) for n in dict.fromkeys(names)}


def suggestions(name: str, n: int = 3) -> list[str]:
    """Close known names for an unknown one, for "did you mean ..." messages."""
    lookup, display = _index()
    keys = difflib.get_close_matches(normalise_name(name), list(lookup), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for k in keys:
        label = f"{display.get(lookup[k], lookup[k])} ({lookup[k]})"
        if label not in out:
            out.append(label)
    return out[:n]


def to_iso3(name: str) -> str:
    """ISO3 for ``name`` or :class:`UnknownCountryError` with suggestions."""
    iso3 = resolve(name)
    if iso3 is None:
        hint = suggestions(name)
        tail = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise UnknownCountryError(f"unknown country {name!r}{tail}")
    return iso3


def country_name(iso3: str) -> str:
    """Display name for an ISO3 code (the code itself when unknown)."""
    _, display = _index()
    return display.get(iso3, iso3)
