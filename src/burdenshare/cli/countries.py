"""``burdenshare countries ...``: resolve publisher names to ISO3 and show a country's facts.

``countries resolve NAME...`` prints name -> ISO3 -> display name; unknown names (and names
that are known not to be countries, such as "NATO") are shown in red with "did you mean"
suggestions and make the command exit with code 2. ``countries show CODE`` prints a
country's codes, UN region, theater, capital and its group memberships over time.
"""

from __future__ import annotations

from typing import Any

import typer

from burdenshare.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    echo_json,
    format_option,
    markdown_table,
    render,
)

countries_app = typer.Typer(
    help="Country names and codes, regions, capitals and group memberships.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(countries_app, name="countries")


def _resolution(name: str) -> dict[str, Any]:
    from burdenshare.countries import country_name, non_country_kind, resolve, suggestions

    iso3 = resolve(name)
    if iso3 is not None:
        return {"name": name, "status": "ok", "iso3": iso3, "country": country_name(iso3)}
    kind = non_country_kind(name)
    return {
        "name": name,
        "status": "not_a_country" if kind else "unknown",
        "iso3": None,
        "country": None,
        "kind": kind,
        "suggestions": [] if kind else suggestions(name),
    }


@countries_app.command("resolve")
def resolve_cmd(
    names: list[str] = typer.Argument(
        ..., help="Country names or codes, as publishers write them."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Resolve names to ISO3 codes (exit code 2 if any name is not a known country)."""
    rows = [_resolution(n) for n in names]
    failed = any(r["status"] != "ok" for r in rows)
    if fmt is not OutputFormat.table:
        render(rows, fmt, columns=["name", "status", "iso3", "country", "kind", "suggestions"])
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title="Country names")
        for col in ("name", "ISO3", "country"):
            table.add_column(col)
        for r in rows:
            if r["status"] == "ok":
                table.add_row(Text(r["name"]), r["iso3"], Text(r["country"]))
                continue
            if r["status"] == "not_a_country":
                why = f"not a country ({r['kind']})"
            else:
                hint = ", ".join(r["suggestions"])
                why = f"unknown; did you mean {hint}?" if hint else "unknown"
            table.add_row(
                Text(r["name"], style="red"), Text("-", style="red"), Text(why, style="red")
            )
        Console().print(table)
    if failed:
        # A UserError (not typer.Exit) so that burdenshare.cli.main maps it to exit code 2.
        from burdenshare.errors import UnknownCountryError

        bad = [r["name"] for r in rows if r["status"] != "ok"]
        raise UnknownCountryError(
            f"{len(bad)} of {len(rows)} names are not known countries: "
            + ", ".join(repr(b) for b in bad),
            where="NAME",
        )


def _country_report(iso3: str) -> dict[str, Any]:
    from burdenshare import geo, groups
    from burdenshare.countries import country_codes, country_name, known_names

    codes = country_codes(iso3)
    cap = geo.capital(iso3)
    return {
        "iso3": iso3,
        "name": country_name(iso3),
        "official_name": codes["official_name"],
        "iso2": codes["iso2"],
        "numeric": codes["numeric"],
        "note": codes["note"],
        "region": geo.region(iso3),
        "subregion": geo.subregion(iso3),
        "theater": geo.theater(iso3),
        "capital": None if cap is None else {"name": cap.name, "lat": cap.lat, "lon": cap.lon},
        "names": known_names(iso3),
        "memberships": [
            {
                "group": m.group,
                "from": m.start,
                "to": m.end,
                "note": m.note,
                "source": m.source,
                "verify": m.verify,
            }
            for m in groups.memberships(iso3)
        ],
    }


@countries_app.command("show")
def show_cmd(
    country: str = typer.Argument(..., help="ISO3/ISO2 code or name, e.g. POL, JP, Türkiye."),
    fmt: str = format_option("table", "json", "md"),
) -> None:
    """Codes, UN region, theater, capital and group memberships over time of one country."""
    from burdenshare.cli.common import parse_country

    report = _country_report(parse_country(country, "COUNTRY"))
    if fmt == "json":
        echo_json(report)
        return
    if fmt == "md":
        typer.echo(_show_md(report))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    facts = Table(title=f"{report['name']} ({report['iso3']})", show_header=False)
    facts.add_column("field", style="bold")
    facts.add_column("value")
    cap = report["capital"]
    rows = [
        ("official name", report["official_name"]),
        (
            "ISO3 / ISO2 / numeric",
            " / ".join(str(report[k] or "-") for k in ("iso3", "iso2", "numeric")),
        ),
        ("region", report["region"]),
        ("subregion", report["subregion"]),
        ("theater", report["theater"]),
        ("capital", None if cap is None else f"{cap['name']} ({cap['lat']:.2f}, {cap['lon']:.2f})"),
        ("note", report["note"]),
    ]
    for field, value in rows:
        facts.add_row(field, Text(str(value) if value is not None else "-"))
    console.print(facts)
    members = Table(title="Memberships")
    for col in ("group", "from", "to", "note", "source"):
        members.add_column(col, overflow="fold")
    for m in report["memberships"]:
        members.add_row(
            m["group"],
            m["from"].isoformat(),
            m["to"].isoformat() if m["to"] else "-",
            Text(m["note"] + (" [verify]" if m["verify"] else "")),
            Text(m["source"]),
        )
    if report["memberships"]:
        console.print(members)
    else:
        console.print("No group memberships recorded.")


def _show_md(report: dict[str, Any]) -> str:
    """A country's report as Markdown: the facts, then the memberships."""
    cap = report["capital"]
    fields = {
        "official name": report["official_name"],
        "ISO3 / ISO2 / numeric": " / ".join(
            str(report[k] or "-") for k in ("iso3", "iso2", "numeric")
        ),
        "region": report["region"],
        "subregion": report["subregion"],
        "theater": report["theater"],
        "capital": None if cap is None else f"{cap['name']} ({cap['lat']:.2f}, {cap['lon']:.2f})",
        "note": report["note"],
    }
    facts = markdown_table(
        [{"field": k, "value": v} for k, v in fields.items()], ["field", "value"]
    )
    members = markdown_table(report["memberships"], ["group", "from", "to", "note", "source"])
    return f"## {report['name']} ({report['iso3']})\n\n{facts}\n\n### Memberships\n\n{members}"
