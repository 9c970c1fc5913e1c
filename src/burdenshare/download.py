"""Download the official data files (``burdenshare data update``).

Only this module touches the network, and only when the user asks. Offline, it fails fast
with one clear message and exit code 2. ``BURDENSHARE_MIRROR`` replaces the scheme and host of
every official URL (for an institutional mirror, and for tests on loopback).

Discovery (issue 16): for publishers with a landing page (``landing`` in ``downloads.yaml``:
SIPRI's military-expenditure database page, NATO's defence-expenditure topic page where each
edition's PDF has its Excel tables beside it) the page is read and the newest release linked
from it is taken, so an online user gets the current edition rather than a fixed 2024 file. A
page that cannot be reached is an error naming its address; a page that no longer links a
file we recognise falls back to the fixed address under ``direct``, with a message.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

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


@dataclass(frozen=True)
class Planned:
    """One file ``data update`` will fetch: its format, address and how it was chosen."""

    format: str
    url: str
    how: str  # "discovered on PAGE", "fixed address", "fixed address (PAGE: reason)"


class _Links(HTMLParser):
    """Every ``href`` of a page's ``<a>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            self.hrefs.extend(v for k, v in attrs if k.lower() == "href" and v)


def newest_link(html: str, page: str, pattern: str) -> str | None:
    """The absolute URL of the newest file linked from ``html`` matching ``pattern``.

    Links are ordered by the regex's ``year`` group, then its ``version`` group (``1.2`` >
    ``1.1`` > none); relative links are resolved against ``page``.
    """
    parser = _Links()
    parser.feed(html)
    rx = re.compile(pattern, re.IGNORECASE)
    best: tuple[tuple, str] | None = None
    for href in parser.hrefs:
        url = urljoin(page, href.strip())
        m = rx.search(urlsplit(url).path)
        if m is None:
            continue
        groups = m.groupdict()
        version = tuple(int(x) for x in (groups.get("version") or "0").split("."))
        key = (int(groups.get("year") or 0), version)
        if best is None or key > best[0]:
            best = (key, url)
    return best[1] if best else None


def plan_downloads(
    client, only: list[str] | None = None, *, warn: Callable[[str], None] | None = None
) -> list[Planned]:
    """What ``data update`` fetches: discovered releases, fixed addresses as the fallback."""
    import httpx

    table = _download_table()
    fixed = official_downloads(only)
    landing = {row["format"]: row for row in table.get("landing", [])}
    out: list[Planned] = []
    done: set[str] = set()
    for fmt, url in fixed:
        if fmt in done:
            continue
        spec = landing.get(fmt)
        if spec is None:
            out.append(Planned(fmt, url, "fixed address"))
            continue
        done.add(fmt)
        page = spec["page"]
        try:
            response = client.get(_mirror(page))
            response.raise_for_status()
        except httpx.TransportError as exc:
            raise UserError(
                f"cannot reach {page} ({type(exc).__name__}): you appear to be offline. "
                "Download the official files by hand (see `burdenshare data sources`) and run "
                "`burdenshare data import FILE`."
            ) from None
        except httpx.HTTPStatusError as exc:
            reason = f"HTTP {exc.response.status_code}"
            found = None
        else:
            found = newest_link(response.text, page, spec["link"])
            reason = "no link to a release file found"
        if found is None:
            if warn:
                warn(
                    f"{fmt}: {page} could not be read as expected ({reason}); the page may "
                    f"have changed: falling back to the fixed address {url}"
                )
            out.append(Planned(fmt, url, f"fixed address ({page}: {reason})"))
        else:
            out.append(Planned(fmt, found, f"discovered on {page}"))
    return out


def manual_downloads() -> list[dict]:
    """Formats whose publisher serves them only through a web form: where to get them."""
    return list(_download_table().get("manual", []))


def download_official(
    *,
    only: list[str] | None = None,
    dest: Path | None = None,
    timeout: float = 20.0,
    warn: Callable[[str], None] | None = None,
    client=None,
) -> list[tuple[Planned, list[Path]]]:
    """Fetch each planned file into ``dest`` (zip archives are unpacked).

    Returns each plan with the paths saved from it; ``client`` (an ``httpx.Client``) may be
    given, e.g. one with a mock transport in tests.
    """
    import httpx
    from platformdirs import user_cache_dir

    dest = Path(dest or Path(user_cache_dir("burdenshare")) / "downloads")
    dest.mkdir(parents=True, exist_ok=True)
    out: list[tuple[Planned, list[Path]]] = []
    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        for plan in plan_downloads(client, only, warn=warn):
            url = _mirror(plan.url)
            try:
                response = client.get(url)
                response.raise_for_status()
            except httpx.TransportError as exc:
                raise UserError(
                    f"cannot download {plan.format} from {plan.url} ({type(exc).__name__}): "
                    "you appear to be offline. Download the official files by hand (see "
                    "`burdenshare data sources`) and run `burdenshare data import FILE`."
                ) from None
            except httpx.HTTPStatusError as exc:
                raise UserError(
                    f"cannot download {plan.format}: {plan.url} answered HTTP "
                    f"{exc.response.status_code}"
                ) from None
            out.append((plan, _save(response.content, plan.url, dest)))
    finally:
        if own:
            client.close()
    return out


def dry_run(
    *,
    only: list[str] | None = None,
    timeout: float = 20.0,
    warn: Callable[[str], None] | None = None,
    client=None,
) -> list[Planned]:
    """What ``data update`` would fetch (landing pages are read; nothing is downloaded)."""
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        return plan_downloads(client, only, warn=warn)
    finally:
        if own:
            client.close()


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
