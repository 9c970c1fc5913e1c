"""An append-only audit log whose records are chained by SHA-256 hashes (pure part).

Each record carries ``seq`` (1, 2, 3, ...), ``recorded_at``, ``actor``, ``kind``, ``subject``,
``payload`` (canonical JSON text), the hash of the previous record (``prev_hash``; the first
record points at :data:`GENESIS_HASH`) and its own ``hash``:

    hash = SHA-256( prev_hash || canonical JSON of every other field )

so changing any field of any record, deleting a record or reordering records breaks the chain
at a place :func:`verify_chain` names. The newest (seq, hash) is also kept apart as the chain's
*head*, which exposes a deleted last record. This is the construction of a hash chain as in
Haber & Stornetta, "How to time-stamp a digital document" (J. Cryptology 3, 1991); it proves
integrity against editing after the fact, not against someone who rewrites the whole chain
and the head (anchor the head elsewhere for that).

Storage is in :mod:`burdenshare.store.cases`; this module has no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS_HASH = "0" * 64
#: Fields of a record covered by its hash (with ``prev_hash``), in canonical order.
HASHED_FIELDS: tuple[str, ...] = ("seq", "recorded_at", "actor", "kind", "subject", "payload")


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys, no spaces, ISO dates: the same text for the same content."""

    def default(o: Any) -> Any:
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        if hasattr(o, "item"):  # numpy scalar
            return o.item()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        default=default,
        ensure_ascii=False,
        allow_nan=False,
    )


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """The hash of ``record`` chained to ``prev_hash``."""
    body = canonical_json({k: record[k] for k in HASHED_FIELDS})
    return hashlib.sha256((str(prev_hash) + "|" + body).encode("utf-8")).hexdigest()


def make_record(
    prev_seq: int,
    prev_hash: str,
    *,
    actor: str,
    kind: str,
    subject: str,
    payload: Mapping[str, Any] | str,
    recorded_at: str,
) -> dict[str, Any]:
    """The next record after (``prev_seq``, ``prev_hash``), with its hash."""
    rec: dict[str, Any] = {
        "seq": int(prev_seq) + 1,
        "recorded_at": str(recorded_at),
        "actor": str(actor),
        "kind": str(kind),
        "subject": str(subject),
        "payload": payload if isinstance(payload, str) else canonical_json(payload),
    }
    rec["prev_hash"] = prev_hash
    rec["hash"] = record_hash(prev_hash, rec)
    return rec


@dataclass(frozen=True)
class Problem:
    """One break in the chain: the record it concerns and what is wrong."""

    seq: int | None
    position: int
    kind: str  # edited, deleted, reordered, head
    message: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        if self.ok:
            return f"audit log intact: {self.records} records, chain and head verified"
        first = self.problems[0].message
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"audit log TAMPERED: {first}{more}"


def verify_chain(
    records: Iterable[Mapping[str, Any]],
    head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Check a chain read in storage order (by ``seq``); name every broken record.

    * a record whose content no longer matches its hash was **edited**;
    * a record whose ``prev_hash`` is not its predecessor's hash, or a gap in ``seq``,
      means records were **deleted** (or inserted) before it;
    * ``seq`` values out of order, or a ``prev_hash`` matching an other record than the one
      before, mean records were **reordered**;
    * a head that does not match the last record means the end of the log was cut off.
    """
    recs = list(records)
    problems: list[Problem] = []
    by_hash = {str(r.get("hash")): i for i, r in enumerate(recs)}
    prev_hash = GENESIS_HASH
    prev_seq = 0
    for pos, r in enumerate(recs):
        seq = r.get("seq")
        label = f"record seq {seq} (position {pos + 1}, {r.get('kind')} {r.get('subject')})"
        try:
            ok_hash = record_hash(str(r.get("prev_hash")), r) == r.get("hash")
        except (KeyError, TypeError, ValueError):
            ok_hash = False
        if not ok_hash:
            problems.append(
                Problem(seq, pos, "edited", f"{label}: content does not match its hash (edited)")
            )
        if r.get("prev_hash") != prev_hash:
            linked = by_hash.get(str(r.get("prev_hash")))
            if linked is not None and linked != pos - 1:
                problems.append(
                    Problem(
                        seq,
                        pos,
                        "reordered",
                        f"{label}: follows record seq {recs[linked].get('seq')}"
                        f" in the chain but is stored after seq {prev_seq} "
                        "(reordered)",
                    )
                )
            elif isinstance(seq, int) and seq > prev_seq + 1:
                missing = f"{prev_seq + 1}" + (f"-{seq - 1}" if seq - 1 > prev_seq + 1 else "")
                problems.append(
                    Problem(
                        seq,
                        pos,
                        "deleted",
                        f"{label}: previous record(s) seq {missing} missing (deleted)",
                    )
                )
            else:
                problems.append(
                    Problem(
                        seq,
                        pos,
                        "deleted",
                        f"{label}: does not link to the record before it "
                        f"(seq {prev_seq}); a record was deleted or replaced",
                    )
                )
        elif isinstance(seq, int) and seq != prev_seq + 1 and ok_hash:
            problems.append(
                Problem(
                    seq,
                    pos,
                    "reordered",
                    f"{label}: sequence number follows {prev_seq} (renumbered or reordered)",
                )
            )
        prev_hash = str(r.get("hash"))
        prev_seq = seq if isinstance(seq, int) else prev_seq + 1
    if head is not None:
        head_seq, head_hash = head
        if head_seq != prev_seq or head_hash != prev_hash:
            if head_seq > prev_seq:
                msg = (
                    f"the head names record seq {head_seq} but the log ends at seq "
                    f"{prev_seq}: record(s) at the end deleted"
                )
                kind = "deleted"
            else:
                msg = f"the head (seq {head_seq}) does not match the last record (seq {prev_seq})"
                kind = "head"
            problems.append(Problem(head_seq, len(recs), kind, msg))
    return VerifyResult(ok=not problems, records=len(recs), problems=tuple(problems))
