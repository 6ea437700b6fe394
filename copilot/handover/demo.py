"""Demo step: the departed rep's accounts get a rich zh history (people, a conflict, open
promises), then everything they owned is handed over to the new hire with packages prepared."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import CustomerRow
from copilot.demo import DemoState
from copilot.models import ActivityIn, ContactIn, OpportunityIn
from copilot.records.service import insert_many
from copilot.records.specs import ACTIVITIES, CONTACTS, OPPORTUNITIES

DEPARTED, NEW_HIRE = "zhao.lei", "new.hire"


def load_handover_demo(context: AppContext, state: DemoState) -> dict[str, Any]:
    from services.handover_practice import handover_user

    story = yaml.safe_load(Path(__file__).with_name("demo_history.yaml").read_text("utf-8"))
    caller = system_caller()
    departed = state.users[DEPARTED]
    at = now()
    with context.db.transaction() as session:
        owned = session.scalars(
            select(CustomerRow)
            .where(CustomerRow.owner_id == departed, CustomerRow.merged_into_id.is_(None))
            .order_by(CustomerRow.id)
        ).all()
        rich = []
        for account in story["accounts"]:
            # the story fits an account of its industry (a factory's story on a factory)
            customer = next(
                (c for c in owned if c.industry == account.get("industry") and c.id not in rich),
                next((c for c in owned if c.id not in rich), None),
            )
            if customer is None:
                break
            customer.tags = sorted(set(customer.tags or []) | set(account["tags"]))
            contacts = insert_many(
                session,
                caller,
                CONTACTS,
                [ContactIn(customer_id=customer.id, **c) for c in account["contacts"]],
            )
            by_name = {c.name: c.id for c in contacts}
            o = account["opportunity"]
            insert_many(
                session,
                caller,
                OPPORTUNITIES,
                [
                    OpportunityIn(
                        customer_id=customer.id,
                        name=o["name"],
                        stage=o["stage"],
                        amount=o["amount"],
                        product=o["product"],
                        owner_id=departed,
                        expected_close=(at + timedelta(days=o["close_in_days"])).date(),
                    )
                ],
            )
            insert_many(
                session,
                caller,
                ACTIVITIES,
                [
                    ActivityIn(
                        customer_id=customer.id,
                        kind=a["kind"],
                        text=a["text"],
                        occurred_at=at - timedelta(days=a["days_ago"]),
                        author_id=departed,
                        contact_id=by_name.get(a.get("contact", "")),
                        participants=[*a.get("participants", []), "赵磊"],
                    )
                    for a in account["activities"]
                ],
            )
            rich.append(customer.id)
        handed = handover_user(session, caller, DEPARTED, NEW_HIRE)
    state.facts["handover_customers"] = rich
    return {"rich_accounts": len(rich), "handed_over": len(handed), "to": NEW_HIRE}
