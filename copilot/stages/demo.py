"""Demo step `stages`: makes the core demo's opportunities consistent with the default pipeline.

- every forward move in a history carries the evidence and checklist its gate asks for
  (small generated PDFs / emails / notes, stored by content hash like real uploads);
- won opportunities carry a bank receipt, an invoice and a confirmed first payment;
- a quarter-end flip (the seeds' 31 December): one rep's opportunities marked won on the last
  day of the previous quarter with no evidence and no payment: the forecast's won-unconfirmed gap;
- a live burst through the real service today: the sentinel holds it for the manager.
The core step's stuck opportunities (weeks in a stage) stay as they are: they are the stuck list.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from copilot.auth import caller_from_row
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import (
    OpportunityRow,
    StageEvidenceRow,
    StageHistoryRow,
    StagePaymentRow,
    UserRow,
)
from copilot.demo import DemoState
from copilot.stages import evidence as store
from copilot.stages.definitions import EvidenceRequirement, Pipeline, default_pipeline
from copilot.stages.models import PaymentIn

FLIPPED = 12  # quarter-end flips planted
BURST = 10  # moves one rep attempts today (the sentinel holds those past the limit)
PAYMENT_SHARES = (1.0, 0.5, 0.3)  # first payment as a share of the amount, by opportunity id


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF with one line of ASCII text (enough for a receipt stand-in)."""
    safe = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _email(opp: OpportunityRow, req: EvidenceRequirement, at: datetime) -> bytes:
    return (
        f"From: customer@example.com.cn\nTo: sales@example.com\nDate: {at:%a, %d %b %Y %H:%M:%S +0000}\n"
        f"Subject: =?utf-8?b?5ryU56S65Y+N6aaI?= {opp.external_id}\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{req.action}: {opp.name} 演示已完成,技术负责人认可方案,请提供报价。\n"
    ).encode()


def _offer(
    context: AppContext,
    pipeline: Pipeline,
    opp: OpportunityRow,
    stage: str,
    req: EvidenceRequirement,
    at: datetime,
) -> StageEvidenceRow:
    """One evidence item of the requirement's preferred kind, stored like an upload."""
    kind = next(k for k in ("note", "pdf", "email", "screenshot") if k in req.kinds)
    sha = size = name = text = None
    if kind == "note":
        text = f"{at:%Y-%m-%d} {req.action}: 与客户电话沟通 {opp.product or ''} 需求,确认对接人。"
    else:
        body = (
            _email(opp, req, at)
            if kind == "email"
            else minimal_pdf(f"{req.id} {opp.external_id} {at:%Y-%m-%d} amount {opp.amount:.0f}")
        )
        sha, size = store.store_bytes(context.settings, body)
        name = f"{req.id}-{opp.external_id}.{'eml' if kind == 'email' else 'pdf'}"
        kind = "email" if kind == "email" else "pdf"
    return StageEvidenceRow(
        opportunity_id=opp.id,
        stage=stage,
        requirement=req.id,
        kind=kind,
        sha256=sha,
        file_name=name,
        content_type="application/pdf" if kind == "pdf" else ("message/rfc822" if kind == "email" else None),
        size=size,
        text=text,
        uploaded_by=opp.owner_id,
        uploaded_at=at,
        attached=True,
    )


def load_stages(context: AppContext, state: DemoState) -> dict[str, Any]:
    pipeline = default_pipeline()
    zone = context.settings.zone
    counts: Counter[str] = Counter()
    with context.db.transaction() as session:
        opps = {o.id: o for o in session.scalars(select(OpportunityRow).order_by(OpportunityRow.id))}
        moves = list(
            session.scalars(
                select(StageHistoryRow)
                .where(StageHistoryRow.from_stage.is_not(None))
                .order_by(StageHistoryRow.opportunity_id, StageHistoryRow.at)
            )
        )
        _spread_won(session, opps)
        pending: list[tuple[StageHistoryRow, list[StageEvidenceRow], list[str], PaymentIn | None]] = []
        for move in moves:
            opp = opps[move.opportunity_id]
            checked = pipeline.stages[pipeline.index(move.from_stage) : pipeline.index(move.to_stage)]  # type: ignore[arg-type]
            target = pipeline.stage(move.to_stage)
            if target is not None and target.outcome == "won":
                checked.append(target)
            offered = [_offer(context, pipeline, opp, s.key, r, move.at) for s in checked for r in s.evidence]
            ticks = [c.id for s in checked for c in s.checklist]
            payment = None
            if target is not None and target.outcome == "won":
                share = PAYMENT_SHARES[opp.id % len(PAYMENT_SHARES)]
                payment = PaymentIn(
                    paid_on=move.at.astimezone(zone).date(), amount=round(opp.amount * share, 2)
                )
            session.add_all(offered)
            pending.append((move, offered, ticks, payment))
            counts["evidence"] += len(offered)
        session.flush()
        finance = session.scalar(select(UserRow.id).where(UserRow.role == "finance"))
        for move, offered, ticks, payment in pending:
            entries: list[dict[str, Any]] = [store.history_entry(e) for e in offered]
            entries += [{"type": "checklist", "id": t, "confirmed": True} for t in ticks]
            if payment is not None:
                entries.append({"type": "payment", **payment.model_dump(mode="json")})
                session.add(
                    StagePaymentRow(
                        opportunity_id=move.opportunity_id,
                        paid_on=payment.paid_on,
                        amount=payment.amount,
                        evidence_ids=[e.id for e in offered if e.stage == pipeline.won_stage.key],
                        confirmed_by=finance,
                        confirmed_at=move.at,
                    )
                )
                counts["payments"] += 1
            move.evidence = entries
        flipped = _quarter_end_flip(session, opps, pipeline, state)
        counts["flipped"] = len(flipped)
    burst = _live_burst(context, state)
    state.facts["stages"] = {"flipped": flipped, **burst}
    return {**counts, **burst, "flipped": len(flipped), "flipped_ids": flipped}


def _spread_won(session: Any, opps: dict[int, OpportunityRow]) -> None:
    """The core step closes every won deal in the last week; real payments spread over months.

    Each won opportunity's timeline moves back by a fixed, id-derived number of days (0-149),
    so confirmed revenue by payment month has a shape. Open opportunities are untouched.
    """
    won = {o.id: o for o in opps.values() if o.status == "won"}
    shifts = {oid: timedelta(days=(oid * 37) % 150) for oid in won}
    for row in session.scalars(select(StageHistoryRow).where(StageHistoryRow.opportunity_id.in_(list(won)))):
        row.at = row.at - shifts[row.opportunity_id]
    for oid, o in won.items():
        o.stage_entered_at = o.stage_entered_at - shifts[oid]
        o.created_at = o.created_at - shifts[oid]
    session.flush()


def quarter_end_before(day: date) -> date:
    """The last day of the quarter before the one `day` is in."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    return date(day.year, first_month, 1) - timedelta(days=1)


def _quarter_end_flip(
    session: Any, opps: dict[int, OpportunityRow], pipeline: Pipeline, state: DemoState
) -> list[str]:
    """A department marks open deals won on the quarter's last day, without evidence (legacy CRM)."""
    zone_now = now()
    flip_day = quarter_end_before(zone_now.date())
    flip_at = datetime.combine(flip_day, time(15, 0), tzinfo=zone_now.tzinfo)
    east = state.departments["华东事业部"]
    candidates = [
        o
        for o in opps.values()
        if o.department_id == east
        and o.status == "open"
        and o.owner_id
        and o.created_at < flip_at - timedelta(days=10)
        and o.stage_entered_at < flip_at
    ][:FLIPPED]
    won = pipeline.won_stage.key
    for o in candidates:
        session.add(
            StageHistoryRow(
                opportunity_id=o.id,
                from_stage=o.stage,
                to_stage=won,
                actor_id=o.owner_id,
                at=flip_at,
                reason="legacy CRM: flipped to 已签约 on quarter end, no payment evidence",
                evidence=[],
            )
        )
        o.stage, o.status, o.stage_entered_at = won, "won", flip_at
    return [o.external_id or str(o.id) for o in candidates]


def _burst_upload(req: EvidenceRequirement, external_id: str | None) -> store.EvidenceUpload:
    import io

    if "note" in req.kinds:
        return store.EvidenceUpload(requirement=req.id, text=f"{req.action}: 今日已完成")
    if "pdf" in req.kinds:
        body, suffix, mime = minimal_pdf(f"{req.id} {external_id} burst"), "pdf", "application/pdf"
    else:
        body = f"Subject: {req.action} {external_id}\n\n客户确认演示内容。\n".encode()
        suffix, mime = "eml", "message/rfc822"
    return store.EvidenceUpload(
        requirement=req.id,
        file_name=f"{req.id}-{external_id}-burst.{suffix}",
        stream=io.BytesIO(body),
        content_type=mime,
    )


def _live_burst(context: AppContext, state: DemoState) -> dict[str, Any]:
    """A rep pushes many deals forward today through the real service; the sentinel steps in."""
    from copilot.stages.service import advance

    pipeline = default_pipeline()
    login = "zhou.na"
    with context.db.read() as session:
        user = session.scalar(select(UserRow).where(UserRow.login == login))
        assert user is not None
        caller = caller_from_row(user)
        targets = list(
            session.execute(
                select(OpportunityRow.id, OpportunityRow.stage, OpportunityRow.external_id)
                .where(
                    OpportunityRow.owner_id == user.id,
                    OpportunityRow.status == "open",
                    OpportunityRow.stage.in_(pipeline.keys[:4]),
                )
                .order_by(OpportunityRow.id)
                .limit(BURST)
            ).all()
        )
    outcomes: Counter[str] = Counter()
    held: list[str] = []
    for opp in targets:
        stage = pipeline.stage(opp.stage)  # a Row: id, stage, external_id
        assert stage is not None
        uploads = [_burst_upload(req, opp.external_id) for req in stage.evidence]
        result = advance(
            context,
            caller,
            opp.id,
            pipeline.keys[pipeline.index(opp.stage) + 1],
            uploads=uploads,
            checklist=[c.id for c in stage.checklist],
        )
        outcomes[result.outcome] += 1
        if result.outcome == "held":
            held.append(opp.external_id or str(opp.id))
    return {"burst_rep": login, "burst_applied": outcomes["applied"], "burst_held": held}
