"""The gate: given a pipeline, a move and what was offered, say whether the move may happen and,
if not, exactly what is missing. Pure (no database), so every rule is testable on its own.

Rules (the seeds' "阶段=动作+证据"):
- leaving a stage forwards needs that stage's evidence (each requirement's minimum count, of an
  accepted kind) and its checklist confirmed;
- skipping stages needs the skipped stages' evidence and checklists too (反向校验);
- entering the won stage needs its own evidence (bank receipt + invoice) and the payment;
- moving backwards needs a reason and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from copilot.stages.definitions import Pipeline, StageDef
from copilot.stages.models import GateDecision, GateProblem, PaymentIn


class OfferedEvidence(Protocol):
    id: int
    requirement: str
    kind: str


def stages_to_check(pipeline: Pipeline, from_stage: str, to_stage: str) -> tuple[list[StageDef], list[str]]:
    """The stages whose evidence a forward move needs, and the stages it skips."""
    i, j = pipeline.index(from_stage), pipeline.index(to_stage)
    checked = list(pipeline.stages[i:j])
    if pipeline.stages[j].outcome == "won":
        checked.append(pipeline.stages[j])
    return checked, [s.key for s in pipeline.stages[i + 1 : j]]


def evaluate(
    pipeline: Pipeline,
    from_stage: str,
    to_stage: str,
    evidence: Iterable[OfferedEvidence],
    checklist: Iterable[str],
    *,
    reason: str | None = None,
    payment: PaymentIn | None = None,
) -> GateDecision:
    i, j = pipeline.index(from_stage), pipeline.index(to_stage)
    offered = list(evidence)
    confirmed = set(checklist)
    if j < i:
        problems = []
        if not (reason and reason.strip()):
            problems.append(
                GateProblem(
                    problem="reason_required",
                    message=f"moving back from {from_stage} to {to_stage} needs a reason",
                )
            )
        return GateDecision(
            from_stage=from_stage,
            to_stage=to_stage,
            direction="backward",
            ok=not problems,
            missing=problems,
            satisfied=[] if problems else ["reason given"],
        )

    checked, skipped = stages_to_check(pipeline, from_stage, to_stage)
    problems: list[GateProblem] = []
    satisfied: list[str] = []
    used: list[int] = []
    for stage in checked:
        for req in stage.evidence:
            matching = [e for e in offered if e.requirement == req.id and e.kind in req.kinds]
            wrong_kind = sorted(
                {e.kind for e in offered if e.requirement == req.id and e.kind not in req.kinds}
            )
            if len(matching) >= req.min_count:
                satisfied.append(f"{stage.key}: {req.action} ({len(matching)}/{req.min_count})")
                used.extend(e.id for e in matching)
                continue
            note = f"; offered kinds {', '.join(wrong_kind)} are not accepted" if wrong_kind else ""
            problems.append(
                GateProblem(
                    problem="missing_evidence",
                    stage=stage.key,
                    id=req.id,
                    action=req.action,
                    needed=req.min_count,
                    have=len(matching),
                    accepted_kinds=list(req.kinds),
                    message=(
                        f"{stage.key}: {req.action} needs {req.min_count} of {'/'.join(req.kinds)}, "
                        f"have {len(matching)}{note}"
                    ),
                )
            )
        for item in stage.checklist:
            if item.id in confirmed:
                satisfied.append(f"{stage.key}: ☑ {item.text}")
            else:
                problems.append(
                    GateProblem(
                        problem="unchecked",
                        stage=stage.key,
                        id=item.id,
                        action=item.text,
                        message=f"{stage.key}: checklist item not confirmed: {item.text} ({item.id})",
                    )
                )
        if stage.requires_payment and stage.key == to_stage:
            if payment is None:
                problems.append(
                    GateProblem(
                        problem="payment_required",
                        stage=stage.key,
                        id="payment",
                        message=f"{stage.key}: the payment date and amount from the bank receipt are required",
                    )
                )
            else:
                satisfied.append(f"{stage.key}: payment {payment.amount:.2f} on {payment.paid_on}")
    return GateDecision(
        from_stage=from_stage,
        to_stage=to_stage,
        direction="forward",
        skipped=skipped,
        checked_stages=[s.key for s in checked],
        ok=not problems,
        missing=problems,
        satisfied=satisfied,
        evidence_ids=sorted(set(used)),
    )
