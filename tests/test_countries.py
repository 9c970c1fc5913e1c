"""Country name resolution: tricky names, every row name of the real files, invariants."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pycountry
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.countries import (
    _index,
    country_codes,
    country_name,
    non_country_kind,
    normalise_name,
    part_of,
    resolve,
    resolve_many,
    suggestions,
    to_iso3,
)
from burdenshare.errors import UnknownCountryError, UserError

# --- tricky names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Turkiye", "TUR"),
        ("TUR", "TUR"),
        ("Korea, South", "KOR"),
        ("Korea, Rep.", "KOR"),
        ("Korea, North", "PRK"),
        ("Czechia", "CZE"),
        ("Czech Republic", "CZE"),
        ("Kosovo", "XKX"),
        ("XKX", "XKX"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),  # typographic apostrophe (troopdata)
        ("CÃ´te dâ\x80\x99Ivoire", "CIV"),  # UTF-8 read as Latin-1 (UNGA file)
        ("SÃ£o TomÃ© & PrÃ\xadncipe", "STP"),
        ("USSR", "SUN"),
        ("Soviet Union", "SUN"),
        ("German DR", "DDR"),
        ("East Germany (GDR)", "DDR"),
        ("German Federal Republic", "DEU"),
        ("Yugoslavia", "YUG"),
        ("Serbia", "SRB"),
        ("Serbia and Montenegro", "SCG"),
        ("Czechoslovakia", "CSK"),
        ("Congo, DR", "COD"),
        ("DR Congo", "COD"),
        ("Congo, Dem. Rep.", "COD"),
        ("Congo - Kinshasa", "COD"),
        ("Congo", "COG"),
        ("Congo, Republic", "COG"),
        ("Congo, Rep.", "COG"),
        ("Congo - Brazzaville", "COG"),
        ("Yemen, North", "YAR"),
        ("Yemen Arab Republic (North Yemen)", "YAR"),
        ("Yemen People's Republic", "YMD"),
        ("Yemen", "YEM"),
        ("South Vietnam", "RVN"),
        ("North Vietnam", "VDR"),
        ("Viet Nam", "VNM"),
        ("Albania   (Leks)", "ALB"),  # NATO Table 1: name + currency
        ("Czechia*   (Koruny)", "CZE"),
        ("Slovak Republic", "SVK"),
        ("Myanmar (Burma)", "MMR"),
        ("St. Vincent & Grenadines", "VCT"),
        ("Naoero", "NRU"),
    ],
)
def test_tricky_names(name, iso3):
    assert resolve(name) == iso3
    assert to_iso3(name) == iso3


@pytest.mark.parametrize(
    ("former", "successor"),
    [
        ("USSR", "RUS"),
        ("German DR", "DEU"),
        ("Yugoslavia", "SRB"),
        ("Czechoslovakia", "CZE"),
        ("Serbia and Montenegro", "SRB"),
        ("South Vietnam", "VNM"),
        ("Yemen, North", "YEM"),
    ],
)
def test_former_states_are_not_merged_into_successors(former, successor):
    assert resolve(former) != successor
    assert resolve(successor) == successor


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Hamas (Palestine)*", "non_state"),
        ("Houthi rebels (Yemen)*", "non_state"),
        ("Libya GNC", "non_state"),
        ("Libya HoR*", "non_state"),
        ("NATO**", "organisations"),
        ("United Nations**", "organisations"),
        ("African Union**", "organisations"),
        ("Northern Cyprus", "unrecognised"),
        ("European Union", "aggregates"),
        ("sub-Saharan Africa", "aggregates"),
        ("NATO Total", "aggregates"),
        ("WLD", "aggregates"),
        ("unknown recipient(s)", "unknown"),
        ("Azores", "territories"),
    ],
)
def test_non_countries_do_not_resolve(name, kind):
    assert resolve(name) is None
    assert non_country_kind(name) == kind
    with pytest.raises(UnknownCountryError, match="not a country"):
        to_iso3(name)


def test_territories_name_their_state_without_resolving():
    assert part_of("Azores") == "PRT"
    assert part_of("Kashmir") is None
    assert resolve("Azores") is None


def test_ambiguous_korea_is_unknown_with_both_suggested():
    assert resolve("Korea") is None
    hints = suggestions("Korea")
    assert "South Korea (KOR)" in hints and "North Korea (PRK)" in hints


def test_unknown_name_error_has_did_you_mean():
    with pytest.raises(UnknownCountryError, match=r"did you mean United States \(USA\)") as e:
        to_iso3("Untied States")
    assert isinstance(e.value, UserError)


def test_resolve_many_keeps_first_order_and_dedups():
    out = resolve_many(["Poland", "Narnia", "Poland", "Japan"])
    assert list(out) == ["Poland", "Narnia", "Japan"]
    assert out == {"Poland": "POL", "Narnia": None, "Japan": "JPN"}


def test_display_names_and_codes():
    assert country_name("TUR") == "Türkiye"
    assert country_name("SUN") == "USSR"
    assert country_name("ZZZ") == "ZZZ"
    assert country_codes("POL") == {
        "iso3": "POL",
        "iso2": "PL",
        "numeric": 616,
        "official_name": "Republic of Poland",
        "note": None,
    }
    assert country_codes("DDR")["numeric"] == 278
    assert country_codes("XKX")["iso2"] == "XK"


def test_non_country_names_never_shadow_a_country_spelling():
    idx = _index()
    assert not set(idx.not_countries) & set(idx.lookup)


def test_every_alias_in_the_yaml_resolves_to_its_code():
    from importlib import resources

    text = resources.files("burdenshare.data.countries").joinpath("aliases.yaml").read_text()
    data = yaml.safe_load(text)
    for iso3, names in data["aliases"].items():
        for name in names:
            assert resolve(name) == iso3, name
    for iso3, spec in data["extra_codes"].items():
        for name in [spec["name"], *spec["aliases"]]:
            assert resolve(name) == iso3, name


# --- every row name of the real files ------------------------------------------------------

SIPRI_REGION_ROWS = {
    "Africa",
    "North Africa",
    "sub-Saharan Africa",
    "Americas",
    "Central America and the Caribbean",
    "North America",
    "South America",
    "Asia & Oceania",
    "Oceania",
    "South Asia",
    "East Asia",
    "South East Asia",
    "Central Asia",
    "Europe",
    "Central Europe",
    "Eastern Europe",
    "Western Europe",
    "European Union",
    "Middle East",
}

SIPRI_AT_NON_STATES = {
    "ANC (South Africa)*",
    "African Union**",
    "Amal (Lebanon)*",
    "Anti-Castro rebels (Cuba)*",
    "Armas (Guatemala)*",
    "Biafra",
    "Contras (Nicaragua)*",
    "Darfur rebels (Sudan)*",
    "ELF (Ethiopia)*",
    "EPLF (Ethiopia)*",
    "FAN (Chad)*",
    "FMLN (El Salvador)*",
    "FNLA (Angola)*",
    "FRELIMO (Portugal)*",
    "GUNT (Chad)*",
    "Haiti rebels*",
    "Hamas (Palestine)*",
    "Hezbollah (Lebanon)*",
    "Houthi rebels (Yemen)*",
    "Indonesia rebels*",
    "Katanga",
    "Khmer Rouge (Cambodia)*",
    "Kurdistan Regional Government (Iraq)*",
    "LF (Lebanon)*",
    "LRA (Uganda)*",
    "LTTE (Sri Lanka)*",
    "Lebanon Palestinian rebels*",
    "Libya HoR*",
    "MNLF (Philippines)*",
    "MPLA (Portugal)*",
    "MTA (Myanmar)*",
    "Mujahedin (Afghanistan)*",
    "NATO**",
    "NLA (Macedonia)*",
    "NTC (Libya)*",
    "Northern Alliance (Afghanistan)*",
    "Northern Cyprus",
    "OSCE**",
    "PAIGC (Portugal)*",
    "PIJ (Israel/Palestine)*",
    "PKK (Turkiye)*",
    "PLO (Israel)*",
    "PRC (Israel/Palestine)*",
    "Pathet Lao (Laos)*",
    "Provisional IRA (UK)*",
    "RPF (Rwanda)*",
    "RUF (Sierra Leone)*",
    "Regional Security System**",
    "SLA (Lebanon)*",
    "SNA (Somalia)*",
    "SPLA (Sudan)*",
    "Southern rebels (Yemen)*",
    "Syria rebels*",
    "UIC (Somalia)*",
    "UNITA (Angola)*",
    "Ukraine Rebels*",
    "United Nations**",
    "United Wa State (Myanmar)*",
    "Viet Cong (South Vietnam)*",
    "Viet Minh (France)*",
    "ZAPU (Zimbabwe)*",
    "unknown rebel group*",
    "unknown recipient(s)",
}
SIPRI_AT_SUPPLIER_NON_STATES = {
    "European Union**",
    "FMLN (El Salvador)*",
    "Libya HoR*",
    "Mujahedin (Afghanistan)*",
    "United Nations**",
    "unknown supplier(s)",
}
TROOPS_TERRITORIES = {
    "Aden",
    "Ascension Island",
    "Azores",
    "British West Indies",
    "Easter Island",
    "Eniwetok (J.T.F. 7",
    "Fiji and Tonga",
    "Kashmir",
    "Line Islands",
    "Mariana Islands",
    "Sarawak",
    "Zanzibar",
}


def _unresolved(names) -> set[str]:
    names = {str(n) for n in names if isinstance(n, str) and n.strip()}
    return {n for n in names if resolve(n) is None}


def test_sipri_milex_workbook_country_rows(shared_data):
    sheet = pd.read_excel(
        shared_data / "SIPRI-Milex-data-1949-2024_2.xlsx",
        sheet_name="Current US$",
        header=None,
        engine="calamine",
    )
    start = sheet.index[sheet[0] == "Country"][0] + 1
    names = sheet.loc[start:, 0].dropna()
    assert len(names) == 192
    assert _unresolved(names) == SIPRI_REGION_ROWS
    got = {n: resolve(n) for n in names}
    assert got["German Democratic Republic"] == "DDR" and got["USSR"] == "SUN"
    assert got["Yemen, North"] == "YAR" and got["Congo, DR"] == "COD"
    assert got["Congo, Republic"] == "COG" and got["Kosovo"] == "XKX"
    # No two SIPRI country rows collapse onto one code.
    codes = [c for c in got.values() if c]
    assert len(codes) == len(set(codes)) == 192 - len(SIPRI_REGION_ROWS)


def test_sipri_milex_csv_country_rows(shared_data):
    frame = pd.read_csv(
        shared_data / "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv", skiprows=5
    )
    assert _unresolved(frame["Country"]) == SIPRI_REGION_ROWS


def test_sipri_arms_import_values_recipients(shared_data):
    frame = pd.read_csv(
        shared_data / "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv",
        skiprows=9,
        encoding="latin-1",
    )
    assert _unresolved(frame["Recipient"]) == SIPRI_AT_NON_STATES | {
        "Libya GNC",
        "Total world import",
    }


def test_sipri_trade_register_recipients_and_suppliers(shared_data):
    frame = pd.read_csv(
        shared_data / "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
        skiprows=11,
        encoding="latin-1",
        usecols=[0, 1],
    )
    frame = frame[frame["Recipient"].notna()]  # 4 broken continuation rows
    assert _unresolved(frame["Recipient"]) == SIPRI_AT_NON_STATES
    assert _unresolved(frame["Supplier"]) == SIPRI_AT_SUPPLIER_NON_STATES
    got = resolve_many(frame["Supplier"].unique())
    assert got["Soviet Union"] == "SUN" and got["East Germany (GDR)"] == "DDR"
    assert got["Russia"] == "RUS" and got["United States"] == "USA"
    assert resolve_many(frame["Recipient"].unique())["South Vietnam"] == "RVN"


def test_nato_tables_country_rows(shared_data):
    sheets = pd.read_excel(
        shared_data / "NATO-240617-def-exp-2024-TABLES-en.xlsx",
        sheet_name=None,
        header=None,
        engine="calamine",
    )
    names = set()
    for name, sheet in sheets.items():
        if name in ("TABLE1", "TABLE2", "TABLE3", "TABLE5", "TABLE6", "TABLE7"):
            for col in (2, 3):
                numeric_row = sheet.iloc[:, 4:].apply(pd.to_numeric, errors="coerce").notna()
                rows = sheet.loc[numeric_row.any(axis=1), col].dropna()
                names |= {v for v in rows if isinstance(v, str) and not v.startswith("-")}
    assert _unresolved(names) == {"NATO Europe and Canada", "NATO Total"}
    codes = {resolve(n) for n in names} - {None}
    assert len(codes) == 32  # 31 Allies with figures + Iceland in the GDP tables
    assert {"TUR", "SVK", "CZE", "MKD", "ISL"} <= codes


@pytest.mark.parametrize(
    "file",
    [
        "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
        "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
        "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
    ],
)
def test_world_bank_names_and_codes_agree(shared_data, file):
    frame = pd.read_csv(shared_data / file, skiprows=4)
    names, codes = frame["Country Name"], frame["Country Code"]
    aggregate = codes.map(lambda c: non_country_kind(c) is not None)
    assert (names[aggregate].map(non_country_kind) == "aggregates").all()
    countries = frame[~aggregate]
    assert len(countries) >= 216
    assert (countries["Country Name"].map(resolve) == countries["Country Code"]).all()
    assert (countries["Country Code"].map(resolve) == countries["Country Code"]).all()


def test_unga_country_names_match_their_iso3(shared_data):
    frame = pd.read_csv(
        shared_data / "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
        usecols=["countryname", "iso3c"],
    )
    frame = frame[["countryname", "iso3c"]].dropna().drop_duplicates()
    mismatches = {(n, c, resolve(n)) for n, c in frame.itertuples(index=False) if resolve(n) != c}
    # The file codes South Yemen (COW 680) as YAR, a publisher error; names are trusted.
    assert mismatches == {("Yemen People's Republic", "YAR", "YMD")}


def test_troopdata_country_names(shared_data):
    troops = pd.read_csv(
        shared_data / "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
        usecols=["countryname", "iso3c"],
    )[["countryname", "iso3c"]].drop_duplicates()
    assert _unresolved(troops["countryname"]) == TROOPS_TERRITORIES
    assert all(non_country_kind(n) == "territories" for n in TROOPS_TERRITORIES)
    coded = troops.dropna()
    assert (coded["countryname"].map(resolve) == coded["iso3c"]).all()
    bases = pd.read_csv(
        shared_data / "US-bases-abroad_troopdata-basedata.csv",
        encoding="latin-1",
        usecols=["countryname"],
    )
    assert _unresolved(bases["countryname"]) == {"Ascension Island"}
    assert resolve("Congo, Democratic Republic") == "COD"  # the base file says COG there


# --- invariants ----------------------------------------------------------------------------


@given(st.text())
def test_normalise_name_is_idempotent(s):
    once = normalise_name(s)
    assert normalise_name(once) == once


def _known_names() -> list[str]:
    names = [c.name for c in pycountry.countries]
    from importlib import resources

    data = yaml.safe_load(
        resources.files("burdenshare.data.countries").joinpath("aliases.yaml").read_text()
    )
    for spellings in data["aliases"].values():
        names.extend(spellings)
    return sorted(n for n in set(names) if resolve(n) is not None)


KNOWN = _known_names()
COMBINING = [chr(c) for c in range(0x0300, 0x0370)]


@st.composite
def _variant(draw):
    """A known name with random case, extra whitespace and accents added to ASCII letters."""
    name = draw(st.sampled_from(KNOWN))
    n = len(name)
    flips = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    marks = draw(st.lists(st.sampled_from(["", "", *COMBINING]), min_size=n, max_size=n))
    spaces = draw(st.integers(0, 3))
    out = []
    for ch, flip, mark in zip(name, flips, marks, strict=True):
        if ch.isspace():
            out.append(ch + " " * spaces)
            continue
        ch = ch.swapcase() if flip else ch
        out.append(ch + mark if ch.isascii() and ch.isalpha() else ch)
    text = " " * spaces + "".join(out) + "\t"
    return name, unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)


@settings(max_examples=200, deadline=None)
@given(_variant())
def test_resolution_ignores_case_whitespace_and_accents(pair):
    name, variant = pair
    assert resolve(variant) == resolve(name)
