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


def official_downloads(only: list[str] | None = None) -> list[tuple[str, str]]:
    """(format, url) for every parser that names a direct download URL."""
    from burdenshare import sources

    out = []
    for module in sources.parsers():
        url = getattr(module, "DOWNLOAD_URL", "")
        if not url.startswith(("http://", "https://")):
            continue
        if only and module.FORMAT not in only and module.SOURCE not in only:
            continue
        out.append((module.FORMAT, url))
    if only:
        known = {f for f, _ in out}
        unknown = [o for o in only if o not in known and not any(o in f for f in known)]
        if unknown:
            raise UserError(f"--only: no downloadable format named {', '.join(unknown)}")
    return out


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
    if content[:4] == b"PK\x03\x04" and not name.endswith(".xlsx"):
        out = []
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            for member in zf.namelist():
                if member.lower().endswith(".csv"):
                    target = dest / Path(member).name
                    target.write_bytes(zf.read(member))
                    out.append(target)
        return out
    target = dest / name
    target.write_bytes(content)
    return [target]
