"""Each gate rule on its own (pure function): evidence per stage, kinds, counts, checklist,
skipping needs the skipped stages' evidence, backwards needs a reason, won needs the payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from copilot.stages.definitions import default_pipeline
from copilot.stages.gates import evaluate
from copilot.stages.models import PaymentIn

P = default_pipeline()


@dataclass
class Ev:
    id: int
    requirement: str
    kind: str


def test_leaving_each_stage_needs_its_own_evidence_and_checklist() -> None:
    for i, stage in enumerate(P.stages[:-2]):
        nxt = P.stages[i + 1].key
        empty = evaluate(P, stage.key, nxt, [], [])
        assert not empty.ok
        assert {(m.problem, m.id) for m in empty.missing} == {
            *(("missing_evidence", r.id) for r in stage.evidence),
            *(("unchecked", c.id) for c in stage.checklist),
        }
        offered = [Ev(n, r.id, r.kinds[0]) for n, r in enumerate(stage.evidence)]
        full = evaluate(P, stage.key, nxt, offered, [c.id for c in stage.checklist])
        assert full.ok and full.evidence_ids == [e.id for e in offered]


def test_wrong_kind_does_not_count_and_says_so() -> None:
    d = evaluate(
        P,
        "需求分析",
        "方案演示",
        [Ev(1, "requirements_confirmation", "recording")],
        ["budget_confirmed", "decision_maker_known"],
    )
    assert not d.ok
    [m] = d.missing
    assert m.id == "requirements_confirmation" and m.have == 0 and m.needed == 1
    assert "recording" in m.message and m.accepted_kinds == ["pdf", "screenshot"]


def test_minimum_count_is_enforced() -> None:
    pipeline = P.model_copy(deep=True)
    pipeline.stages[0].evidence[0].min_count = 2
    d = evaluate(
        pipeline, "初步接触", "需求分析", [Ev(1, "first_contact_record", "note")], ["contact_identified"]
    )
    assert not d.ok and d.missing[0].have == 1 and d.missing[0].needed == 2


def test_skipping_requires_the_skipped_stages_evidence() -> None:
    own = [Ev(1, "demo_feedback", "email")]
    d = evaluate(P, "方案演示", "合同审批中", own, ["tech_lead_attended", "quote_sent"])
    assert not d.ok and d.skipped == ["报价审批"]
    assert [(m.stage, m.id) for m in d.missing] == [("报价审批", "quote_approval")]
    d = evaluate(
        P,
        "方案演示",
        "合同审批中",
        [*own, Ev(2, "quote_approval", "screenshot")],
        ["tech_lead_attended", "quote_sent"],
    )
    assert d.ok and d.checked_stages == ["方案演示", "报价审批"]


def test_backwards_needs_a_reason_and_nothing_else() -> None:
    assert not evaluate(P, "报价审批", "需求分析", [], []).ok
    assert evaluate(P, "报价审批", "需求分析", [], [], reason="客户需求变更,重新确认").direction == "backward"
    assert evaluate(P, "报价审批", "需求分析", [], [], reason="客户需求变更").ok


def test_won_needs_receipt_invoice_and_payment() -> None:
    offered = [Ev(1, "signed_contract", "pdf"), Ev(2, "bank_receipt", "screenshot")]
    ticks = ["invoice_issued", "receipt_matches_invoice"]
    d = evaluate(P, "法务签署完成", "首笔回款到账", offered, ticks)
    assert {m.id for m in d.missing} == {"invoice_pdf", "payment"}
    offered.append(Ev(3, "invoice_pdf", "pdf"))
    d = evaluate(
        P,
        "法务签署完成",
        "首笔回款到账",
        offered,
        ticks,
        payment=PaymentIn(paid_on=date(2026, 11, 2), amount=1),
    )
    assert d.ok and d.evidence_ids == [1, 2, 3]
