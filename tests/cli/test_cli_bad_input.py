"""Bad input, every command, every option class: exit code 2, one line, no traceback, and the
store unchanged (its row counts before and after).

The option classes are found by walking the Typer app (numbers by their type; dates,
quarters, countries, vintages, formats, files in and out, database URLs by name), so a new
option of a known class is covered without touching this file. A valid call of each command
(:data:`commands.BASE`) is perturbed in one option at a time.
"""

from __future__ import annotations

import itertools

import pytest
from cli_helpers import assert_one_line_error, row_counts, run
from commands import BASE, CASES_CSV, NETWORK, commands, fill, with_option

ALL = commands()

DATE_OPTIONS = {"--as-of", "--at", "--date", "--start", "--end", "--approved"}
COUNTRY_OPTIONS = {"--partner", "--country", "--from", "--to"}
MONEY_OPTIONS = {"--mde-value", "--total-value", "--dc-value", "--firearms-value"}
VINTAGE_OPTIONS = {"--vintage", "--from-vintage", "--to-vintage"}
FILE_OUT = {"--rejects": "out.csv", "--output": "out.csv", "--plot": "ranks.svg"}
FILE_IN_OPTIONS = {"--key"}
FILE_IN_ARGS = {"file", "path", "paths"}
BAD_URLS = ("not a url at all", "nosuchdialect://host/db", "postgresql://nobody@127.0.0.1:1/none")


def _cases() -> list[tuple]:
    """(command, option, bad value, words the error line must contain)."""
    out = []
    urls = itertools.cycle(BAD_URLS)
    for path, params in sorted(ALL.items()):
        network = path in NETWORK
        for p in params:
            if not p.is_option or p.is_flag:
                continue
            name = p.name
            if p.py_type in (int, float):
                out.append((path, name, "abc", (name,)))
            elif network:
                continue
            elif name in MONEY_OPTIONS:
                out.append((path, name, "abc", (name,)))
            elif name in DATE_OPTIONS:
                out.append((path, name, "2024-13-45", (name,)))
            elif name == "--quarter":
                out.append((path, name, "2026Q5", (name,)))
            elif name in COUNTRY_OPTIONS:
                out.append((path, name, "Narnia", ("Narnia",)))
            elif name in VINTAGE_OPTIONS:
                out.append((path, name, "banana", (name,)))
                out.append((path, name, "2024-13-45", (name,)))
            elif name == "--format":
                out.append((path, name, "xml", ("--format", "xml")))
            elif name in FILE_OUT:
                out.append((path, name, "{tmp}/no-such-folder/" + FILE_OUT[name], (name,)))
            elif name in FILE_IN_OPTIONS:
                out.append((path, name, "/no/such/file.yaml", ("/no/such/file.yaml",)))
            elif name == "--db":
                out.append((path, name, next(urls), ()))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def files(module_store, tmp_path_factory):
    from importlib import resources

    from burdenshare.policy import builtin_text

    folder = tmp_path_factory.mktemp("cli-files")
    cases_csv = folder / "cases.csv"
    cases_csv.write_text(CASES_CSV, encoding="utf-8")
    policy = folder / "policy.yaml"
    policy.write_text(builtin_text("eo14383"), encoding="utf-8")
    catalog = resources.files("burdenshare").joinpath("data", "catalog", "illustrative.yaml")
    return {
        "db": module_store,
        "tmp": folder,
        "cases_csv": cases_csv,
        "policy_file": policy,
        "catalog_yaml": str(catalog),
        "data_file": "/work/does-not-matter.csv",
    }


def _call(path, args, files) -> list[str]:
    params = {p.name for p in ALL[path]}
    db = ["--db", f"sqlite:///{files['db']}"] if "--db" in params and "--db" not in args else []
    return [*path, *fill(args, files), *db]


def test_every_command_has_a_valid_call():
    assert set(BASE) == set(ALL), "add the new command to commands.BASE"


def test_the_suite_covers_every_option_class():
    covered = {(path, option) for path, option, _, _ in CASES}
    assert (("rank",), "--year") in covered and (("rank",), "--vintage") in covered
    assert (("cases", "import"), "--rejects") in covered
    assert (("metrics", "quarterly"), "--quarter") in covered
    assert (("cases", "notify-check"), "--partner") in covered
    assert len(CASES) > 100


@pytest.mark.parametrize(
    ("path", "option", "value", "needles"),
    CASES,
    ids=[f"{' '.join(c[0])} {c[1]}={c[2]}" for c in CASES],
)
def test_bad_option_value(files, path, option, value, needles):
    args = with_option(fill(BASE[path], files), option, value.format(tmp=files["tmp"]))
    call = _call(path, args, files)
    before = row_counts(files["db"])
    result = run(*call)
    assert_one_line_error(result, *needles, args=call)
    assert row_counts(files["db"]) == before, f"{' '.join(call)} changed the store"


POSITIONAL = [
    (("explain",), ["Narnia", "--robustness", "0"], ("Narnia",)),
    (("whatif",), ["Narnia", "--set", "milex_gdp_pct=2"], ("Narnia",)),
    (("whatif",), ["ESP", "--set", "milex_gdp_pct=abc"], ("milex_gdp_pct",)),
    (("whatif",), ["ESP", "--set", "no_such_indicator=2"], ("no_such_indicator",)),
    (("countries", "show"), ["Narnia"], ("Narnia",)),
    (("countries", "resolve"), ["Narnia"], ("Narnia",)),
    (("compare",), ["eo14383", "no-such-policy"], ("no-such-policy",)),
    (("rank",), ["--policy", "/no/such/policy.yaml"], ("/no/such/policy.yaml",)),
    (("rank",), ["--region", "atlantis"], ("--region", "atlantis")),
    (("rank",), ["--year", "1066"], ("1066",)),
    (("rank",), ["--top", "0"], ("--top",)),
    (("cases", "import"), ["/no/such/cases.csv"], ("/no/such/cases.csv",)),
    (("cases", "show"), ["NO-SUCH-CASE"], ("NO-SUCH-CASE",)),
    (("cases", "list"), ["--status", "nosuch"], ("nosuch",)),
    (("cases", "transition"), ["SYN-000040", "nonsense-stage"], ("nonsense-stage",)),
    (("cases", "notify-check"), [*BASE[("cases", "notify-check")], "--rules", "nosuch"],
     ("--rules", "nosuch")),
    (("cases", "notify-compare"), ["--proposed", "nosuch"], ("--proposed", "nosuch")),
    (("catalog", "import"), ["/no/such/catalog.yaml"], ("/no/such/catalog.yaml",)),
    (("data", "import"), ["/no/such/file.csv"], ("/no/such/file.csv",)),
    (("policy", "show"), ["/no/such/policy.yaml"], ("/no/such/policy.yaml",)),
    (("policy", "validate"), ["/no/such/policy.yaml"], ("/no/such/policy.yaml",)),
    (("transfers", "show"), ["TR-999999"], ("TR-999999",)),
    (("users", "add"), ["someone", "--role", "emperor"], ("emperor",)),
    (("users", "set-role"), ["nobody-such", "viewer"], ("nobody-such",)),
    (("transfers", "check"), [*BASE[("transfers", "check")][:-1], "-5"], ("total",)),
    (("monitor", "tiers"), ["--from-vintage", "1999", "--to-vintage", "2025-08"],
     ("--from-vintage",)),
    (("robustness",), ["--samples", "0"], ("--samples",)),
    (("robustness",), ["--plot", "{tmp}/ranks.pdf"], ("--plot", ".svg")),
    (("metrics", "quarterly"), ["--quarter", "2026Q3", "--format", "xlsx", "-o", "{tmp}/m.csv"],
     ("--output", ".xlsx")),
    (("metrics", "quarterly"), ["--quarter", "2026Q3", "-o", "{tmp}"], ("--output", "folder")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "args", "needles"),
    POSITIONAL,
    ids=[f"{' '.join(c[0])} {' '.join(c[1])}" for c in POSITIONAL],
)
def test_bad_argument(files, path, args, needles):
    call = _call(path, [a.replace("{tmp}", str(files["tmp"])) for a in args], files)
    before = row_counts(files["db"])
    result = run(*call)
    assert_one_line_error(result, *needles, args=call)
    assert row_counts(files["db"]) == before


def test_rejects_in_a_missing_folder_imports_nothing(files):
    """The output path is checked before any case is written (was: cases written, then a
    traceback at the rejects file)."""
    bad = files["tmp"] / "cases-with-a-bad-row.csv"
    bad.write_text(CASES_CSV + "T-2,POL,not-a-date,1,2,Radios,1,2\n", encoding="utf-8")
    before = row_counts(files["db"])
    call = _call(("cases", "import"), [str(bad), "--rejects", "/no/such/folder/bad.csv"], files)
    assert_one_line_error(run(*call), "--rejects", args=call)
    assert row_counts(files["db"]) == before


def test_a_policy_with_many_mistakes_lists_every_one(files):
    policy = files["tmp"] / "bad-policy.yaml"
    policy.write_text(
        "name: bad\ntitle: Bad\nversion: '1'\naggregation: sideways\npillars: 3\nbogus: 1\n",
        encoding="utf-8",
    )
    result = run("policy", "validate", str(policy))
    assert result.code == 2 and "Traceback" not in result.err
    lines = result.err_lines
    assert lines[-1].startswith("error: ") and "mistakes" in lines[-1]
    listed = lines[:-1]
    assert len(listed) >= 4  # aggregation, pillars, bogus, missing fields
    assert any("aggregation" in x and ":4:" in x for x in listed)
    assert any("bogus" in x and "unknown field" in x for x in listed)
    assert all(str(policy) in x for x in listed)
