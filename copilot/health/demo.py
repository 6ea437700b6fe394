"""Demo step `health`: marketing's own lead export for the last five weeks, as marketing keeps it.

Planted difference (the seeds' 23% gap in miniature): marketing's spreadsheet logs every form
submission, so re-submissions of 百度推广 forms (about one in five) appear twice there and once
here; the source-consistency check flags baidu with those rows unmatched. Everything else is the
same leads, by id. Then one report is kept, so the kept-reports list is not empty.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import LeadRow, MarketingLeadRow

WEEKS = 5
BATCH = "demo-marketing-export.xlsx"


def load_health(context: AppContext, state: Any) -> dict[str, Any]:
    rng = state.rng
    since = now() - timedelta(weeks=WEEKS)
    rows: list[dict[str, Any]] = []
    with context.db.transaction() as session:
        leads = session.execute(
            select(
                LeadRow.external_id,
                LeadRow.utm_source,
                LeadRow.company,
                LeadRow.phone,
                LeadRow.email,
                LeadRow.created_at,
            )
            .where(LeadRow.created_at >= since)
            .order_by(LeadRow.created_at, LeadRow.id)
        ).all()
        resubmitted = 0
        for lead in leads:
            record = {
                "batch": BATCH,
                "line": len(rows) + 2,
                "external_id": lead.external_id,
                "utm_source": lead.utm_source or "(none)",
                "company": lead.company,
                "phone": lead.phone,
                "email": lead.email,
                "received_at": lead.created_at,
                "imported_at": now(),
            }
            rows.append(record)
            if lead.utm_source == "baidu" and rng.random() < 0.2:
                resubmitted += 1
                rows.append(
                    {
                        **record,
                        "line": len(rows) + 2,
                        "external_id": None,
                        "received_at": lead.created_at + timedelta(minutes=rng.randint(3, 90)),
                    }
                )
        session.execute(MarketingLeadRow.__table__.insert(), rows)
    return {"marketing_rows": len(rows), "leads_covered": len(leads), "baidu_resubmissions": resubmitted}
