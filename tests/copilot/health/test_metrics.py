"""Metric definitions side by side on the hand-counted leads of November (conftest.py)."""

from __future__ import annotations

import pytest

from copilot.auth import system_caller
from copilot.errors import InvalidInput, NotFound
from copilot.health.metrics import new_customers
from copilot.health.window import month


def counts(ctx, **kw):  # type: ignore[no-untyped-def]
    with ctx.db.read() as session:
        return new_customers(session, system_caller(), month("2026-11", ctx.settings.zone), **kw)


def test_definitions_side_by_side(any_context, any_world) -> None:
    r = counts(any_context)
    by = {d["name"]: d for d in r["definitions"]}
    # November leads: W1-W4, M1-M8 = 12 (OCT is October). Only M7 has no contact details.
    assert r["leads_in_month"] == 12
    assert by["new_customer.marketing"]["count"] == 11
    # crm_valid: W1 (2 h), W2 (3 h), M1 (10 h) contacted within 48 h
    assert by["new_customer.crm_valid"]["count"] == 3
    crm = {e["reason"]: e["count"] for e in by["new_customer.crm_valid"]["exclusions"]}
    assert crm == {
        "has_contact": 1,  # M7
        "test_email": 1,  # M2
        "phone_invalid": 1,  # M4
        "phone_placeholder": 1,  # M3 (13800138000)
        "no_first_contact_48h": 3,  # M5 (60 h), M6, W3 (arrived 18th, 54 h ago)
        "no_first_contact_48h.pending": 2,  # W4 (30 h ago), M8 (12 h ago)
    }
    # followed_up: W1, W2, M1, M5
    assert by["new_customer.followed_up"]["count"] == 4
    placeholder = next(
        e for e in by["new_customer.crm_valid"]["exclusions"] if e["reason"] == "phone_placeholder"
    )
    assert [row["external_id"] for row in placeholder["rows"]] == ["T-M3"]
    alerts = {tuple(a["definitions"]): a for a in r["alerts"]}
    assert alerts[("new_customer.marketing", "new_customer.crm_valid")]["deviation"] == round(
        (3 - 11) / 11, 4
    )
    assert ("new_customer.marketing", "new_customer.followed_up") in alerts  # 4 vs 11


def test_drill_down_to_one_reason(context, world) -> None:
    r = counts(context, definition="new_customer.crm_valid", reason="test_email", limit=None)
    assert [e["reason"] for e in r["definitions"][0]["exclusions"]] == ["test_email"]
    assert r["definitions"][0]["exclusions"][0]["rows"][0]["email"] == "test1@test.com"
    counted = counts(context, definition="new_customer.crm_valid", reason="counted", limit=None)
    assert sorted(x["external_id"] for x in counted["definitions"][0]["counted_rows"]) == [
        "T-M1",
        "T-W1",
        "T-W2",
    ]
    with pytest.raises(NotFound):
        counts(context, definition="new_customer.nope")


def test_month_is_validated(context) -> None:
    with pytest.raises(InvalidInput) as exc:
        month("2026-13", context.settings.zone)
    assert exc.value.details == {"field": "month"}
