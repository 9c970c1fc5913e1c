"""Places that host US forces but are not sovereign states: counted under their host state.

Decision (issue 15), applied the same way by the troops and the bases parsers:

- **Azores -> PRT.** The Azores are an autonomous region of Portugal; Lajes Field is used by
  the US under the US-Portugal defence agreement. troopdata lists "Azores" as its own row up
  to 1969 and within Portugal afterwards, so the separate rows are added to Portugal's
  (no double count: the two never hold the same people).
- **Diego Garcia / British Indian Ocean Territory (IOT) -> GBR.** The UK administers the
  territory and granted the US the use of Diego Garcia (1966 UK-US exchange of notes); the
  bases data already code the site GBR, the troops data named it "Diego Garcia" (-> IOT).
  Both now count it under the United Kingdom, the ally that hosts the base.

Burden-sharing credits the state that hosts US forces, so a host's own territories count
under it. Territories of the United States itself (Guam, Puerto Rico, ...) keep their own
codes and are not "abroad" for these indicators (see the parsers).
"""

from __future__ import annotations

import numpy as np

from burdenshare.countries import normalise_name

#: Publisher place names (normalised) -> host state.
HOST_BY_NAME: dict[str, str] = {
    normalise_name("Azores"): "PRT",
    normalise_name("Diego Garcia"): "GBR",
    normalise_name("BR Indian Ocean Territory"): "GBR",
    normalise_name("British Indian Ocean Territory"): "GBR",
}

#: ISO3 codes of non-sovereign places -> host state.
HOST_BY_CODE: dict[str, str] = {"IOT": "GBR"}


def to_host(iso: np.ndarray, names) -> np.ndarray:
    """``iso`` with every hosted place replaced by its host state (by name, then by code)."""
    out = np.asarray(iso, dtype=object).copy()
    for k, name in enumerate(names):
        host = HOST_BY_NAME.get(normalise_name(str(name)))
        if host is None and isinstance(out[k], str):
            host = HOST_BY_CODE.get(out[k])
        if host is not None:
            out[k] = host
    return out
