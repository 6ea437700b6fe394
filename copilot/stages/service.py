"""Stage changes: the only way an opportunity's stage moves (the generic PATCH cannot).

`advance` stores the offered evidence first (its own committed transaction), then decides:
the gate (`gates.evaluate`), then who must confirm (finance for the won stage), then the
sentinel; the move is applied, held, or refused with exactly what is missing. Every applied
move writes a stage-history row (with its evidence) and an audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.auth import Caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import OpportunityRow, StageEvidenceRow, StageHistoryRow, StageHoldRow, StagePaymentRow
from copilot.errors import Conflict, CopilotError, Forbidden, InvalidInput, NotFound
from copilot.models import Role
from copilot.stages import evidence as store
from copilot.stages import gates, sentinel
from copilot.stages.definitions import Pipeline, active_pipeline
from copilot.stages.models import AdvanceResult, GateDecision, Hold, PaymentIn
from copilot.stages.todos import department_managers, raise_todo, users_with_role

MOVERS = (Role.rep, Role.manager, Role.admin, Role.finance)


class GateNotSatisfied(InvalidInput):
    """422 listing exactly what is missing; `details.stored_evidence` says what was kept."""

    code = "gate_not_satisfied"


def _load(session: Session, caller: Caller, opportunity_id: int, *, lock: bool = False) -> OpportunityRow:
    query = select(OpportunityRow).where(OpportunityRow.id == opportunity_id, auth.opportunity_scope(caller))
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound(
            f"opportunity {opportunity_id} does not exist or is not visible to you",
            details={"opportunity_id": opportunity_id},
        )
    return row


def _pending_hold(session: Session, opportunity_id: int) -> StageHoldRow | None:
    return session.scalar(
        select(StageHoldRow).where(
            StageHoldRow.opportunity_id == opportunity_id, StageHoldRow.status == "pending"
        )
    )


def _check_movable(session: Session, caller: Caller, row: OpportunityRow) -> None:
    if caller.role not in MOVERS:
        raise Forbidden(
            f"the {caller.role.value} role cannot move opportunities", details={"role": caller.role.value}
        )
    if row.status != "open":
        raise Conflict(
            f"opportunity {row.id} is {row.status}; closed opportunities do not move",
            code="opportunity_closed",
            details={"status": row.status},
        )
    hold = _pending_hold(session, row.id)
    if hold is not None:
        raise Conflict(
            f"opportunity {row.id} has a change waiting for confirmation (hold {hold.id}, {hold.kind})",
            code="change_pending",
            details={"hold_id": hold.id, "kind": hold.kind, "to_stage": hold.to_stage},
        )


def preview(
    session: Session, caller: Caller, opportunity_id: int, to_stage: str, checklist: list[str] | None = None
) -> GateDecision:
    """What the gate would say now, counting evidence already offered (for forms and scripts)."""
    row = _load(session, caller, opportunity_id)
    pipeline = active_pipeline(session)
    _same_stage(row, to_stage, pipeline)
    return gates.evaluate(
        pipeline, row.stage, to_stage, store.offered_for(session, row.id), checklist or [], reason="preview"
    )


def _same_stage(row: OpportunityRow, to_stage: str, pipeline: Pipeline) -> None:
    pipeline.index(to_stage)
    if row.stage not in pipeline.keys:
        raise Conflict(
            f"opportunity {row.id} sits in {row.stage!r}, which the pipeline does not define",
            code="unknown_current_stage",
            details={"stage": row.stage, "stages": pipeline.keys},
        )
    if to_stage == row.stage:
        raise InvalidInput(f"opportunity {row.id} is already in {to_stage}", details={"field": "to_stage"})


def advance(
    context: AppContext,
    caller: Caller,
    opportunity_id: int,
    to_stage: str,
    *,
    uploads: list[store.EvidenceUpload] | None = None,
    checklist: list[str] | None = None,
    reason: str | None = None,
    payment: PaymentIn | None = None,
) -> AdvanceResult:
    uploads = uploads or []
    checklist = checklist or []
    # 1. keep what was offered, whatever happens next (visibility and file checks only)
    with context.db.transaction() as session:
        row = _load(session, caller, opportunity_id)
        pipeline = active_pipeline(session)
        stored = store.save_uploads(session, context.settings, pipeline, row.id, caller.id or None, uploads)
        stored_items = [store.to_item(r) for r in stored]
    # 2. decide; any refusal says what was kept, so the next attempt needs no re-upload
    try:
        return _decide(context, caller, opportunity_id, to_stage, checklist, reason, payment, stored_items)
    except CopilotError as exc:
        exc.details.setdefault("stored_evidence", [i.model_dump(mode="json") for i in stored_items])
        raise


def _decide(
    context: AppContext,
    caller: Caller,
    opportunity_id: int,
    to_stage: str,
    checklist: list[str],
    reason: str | None,
    payment: PaymentIn | None,
    stored_items: list[Any],
) -> AdvanceResult:
    with context.db.transaction() as session:
        row = _load(session, caller, opportunity_id, lock=True)
        pipeline = active_pipeline(session)
        _check_movable(session, caller, row)
        _same_stage(row, to_stage, pipeline)
        target = pipeline.stage(to_stage)
        assert target is not None
        if caller.role == Role.finance and target.confirm_role != Role.finance:
            raise Forbidden(
                f"finance confirms payments; moving to {to_stage} is for the owner or their manager",
                details={"role": caller.role.value, "to_stage": to_stage},
            )
        decision = gates.evaluate(
            pipeline,
            row.stage,
            to_stage,
            store.offered_for(session, row.id),
            checklist,
            reason=reason,
            payment=payment,
        )
        if not decision.ok:
            raise GateNotSatisfied(
                f"cannot move opportunity {row.id} from {row.stage} to {to_stage}: "
                + "; ".join(p.message for p in decision.missing),
                details={
                    "missing": [p.model_dump() for p in decision.missing],
                    "skipped": decision.skipped,
                },
            )
        request = {
            "checklist": checklist,
            "reason": reason,
            "payment": payment.model_dump(mode="json") if payment else None,
            "evidence_ids": decision.evidence_ids,
        }
        needs = target.confirm_role
        if decision.direction == "forward" and needs is not None and caller.role not in (needs, Role.admin):
            hold = _hold(
                session,
                caller,
                row,
                decision,
                request,
                "finance_confirmation",
                needs.value,
                [{"rule": "confirm_role", "message": f"{to_stage} is confirmed by the {needs.value} role"}],
            )
            raise_todo(
                session,
                users_with_role(session, needs.value),
                kind="stage_confirmation",
                title=f"确认回款: {row.name}",
                body=f"{caller.name} 申请将商机推进至 {to_stage},请核对银行回单与发票后确认 (hold {hold.id})",
                opportunity=row,
                dedupe_key=f"stage_hold:{hold.id}",
            )
            return _held(row, decision, hold, stored_items)
        if decision.direction == "forward":
            checks = sentinel.check(session, pipeline, row, now(), context.settings.zone)
            tripped = [c for c in checks if c.tripped]
            if tripped:
                hold = _hold(
                    session,
                    caller,
                    row,
                    decision,
                    request,
                    "sentinel",
                    Role.manager.value,
                    [{"rule": "sentinel", **c.model_dump()} for c in tripped],
                )
                day = now().astimezone(context.settings.zone).date().isoformat()
                for check in tripped:
                    raise_todo(
                        session,
                        department_managers(session, row.department_id),
                        kind="stage_sentinel",
                        title=f"异常推进待确认: {check.scope} {check.scope_id} 今日 {check.today} 次",
                        body=check.message + "。相关变更已暂停,请逐条确认 (GET /stages/holds)。",
                        opportunity=row,
                        dedupe_key=f"stage_sentinel:{check.scope}:{check.scope_id}:{day}",
                    )
                return _held(row, decision, hold, stored_items)
        history = apply_move(session, caller.id or None, row, decision, request, pipeline)
        return AdvanceResult(
            opportunity_id=row.id,
            outcome="applied",
            stage=row.stage,
            status=row.status,
            decision=decision,
            history_id=history.id,
            evidence=stored_items,
        )


def _hold(
    session: Session,
    caller: Caller,
    row: OpportunityRow,
    decision: GateDecision,
    request: dict[str, Any],
    kind: str,
    role: str,
    reasons: list[dict[str, Any]],
) -> StageHoldRow:
    hold = StageHoldRow(
        opportunity_id=row.id,
        kind=kind,
        from_stage=row.stage,
        to_stage=decision.to_stage,
        requested_by=caller.id or None,
        requested_at=now(),
        request=request,
        reasons=reasons,
        confirm_role=role,
        status="pending",
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor_id=caller.id or None,
        action="stage.hold",
        entity="opportunity",
        entity_id=row.id,
        after={
            "hold_id": hold.id,
            "kind": kind,
            "from": row.stage,
            "to": decision.to_stage,
            "reasons": reasons,
        },
    )
    return hold


def _held(row: OpportunityRow, decision: GateDecision, hold: StageHoldRow, items: list[Any]) -> AdvanceResult:
    return AdvanceResult(
        opportunity_id=row.id,
        outcome="held",
        stage=row.stage,
        status=row.status,
        decision=decision,
        hold=Hold.model_validate(hold, from_attributes=True),
        evidence=items,
    )


def apply_move(
    session: Session,
    actor_id: int | None,
    row: OpportunityRow,
    decision: GateDecision,
    request: dict[str, Any],
    pipeline: Pipeline,
    *,
    at: datetime | None = None,
    confirmed_by: int | None = None,
) -> StageHistoryRow:
    """Move the stage, attach the evidence, record history, payment and audit (one transaction)."""
    at = at or now()
    before = audit.snapshot(row)
    evidence_rows = (
        list(session.scalars(select(StageEvidenceRow).where(StageEvidenceRow.id.in_(decision.evidence_ids))))
        if decision.evidence_ids
        else []
    )
    for ev in evidence_rows:
        ev.attached = True
    entries: list[dict[str, Any]] = [store.history_entry(ev) for ev in evidence_rows]
    entries += [
        {"type": "checklist", "id": item, "confirmed": True} for item in request.get("checklist") or []
    ]
    target = pipeline.stage(decision.to_stage)
    row.stage = decision.to_stage
    row.stage_entered_at = at
    if target is not None and target.outcome == "won":
        row.status = "won"
        payment = PaymentIn.model_validate(request["payment"])
        entries.append({"type": "payment", **payment.model_dump(mode="json")})
        session.add(
            StagePaymentRow(
                opportunity_id=row.id,
                paid_on=payment.paid_on,
                amount=payment.amount,
                evidence_ids=decision.evidence_ids,
                confirmed_by=confirmed_by or actor_id,
                confirmed_at=at,
            )
        )
    reason = request.get("reason")
    if decision.skipped:
        reason = (reason + "; " if reason else "") + "skipped with evidence: " + ", ".join(decision.skipped)
    history = StageHistoryRow(
        opportunity_id=row.id,
        from_stage=decision.from_stage,
        to_stage=decision.to_stage,
        actor_id=actor_id,
        at=at,
        reason=reason,
        evidence=entries,
    )
    session.add(history)
    session.flush()
    after = audit.snapshot(row)
    changed = {k for k in after if before.get(k) != after.get(k) and k != "updated_at"}
    audit.record(
        session,
        actor_id=actor_id,
        action=f"stage.{decision.direction}",
        entity="opportunity",
        entity_id=row.id,
        before={k: before[k] for k in changed},
        after={
            **{k: after[k] for k in changed},
            "history_id": history.id,
            "skipped": decision.skipped,
            "evidence_ids": decision.evidence_ids,
        },
    )
    return history


def lose(
    session: Session, caller: Caller, opportunity_id: int, reason_id: str, note: str | None = None
) -> dict:
    """Close as lost with a reason from the library (free text alone is refused)."""
    row = _load(session, caller, opportunity_id, lock=True)
    _check_movable(session, caller, row)
    pipeline = active_pipeline(session)
    reason = pipeline.lost_reason(reason_id)
    before = audit.snapshot(row)
    row.status = "lost"
    row.lost_reason = reason.text
    history = StageHistoryRow(
        opportunity_id=row.id,
        from_stage=row.stage,
        to_stage=row.stage,
        actor_id=caller.id or None,
        at=now(),
        reason=f"lost: {reason.text}" + (f" ({note})" if note else ""),
        evidence=[{"type": "lost_reason", "id": reason.id, "text": reason.text, "note": note}],
    )
    session.add(history)
    session.flush()
    audit.record(
        session,
        actor_id=caller.id or None,
        action="stage.lost",
        entity="opportunity",
        entity_id=row.id,
        before={"status": before["status"], "lost_reason": before["lost_reason"]},
        after={"status": "lost", "lost_reason": reason.text, "history_id": history.id},
    )
    return {
        "opportunity_id": row.id,
        "status": row.status,
        "lost_reason": reason.text,
        "history_id": history.id,
    }


# --- holds -------------------------------------------------------------------------------------


def _hold_scope(session: Session, caller: Caller) -> Any:
    if caller.is_admin:
        return StageHoldRow.id.is_not(None)
    if caller.role == Role.finance:
        return StageHoldRow.confirm_role == Role.finance.value
    visible = select(OpportunityRow.id).where(auth.opportunity_scope(caller))
    return StageHoldRow.opportunity_id.in_(visible)


def list_holds(session: Session, caller: Caller, status: str | None = "pending") -> list[Hold]:
    query = select(StageHoldRow).where(_hold_scope(session, caller)).order_by(StageHoldRow.id)
    if status:
        query = query.where(StageHoldRow.status == status)
    return [Hold.model_validate(h, from_attributes=True) for h in session.scalars(query)]


def decide_hold(
    session: Session, caller: Caller, hold_id: int, *, confirm: bool, note: str | None = None
) -> Hold:
    """Finance confirms a payment, a manager confirms a change the sentinel held; or rejects it."""
    hold = session.scalar(
        select(StageHoldRow).where(StageHoldRow.id == hold_id, _hold_scope(session, caller))
    )
    if hold is None:
        raise NotFound(
            f"hold {hold_id} does not exist or is not yours to decide", details={"hold_id": hold_id}
        )
    if hold.status != "pending":
        raise Conflict(
            f"hold {hold_id} is already {hold.status}", code="hold_decided", details={"status": hold.status}
        )
    if not caller.is_admin and caller.role.value != hold.confirm_role:
        raise Forbidden(
            f"hold {hold_id} is confirmed by the {hold.confirm_role} role; you are {caller.role.value}",
            details={"role": caller.role.value, "needed": hold.confirm_role},
        )
    if hold.requested_by and hold.requested_by == caller.id and not caller.is_admin:
        raise Forbidden(
            "a change cannot be confirmed by the person who asked for it", details={"hold_id": hold_id}
        )
    row = session.scalar(
        select(OpportunityRow).where(OpportunityRow.id == hold.opportunity_id).with_for_update()
    )
    assert row is not None
    hold.status = "confirmed" if confirm else "rejected"
    hold.decided_by = caller.id or None
    hold.decided_at = now()
    hold.decision_note = note
    result: dict[str, Any] = {"hold_id": hold.id, "status": hold.status, "note": note}
    if confirm:
        if row.status != "open" or row.stage != hold.from_stage:
            raise Conflict(
                f"opportunity {row.id} moved since the hold was raised ({row.stage}, {row.status})",
                code="hold_stale",
                details={"stage": row.stage, "status": row.status},
            )
        pipeline = active_pipeline(session)
        payment = PaymentIn.model_validate(hold.request["payment"]) if hold.request.get("payment") else None
        decision = gates.evaluate(
            pipeline,
            hold.from_stage,
            hold.to_stage,
            store.offered_for(session, row.id),
            hold.request.get("checklist") or [],
            reason=hold.request.get("reason"),
            payment=payment,
        )
        if not decision.ok:
            raise GateNotSatisfied(
                "the held change no longer passes its gate: "
                + "; ".join(p.message for p in decision.missing),
                details={"missing": [p.model_dump() for p in decision.missing]},
            )
        request = dict(hold.request)
        note_text = f"{hold.kind} confirmed by {caller.login}" + (f": {note}" if note else "")
        request["reason"] = (request.get("reason") + "; " if request.get("reason") else "") + note_text
        history = apply_move(
            session, hold.requested_by, row, decision, request, pipeline, confirmed_by=caller.id or None
        )
        result["history_id"] = history.id
    audit.record(
        session,
        actor_id=caller.id or None,
        action=f"stage.hold.{hold.status}",
        entity="opportunity",
        entity_id=row.id,
        after=result,
    )
    session.flush()
    return Hold.model_validate(hold, from_attributes=True)


# --- reading ---------------------------------------------------------------------------------


def history(session: Session, caller: Caller, opportunity_id: int) -> dict[str, Any]:
    row = _load(session, caller, opportunity_id)
    rows = session.scalars(
        select(StageHistoryRow)
        .where(StageHistoryRow.opportunity_id == row.id)
        .order_by(StageHistoryRow.at, StageHistoryRow.id)
    )
    evidence = store.offered_for(session, row.id)
    payment = session.scalar(select(StagePaymentRow).where(StagePaymentRow.opportunity_id == row.id))
    return {
        "opportunity_id": row.id,
        "stage": row.stage,
        "status": row.status,
        "stage_entered_at": row.stage_entered_at,
        "history": [
            {
                "id": h.id,
                "from_stage": h.from_stage,
                "to_stage": h.to_stage,
                "actor_id": h.actor_id,
                "at": h.at,
                "reason": h.reason,
                "evidence": h.evidence,
            }
            for h in rows
        ],
        "evidence": [store.to_item(e).model_dump(mode="json") for e in evidence],
        "payment": None
        if payment is None
        else {"paid_on": payment.paid_on, "amount": payment.amount, "evidence_ids": payment.evidence_ids},
        "pending_hold": (lambda h: Hold.model_validate(h, from_attributes=True) if h else None)(
            _pending_hold(session, row.id)
        ),
    }


def evidence_file(session: Session, caller: Caller, evidence_id: int) -> StageEvidenceRow:
    ev = session.get(StageEvidenceRow, evidence_id)
    if ev is None:
        raise NotFound(f"evidence {evidence_id} does not exist", details={"evidence_id": evidence_id})
    _load(session, caller, ev.opportunity_id)  # visibility follows the opportunity
    return ev
