"""Published reports: the quarterly performance metrics, the country brief, the allies'
release review, as self-contained HTML, PDF (WeasyPrint) and XLSX (openpyxl).

Each report module is pure rendering: it takes the plain data the service layer gathered
(:mod:`burdenshare.services.reports`) and returns bytes. Every report carries its
:class:`~burdenshare.reports.common.Provenance` (data releases, policy and its hash, seed,
audit-chain head, generation time, the command that reproduces it) in its footer.
"""

from __future__ import annotations

FORMATS: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
