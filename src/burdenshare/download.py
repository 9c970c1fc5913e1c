"""Download the official data files (``burdenshare data update``).

Only this module touches the network, and only when the user asks. Offline, it fails fast
with one clear message and exit code 2. ``BURDENSHARE_MIRROR`` replaces the scheme and host of
every official URL (for an institutional mirror, and for tests on loopback).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from burdenshare.errors import UserError


def _mirror(url: str) -> str:
    mirror = os.environ.get("BURDENSHARE_MIRROR")
    if not mirror:
        return url
    m, u = urlsplit(mirror), urlsplit(url)
    return urlunsplit((m.scheme, m.netloc, m.path.rstrip("/") + u.path, u.query, ""))


def _download_table() -> dict:
    from importlib import resources

    import yaml

    text = resources.files("burdenshare.data").joinpath("downloads.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def official_downloads(only: list[str] | None = None) -> list[tuple[str, str]]:
    """(format, direct URL) of every official file ``data update`` can fetch."""
    table = _download_table()["direct"]
    out = [(row["format"], row["url"]) for row in table]
    if only:
        known = {f for f, _ in out}
        unknown = [o for o in only if o not in known]
        if unknown:
            raise UserError(
                f"--only: no downloadable format named {', '.join(unknown)}; "
                f"downloadable: {', '.join(sorted(known))}"
            )
        out = [(f, u) for f, u in out if f in only]
    return out


def manual_downloads() -> list[dict]:
    """Formats whose publisher serves them only through a web form: where to get them."""
    return list(_download_table().get("manual", []))


def download_official(
    *, only: list[str] | None = None, dest: Path | None = None, timeout: float = 20.0
) -> list[Path]:
    """Fetch each official file into ``dest`` (zip archives are unpacked); return the paths."""
    import httpx
    from platformdirs import user_cache_dir

    dest = Path(dest or Path(user_cache_dir("burdenshare")) / "downloads")
    dest.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for fmt, official in official_downloads(only):
            url = _mirror(official)
            try:
                response = client.get(url)
                response.raise_for_status()
            except httpx.TransportError as exc:
                host = urlsplit(url).netloc
                raise UserError(
                    f"cannot download {fmt} from {host} ({type(exc).__name__}): you appear to "
                    "be offline. Download the official files by hand (see `burdenshare data "
                    "sources`) and run `burdenshare data import FILE`."
                ) from None
            except httpx.HTTPStatusError as exc:
                raise UserError(
                    f"cannot download {fmt}: {url} answered HTTP {exc.response.status_code}"
                ) from None
            paths.extend(_save(response.content, url, dest))
    return paths


def _save(content: bytes, url: str, dest: Path) -> list[Path]:
    name = Path(urlsplit(url).path).name or "download"
    if content[:4] == b"PK\x03\x04" and not name.endswith((".xlsx", ".xlsm")):
        out = []
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            for member in zf.namelist():
                if member.lower().endswith(".csv") and not Path(member).name.startswith(
                    "Metadata_Indicator"
                ):
                    target = dest / Path(member).name
                    target.write_bytes(zf.read(member))
                    out.append(target)
        return out
    target = dest / name
    target.write_bytes(content)
    return [target]
