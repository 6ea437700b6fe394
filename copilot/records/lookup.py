"""Find one customer from what a person types: id, external id, uscc or exact name — with
did-you-mean suggestions when nothing matches, so a typo is a clear message, not a 404."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.db.schema import CustomerRow
from copilot.dedup.normalise import normalise_company_name
from copilot.errors import InvalidInput, NotFound

SUGGESTIONS = 5


def resolve_customer(session: Session, caller: auth.Caller, ref: str | int) -> CustomerRow:
    """The visible, unmerged customer named by `ref`; NotFound lists close names otherwise."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput(
            "customer is empty: give an id, external id, uscc or exact name", details={"field": "customer"}
        )
    visible = auth.customer_scope(caller)
    conditions = []
    if text.isdigit():
        conditions.append(CustomerRow.id == int(text))
    conditions += [
        CustomerRow.external_id == text,
        CustomerRow.uscc == text.upper(),
        CustomerRow.name == text,
    ]
    for condition in conditions:
        row = session.scalar(select(CustomerRow).where(condition, visible).limit(1))
        if row is not None:
            if row.merged_into_id:
                merged = session.get(CustomerRow, row.merged_into_id)
                if merged is not None:
                    return merged
            return row
    close = suggest(session, caller, text)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise NotFound(
        f"no customer matches {text!r}{hint}",
        details={"field": "customer", "value": text, "did_you_mean": close},
    )


def suggest(session: Session, caller: auth.Caller, text: str) -> list[str]:
    """Names close to `text` (normalised company names compared), best first."""
    key = normalise_company_name(text)
    rows = session.execute(
        select(CustomerRow.name, CustomerRow.name_key).where(
            auth.customer_scope(caller), CustomerRow.merged_into_id.is_(None)
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
