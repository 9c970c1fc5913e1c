"""PDF helpers for the report tests (poppler-utils: pdftotext, pdfinfo, pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess


def pdf_text(path) -> str:
    """The PDF's text as pdftotext lays it out (poppler-utils)."""
    assert shutil.which("pdftotext"), "poppler-utils missing: make system-deps"
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_pages(path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(next(ln.split()[-1] for ln in out.stdout.splitlines() if ln.startswith("Pages:")))


def render_pages(path, outdir) -> list:
    """Every page as a PNG (test artifacts, to look at as a reader would): in ``outdir``, or
    under ``$BURDENSHARE_TEST_ARTIFACTS/<pdf name>/`` when that is set (CI keeps them)."""
    import os
    from pathlib import Path

    keep = os.environ.get("BURDENSHARE_TEST_ARTIFACTS")
    if keep:
        outdir = Path(keep) / Path(path).stem
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in outdir.glob("page-*.png"):
        stale.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(outdir / "page")], check=True)
    return sorted(outdir.glob("page-*.png"))
