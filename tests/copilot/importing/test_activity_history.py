"""Account history import: the issue's columns for contacts and activities, zh and en, CSV and JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from copilot.auth import system_caller
from copilot.db.schema import ActivityRow, ContactRow
from copilot.importing.columns import canonical_value
from copilot.importing.service import import_file
from copilot.models import CustomerIn
from copilot.records.service import create_record
from copilot.records.specs import CUSTOMERS


def test_contacts_and_activities_with_the_issues_columns(context, small_org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with context.db.transaction() as s:
        create_record(s, system_caller(), CUSTOMERS, CustomerIn(name="Acme Retail LLC", external_id="ACME"))
    contacts = tmp_path / "contacts.jsonl"
    contacts.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "external_id": "P1",
                    "customer": "Acme Retail LLC",
                    "name": "Jane Doe",
                    "title": "VP Operations",
                    "department": "Ops",
                    "phone": "+1 415 555 0100",
                    "email": "jane@acme.com",
                    "wechat": "janedoe",
                    "notes": "final say",
                },
            ]
        ),
        "utf-8",
    )
    activities = tmp_path / "activities.jsonl"
    activities.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "external_id": "X1",
                    "customer": "ACME",
                    "kind": "meeting",
                    "occurred_at": "2026-10-01T10:00:00+08:00",
                    "author": "east.rep",
                    "contact": "Jane Doe",
                    "participants": ["Jane Doe", "Bob Lee"],
                    "subject": "Kickoff",
                    "text": "We will send the case study.",
                },
                {
                    "external_id": "X2",
                    "customer": "ACME",
                    "kind": "投诉",
                    "occurred_at": "2026-10-05",
                    "author": "east.rep",
                    "contact": "Bob Lee",
                    "text": "Bob complained about the invoice.",
                },
            ]
        ),
        "utf-8",
    )
    assert import_file(context.db, system_caller(), "contacts", contacts).imported == 1
    summary = import_file(context.db, system_caller(), "activities", activities)
    assert summary.imported == 2, summary.errors
    with context.db.read() as s:
        jane = s.scalar(select(ContactRow).where(ContactRow.external_id == "P1"))
        assert jane.wechat == "janedoe"
        x1, x2 = s.scalars(select(ActivityRow).order_by(ActivityRow.external_id)).all()
        assert x1.contact_id == jane.id and x1.participants == ["Jane Doe", "Bob Lee"] and x1.author_id
        # a person who is not a contact yet stays in the history as a participant, the row is not lost
        assert x2.kind == "complaint" and x2.contact_id is None and x2.participants == ["Bob Lee"]


def test_kind_spellings() -> None:
    assert canonical_value("activities", "kind", "拜访") == "visit"
    assert canonical_value("activities", "kind", "企业微信") == "wechat"
    assert canonical_value("activities", "kind", "Phone Call") == "call"
    assert canonical_value("activities", "kind", "unknown") == "unknown"  # the model then names the field
