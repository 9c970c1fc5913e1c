"""Third-party transfers of delivered items (AECA s.3(d)): check, record, show."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from burdenshare.api.auth import actor, current_user, perm
from burdenshare.api.routers._common import Body, as_json, engine

router = APIRouter(tags=["transfers"])


class TransferLineIn(Body):
    line: int = Field(ge=1)
    quantity: int = Field(ge=1)


class TransferIn(Body):
    case: str = Field(min_length=1, max_length=40, description="Delivered case of the items.")
    from_partner: str = Field(min_length=2, max_length=60)
    to_recipient: str = Field(min_length=2, max_length=60)
    items: list[TransferLineIn] = Field(min_length=1, max_length=500)
    mde_value: float = Field(0.0, ge=0, description="At original acquisition cost, US$.")
    total_value: float = Field(ge=0, description="At original acquisition cost, US$.")
    date: dt.date | None = None
    parent: str | None = Field(None, max_length=40)
    emergency: bool = False
    retransfer_outside_group: bool = False
    exemption: str | None = Field(None, description="mro or nato-cross-servicing (2753(d)(4)).")


def _request(body: TransferIn):
    from burdenshare.services import cases

    try:
        return cases.transfer_request(
            case=body.case,
            from_=body.from_partner,
            to=body.to_recipient,
            items=[[i.line, i.quantity] for i in body.items],
            mde_value=body.mde_value,
            total_value=body.total_value,
            date=body.date,
            parent=body.parent,
            emergency=body.emergency,
            retransfer_outside_group=body.retransfer_outside_group,
            exemption=body.exemption,
        )
    except Exception as exc:
        renamed = {"from": "from_partner", "to": "to_recipient"}
        if getattr(exc, "field", None) in renamed:
            exc.field = renamed[exc.field]
        raise


@router.post("/transfers/check", **perm("cases_write"))
def check(body: TransferIn, request: Request, user=Depends(current_user)):
    """Run the retransfer checks without recording a request (the check is audited)."""
    from burdenshare.services import cases

    decision = cases.transfer_check(engine(request), _request(body), actor=actor(user))
    return as_json(decision.to_dict())


@router.post("/transfers", status_code=201, **perm("cases_write"))
def record(body: TransferIn, request: Request, user=Depends(current_user)):
    """Record a retransfer request with its decision (denied, notify, consent)."""
    from burdenshare.services import cases

    tid, decision = cases.transfer_record(engine(request), _request(body), actor=actor(user))
    return as_json({"id": tid, **decision.to_dict()})


@router.get("/transfers/{transfer_id}", **perm("cases_read"))
def show(transfer_id: str, request: Request):
    """A transfer, its items and the lineage back to the original sale."""
    from burdenshare.services import cases

    return as_json(cases.get_transfer(engine(request), transfer_id))
