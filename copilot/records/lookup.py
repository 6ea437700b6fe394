"""Find a customer by what a person types: id, external id or name, with "did you mean".

The brief, voice notes and handover all take `CUSTOMER` on the command line; one resolver
means one behaviour: exact id → exact external id → exact name → normalised name → a unique
substring match; otherwise NotFound naming the closest names the caller may see.
"""

from __future__ import annotations

import difflib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.auth import Caller, customer_scope
from copilot.db.schema import CustomerRow
from copilot.dedup.normalise import normalise_company_name
from copilot.errors import InvalidInput, NotFound
from copilot.models import Customer

SUGGESTIONS = 5


def _visible(caller: Caller):  # type: ignore[no-untyped-def]
    return select(CustomerRow).where(customer_scope(caller), CustomerRow.merged_into_id.is_(None))


def resolve_customer(session: Session, caller: Caller, reference: str) -> Customer:
    """The one customer `reference` names, or NotFound with suggestions (or InvalidInput when ambiguous)."""
    text = (reference or "").strip()
    if not text:
        raise InvalidInput("name a customer: its id, external id or name", details={"field": "customer"})
    base = _visible(caller)
    if text.isdigit():
        row = session.scalar(base.where(CustomerRow.id == int(text)))
        if row is not None:
            return Customer.model_validate(row)
    for condition in (
        CustomerRow.external_id == text,
        CustomerRow.name == text,
        CustomerRow.name_key == normalise_company_name(text),
    ):
        rows = session.scalars(base.where(condition).limit(SUGGESTIONS + 1)).all()
        if len(rows) == 1:
            return Customer.model_validate(rows[0])
        if len(rows) > 1:
            _ambiguous(text, rows)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.scalars(
        base.where(func.lower(CustomerRow.name).like(f"%{escaped.lower()}%", escape="\\")).limit(
            SUGGESTIONS + 1
        )
    ).all()
    if len(rows) == 1:
        return Customer.model_validate(rows[0])
    if len(rows) > 1:
        _ambiguous(text, rows)
    names = session.execute(select(CustomerRow.id, CustomerRow.name).where(customer_scope(caller))).all()
    close = difflib.get_close_matches(text, [n for _, n in names], n=SUGGESTIONS, cutoff=0.5)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise NotFound(
        f"no customer matches {text!r}{hint}",
        details={"field": "customer", "value": text, "did_you_mean": close},
    )


def _ambiguous(text: str, rows: list[CustomerRow]) -> None:
    shown = [f"{r.name} (id {r.id})" for r in rows[:SUGGESTIONS]]
    raise InvalidInput(
        f"{text!r} matches several customers: {', '.join(shown)}; use the id",
        details={
            "field": "customer",
            "value": text,
            "candidates": [{"id": r.id, "name": r.name} for r in rows[:SUGGESTIONS]],
        },
    )
