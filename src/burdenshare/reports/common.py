"""What every report shares: its provenance footer, the HTML environment, HTML -> PDF,
XLSX sheet helpers, and the atomic write of the finished file."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from burdenshare.errors import UserError
from burdenshare.reports import FORMATS


@dataclass(frozen=True)
class Provenance:
    """What a reader needs to reproduce a report (printed in every page's footer)."""

    command: str
    generated_at: str
    data_releases: Mapping[str, str] = field(default_factory=dict)
    policy: str | None = None
    policy_version: str | None = None
    policy_sha256: str | None = None
    seed: int | None = None
    samples: int | None = None
    audit_head: tuple[int, str] | None = None
    synthetic: bool = False
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The footer as short lines (also the XLSX 'notes' sheet)."""
        out = []
        if self.policy:
            out.append(
                f"Policy {self.policy} {self.policy_version or ''} "
                f"(sha256 {str(self.policy_sha256)[:16]})".replace("  ", " ")
            )
        if self.data_releases:
            rel = "; ".join(f"{s} {v}" for s, v in sorted(self.data_releases.items()))
            out.append(f"Data releases: {rel}")
        if self.seed is not None:
            out.append(f"Monte Carlo: {self.samples:,} samples, seed {self.seed}")
        if self.audit_head is not None:
            out.append(f"Audit-chain head: record {self.audit_head[0]}, {self.audit_head[1][:16]}")
        out.append(f"Generated {self.generated_at} by: {self.command}")
        return out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["audit_head"] = list(self.audit_head) if self.audit_head else None
        d["data_releases"] = dict(self.data_releases)
        return d


def now_utc() -> str:
    """The generation time, UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    f = str(fmt).lower()
    if f not in allowed:
        raise UserError(f"expected one of {', '.join(allowed)}, got {fmt!r}", where="--format")
    return f


def check_output(path: str | os.PathLike[str]) -> Path:
    """Refuse an output path that cannot be written, before any work is done."""
    p = Path(path)
    where = "--output"
    if p.exists() and p.is_dir():
        raise UserError(f"{p} is a directory, expected a file name", where=where)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"directory {parent} does not exist", where=where)
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UserError(f"cannot write {p}: permission denied", where=where)
    return p


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place, so a
    reader never sees a half-written report and a failure leaves nothing behind."""
    p = check_output(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def media_type(fmt: str) -> str:
    return FORMATS[fmt]


# ---- HTML and PDF ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _env():
    """The templates' Jinja environment, built once per process (templates compile once)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("burdenshare.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["usd_m"] = fmt_usd_m
    env.filters["pct"] = fmt_pct
    return env


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """Render a report template: self-contained (inline CSS, charts as data URIs)."""
    return _env().get_template(template).render(css=_css(), **context)


@lru_cache(maxsize=1)
def _css() -> str:
    from importlib.resources import files

    return files("burdenshare.reports").joinpath("templates/report.css").read_text("utf-8")


@lru_cache(maxsize=1)
def _font_config():
    """One WeasyPrint font configuration per process (fontconfig set up once, not per PDF)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheet():
    """The reports' CSS parsed once per process (WeasyPrint parses an inline ``<style>``
    again for every document)."""
    from weasyprint import CSS

    return CSS(string=_css(), font_config=_font_config())


def html_to_pdf(html: str) -> bytes:
    """The HTML as PDF (WeasyPrint; fonts from the system: DejaVu, Debian fonts-dejavu-core).
    No base URL: a report fetches nothing. A report's inline stylesheet (the only one) is
    swapped for the same CSS parsed once: the same boxes, the same PDF."""
    from weasyprint import HTML

    inline = f"<style>{_css()}</style>"
    sheets = []
    if inline in html:
        html = html.replace(inline, "<style></style>", 1)
        sheets = [_stylesheet()]
    return HTML(string=html, base_url=None).write_pdf(
        stylesheets=sheets, font_config=_font_config()
    )


def chart(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A chart for a template: its title, the SVG as a data URI, the spec (for the web)."""
    return charts([spec])[0]


def charts(specs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`chart` of each spec, in order; the SVGs drawn in parallel threads."""
    from burdenshare.charts.render import to_data_uris

    srcs = to_data_uris([dict(s) for s in specs])
    return [
        {"title": s.get("title", ""), "src": u, "spec": s} for s, u in zip(specs, srcs, strict=True)
    ]


# ---- number formats (one place: HTML, PDF and the tests read the same text) ---------------


def fmt_num(v: Any, digits: int = 0) -> str:
    if v is None:
        return "–"
    return f"{float(v):,.{digits}f}"


def fmt_usd_m(v: Any) -> str:
    """US dollars shown in millions ("$1,234M")."""
    if v is None:
        return "–"
    return f"${float(v) / 1e6:,.0f}M"


def fmt_pct(v: Any, digits: int = 1) -> str:
    """A share 0-1 as a percentage."""
    if v is None:
        return "–"
    return f"{100 * float(v):.{digits}f}%"


# ---- XLSX --------------------------------------------------------------------------------


def new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def add_sheet(
    wb,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    formats: Mapping[str, str] | None = None,
    widths: Mapping[str, int] | None = None,
) -> None:
    """One table per sheet: bold frozen header, real number formats per column, filters."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title[:31])
    ws.append(list(headers))
    for c in ws[1]:
        c.font = Font(bold=True)
    n = 1
    for row in rows:
        ws.append([_cell(v) for v in row])
        n += 1
    ws.freeze_panes = "A2"
    if n > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n}"
    for j, h in enumerate(headers, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = (widths or {}).get(h, max(10, min(40, len(h) + 4)))
        fmt = (formats or {}).get(h)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt


def add_notes(wb, prov: Provenance, extra: Iterable[str] = ()) -> None:
    """The 'notes' sheet: method, disclosure control, provenance."""
    ws = wb.create_sheet("notes")
    ws.column_dimensions["A"].width = 120
    for line in [*extra, "", *prov.lines(), *prov.notes]:
        ws.append([line])


def workbook_bytes(wb) -> bytes:
    import io

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v: Any) -> Any:
    import math

    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v
