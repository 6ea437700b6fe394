"""Find a customer by what a person types: id, external id, uscc or name, with "did you mean".

The brief, voice notes and handover all take `CUSTOMER` on the command line and in URLs; one
resolver means one behaviour everywhere: exact id → external id → uscc → exact name →
normalised name ('瑞华汽车制造' finds '瑞华汽车制造有限公司') → a unique substring. Several matches
is an InvalidInput listing them; none is a NotFound naming the closest names the caller may
see (never names they may not). A customer merged into another resolves to the survivor.
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


def resolve_customer_row(session: Session, caller: Caller, reference: str | int) -> CustomerRow:
    """The visible customer row `reference` names (for services that change it)."""
    text = str(reference if reference is not None else "").strip()
    if not text:
        raise InvalidInput(
            "customer is empty: give an id, external id, uscc or name", details={"field": "customer"}
        )
    visible = customer_scope(caller)
    exact = [CustomerRow.external_id == text, CustomerRow.uscc == text.upper(), CustomerRow.name == text]
    if text.isdigit():
        exact.insert(0, CustomerRow.id == int(text))
    for condition in exact:
        row = session.scalar(
            select(CustomerRow)
            .where(condition, visible)
            .order_by(CustomerRow.merged_into_id.is_not(None), CustomerRow.id)
            .limit(1)
        )
        if row is not None:
            return _survivor(session, row)
    live = select(CustomerRow).where(visible, CustomerRow.merged_into_id.is_(None))
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    for condition in (
        CustomerRow.name_key == normalise_company_name(text),
        func.lower(CustomerRow.name).like(f"%{escaped.lower()}%", escape="\\"),
    ):
        rows = session.scalars(live.where(condition).limit(SUGGESTIONS + 1)).all()
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            _ambiguous(text, rows)
    close = suggest(session, caller, text)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise NotFound(
        f"no customer matches {text!r}{hint}",
        details={"field": "customer", "value": text, "did_you_mean": close},
    )


def resolve_customer(session: Session, caller: Caller, reference: str | int) -> Customer:
    """The visible customer `reference` names, as the shared model."""
    return Customer.model_validate(resolve_customer_row(session, caller, reference))


def suggest(session: Session, caller: Caller, text: str) -> list[str]:
    """Visible names close to `text` (normalised company names compared), best first."""
    key = normalise_company_name(text)
    rows = session.execute(
        select(CustomerRow.name, CustomerRow.name_key).where(
            customer_scope(caller), CustomerRow.merged_into_id.is_(None)
        )
    ).all()
    scored = []
    for name, name_key in rows:
        candidate = name_key or normalise_company_name(name)
        ratio = difflib.SequenceMatcher(None, key, candidate).ratio() if key and candidate else 0.0
        if key and candidate and (key in candidate or candidate in key):
            ratio = max(ratio, 0.8)
        if ratio >= 0.5:
            scored.append((ratio, name))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [name for _, name in scored[:SUGGESTIONS]]


def _survivor(session: Session, row: CustomerRow) -> CustomerRow:
    seen = {row.id}
    while row.merged_into_id and row.merged_into_id not in seen:
        merged = session.get(CustomerRow, row.merged_into_id)
        if merged is None:
            break
        seen.add(merged.id)
        row = merged
    return row


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
