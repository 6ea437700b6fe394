"""The forecast: weighted pipeline (amount × stage probability, frozen ones left out,
downgraded ones at the previous stage's probability) kept apart from confirmed revenue (only
payments confirmed with evidence, dated by the bank's date). The won-but-unconfirmed line is
the seeds' 864万 vs 712万 gap, made visible.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.auth import Caller
from copilot.clock import now
from copilot.db.schema import OpportunityRow, StagePaymentRow
from copilot.errors import InvalidInput
from copilot.stages.clocks import assess, last_activity
from copilot.stages.definitions import active_pipeline
from copilot.stages.models import Forecast, ForecastStage, MonthAmount


def forecast(
    session: Session, caller: Caller, since: date | None = None, until: date | None = None
) -> Forecast:
    if since and until and since > until:
        raise InvalidInput(
            "since is after until", details={"field": "since", "since": str(since), "until": str(until)}
        )
    at = now()
    pipeline = active_pipeline(session)
    scope = auth.opportunity_scope(caller)
    open_rows = list(session.scalars(select(OpportunityRow).where(OpportunityRow.status == "open", scope)))
    activity = last_activity(session, [r.id for r in open_rows])
    stages = {
        s.key: ForecastStage(
            stage=s.key,
            probability=s.probability,
            count=0,
            amount=0,
            weighted=0,
            frozen_count=0,
            frozen_amount=0,
            downgraded_count=0,
        )
        for s in pipeline.stages
    }
    for row in open_rows:
        line = stages.get(row.stage)
        if line is None:  # a stage the pipeline no longer defines: counted nowhere, but not lost
            line = stages.setdefault(
                row.stage,
                ForecastStage(
                    stage=row.stage,
                    probability=0,
                    count=0,
                    amount=0,
                    weighted=0,
                    frozen_count=0,
                    frozen_amount=0,
                    downgraded_count=0,
                ),
            )
        state = assess(pipeline, row.stage, row.stage_entered_at, activity.get(row.id), at)
        if state.frozen:
            line.frozen_count += 1
            line.frozen_amount += row.amount
            continue
        line.count += 1
        line.amount += row.amount
        line.weighted += row.amount * state.probability
        line.downgraded_count += int(state.downgraded)
    payments = (
        select(StagePaymentRow, OpportunityRow.id)
        .join(OpportunityRow, OpportunityRow.id == StagePaymentRow.opportunity_id)
        .where(scope)
    )
    if since:
        payments = payments.where(StagePaymentRow.paid_on >= since)
    if until:
        payments = payments.where(StagePaymentRow.paid_on <= until)
    months: dict[str, list[float]] = defaultdict(list)
    for payment, _ in session.execute(payments).all():
        months[payment.paid_on.strftime("%Y-%m")].append(payment.amount)
    paid_ids = set(session.scalars(select(StagePaymentRow.opportunity_id)))
    won = list(session.scalars(select(OpportunityRow).where(OpportunityRow.status == "won", scope)))
    unconfirmed = [w for w in won if w.id not in paid_ids]
    by_stage = list(stages.values())
    for line in by_stage:
        line.amount = round(line.amount, 2)
        line.weighted = round(line.weighted, 2)
        line.frozen_amount = round(line.frozen_amount, 2)
    return Forecast(
        as_of=at,
        pipeline_version=pipeline.version,
        weighted_pipeline=round(sum(s.weighted for s in by_stage), 2),
        open_amount=round(sum(s.amount for s in by_stage), 2),
        open_count=sum(s.count for s in by_stage),
        frozen_amount=round(sum(s.frozen_amount for s in by_stage), 2),
        frozen_count=sum(s.frozen_count for s in by_stage),
        by_stage=by_stage,
        confirmed_revenue=round(sum(sum(v) for v in months.values()), 2),
        confirmed_count=sum(len(v) for v in months.values()),
        confirmed_by_month=[
            MonthAmount(month=m, amount=round(sum(v), 2), count=len(v)) for m, v in sorted(months.items())
        ],
        won_claimed_amount=round(sum(w.amount for w in won), 2),
        won_claimed_count=len(won),
        won_unconfirmed_amount=round(sum(w.amount for w in unconfirmed), 2),
        won_unconfirmed_count=len(unconfirmed),
        won_unconfirmed_ids=sorted(w.id for w in unconfirmed),
        period={"since": since, "until": until},
    )
