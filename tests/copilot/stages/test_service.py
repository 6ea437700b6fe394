"""Advancing through the API: 422 lists exactly what is missing, uploads survive a rejected
advance (and count next time), skips, backward moves, won via finance, lost, history + audit."""

from __future__ import annotations

from sqlalchemy import select

from copilot.db.schema import AuditRow, OpportunityRow, StageEvidenceRow, StageHistoryRow, StagePaymentRow
from copilot.stages.evidence import path_for
from tests.copilot.stages.conftest import pdf

FIRST = {"evidence.first_contact_record": "3月2日电话沟通,对接人李总", "checklist": "contact_identified"}


def test_missing_evidence_is_a_422_listing_exactly_what_is_missing(world) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    r = world.advance(opp, "需求分析")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "gate_not_satisfied"
    assert [(m["problem"], m["stage"], m["id"]) for m in error["details"]["missing"]] == [
        ("missing_evidence", "初步接触", "first_contact_record"),
        ("unchecked", "初步接触", "contact_identified"),
    ]
    assert "首次沟通记录" in error["message"]
    r = world.advance(opp, "需求分析", data=FIRST)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "applied" and r.json()["stage"] == "需求分析"


def test_nothing_uploaded_is_lost_on_a_rejected_advance(world, context) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    world.advance(opp, "需求分析", data=FIRST)
    content = b"%PDF-1.4 signed requirements " + bytes(range(256))
    # the PDF is right, the checklist is not: rejected
    r = world.advance(
        opp,
        "方案演示",
        files=[("evidence.requirements_confirmation", ("需求确认书.pdf", content, "application/pdf"))],
    )
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert {m["id"] for m in details["missing"]} == {"budget_confirmed", "decision_maker_known"}
    [stored] = details["stored_evidence"]
    assert stored["file_name"] == "需求确认书.pdf" and stored["attached"] is False
    assert path_for(context.settings, stored["sha256"]).read_bytes() == content
    with context.db.read() as session:
        row = session.get(StageEvidenceRow, stored["id"])
        assert row is not None and row.size == len(content)
    # the next attempt sends only the checklist: the stored PDF counts, and is now attached
    r = world.advance(opp, "方案演示", data={"checklist": "budget_confirmed,decision_maker_known"})
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["evidence_ids"] == [stored["id"]]
    with context.db.read() as session:
        assert session.get(StageEvidenceRow, stored["id"]).attached is True
    got = world.client.get(f"/stages/evidence/{stored['id']}/file", headers=world.org.headers("east.rep"))
    assert got.status_code == 200 and got.content == content


def test_unknown_requirement_or_file_type_is_refused_naming_it(world) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    r = world.advance(opp, "需求分析", data={"evidence.coffee": "x"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "evidence.coffee"
    r = world.advance(
        opp,
        "需求分析",
        files=[("evidence.first_contact_record", ("a.exe", b"MZ", "application/octet-stream"))],
    )
    assert r.status_code == 422 and "a.exe" in r.json()["error"]["message"]
    r = world.advance(opp, "不存在的阶段", data=FIRST)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "to_stage"
    assert r.json()["error"]["details"]["stored_evidence"]  # kept even so


def test_skip_needs_skipped_evidence_and_is_recorded(world, context) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    r = world.advance(opp, "方案演示", data=FIRST)
    assert r.status_code == 422
    assert [m["id"] for m in r.json()["error"]["details"]["missing"]] == [
        "requirements_confirmation",
        "budget_confirmed",
        "decision_maker_known",
    ]
    assert r.json()["error"]["details"]["skipped"] == ["需求分析"]
    r = world.advance(
        opp,
        "方案演示",
        data={"checklist": ["contact_identified", "budget_confirmed", "decision_maker_known"]},
        files=[("evidence.requirements_confirmation", pdf())],
    )
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["skipped"] == ["需求分析"]
    with context.db.read() as session:
        last = session.scalars(
            select(StageHistoryRow)
            .where(StageHistoryRow.opportunity_id == opp)
            .order_by(StageHistoryRow.id.desc())
        ).first()
        assert last.from_stage == "初步接触" and last.to_stage == "方案演示"
        assert "skipped with evidence: 需求分析" in last.reason
        kinds = sorted(e["type"] for e in last.evidence)
        assert kinds == ["checklist", "checklist", "checklist", "evidence", "evidence"]
        audit = session.scalars(
            select(AuditRow).where(AuditRow.entity == "opportunity", AuditRow.action == "stage.forward")
        ).all()
        assert audit[-1].after["stage"] == "方案演示" and audit[-1].after["skipped"] == ["需求分析"]


def test_backwards_needs_a_reason(world, context) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    world.advance(opp, "需求分析", data=FIRST)
    r = world.advance(opp, "初步接触")
    assert r.status_code == 422 and r.json()["error"]["details"]["missing"][0]["problem"] == "reason_required"
    r = world.advance(opp, "初步接触", data={"reason": "对接人离职,重新建立联系"})
    assert r.status_code == 200 and r.json()["decision"]["direction"] == "backward"
    with context.db.read() as session:
        assert session.get(OpportunityRow, opp).stage == "初步接触"
        assert (
            session.scalars(select(AuditRow.action).where(AuditRow.entity_id == str(opp))).all()[-1]
            == "stage.backward"
        )


def test_an_opportunity_cannot_be_created_in_an_unknown_stage(world) -> None:  # type: ignore[no-untyped-def]
    r = world.client.post(
        "/opportunities",
        json={
            "customer_id": world.customer_id,
            "name": "x",
            "stage": "已签约",
            "owner_id": world.org.ids["east.rep"],
        },
        headers=world.org.headers("admin"),
    )
    assert r.status_code == 422
    assert (
        r.json()["error"]["details"]["field"] == "stage"
        and "初步接触" in r.json()["error"]["details"]["allowed"]
    )


def test_generic_patch_cannot_move_the_stage(world) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    r = world.client.patch(
        f"/opportunities/{opp}", json={"stage": "首笔回款到账"}, headers=world.org.headers("admin")
    )
    assert r.status_code == 422 or r.json()["stage"] == "初步接触"


def _to_legal_signed(world, opp: int) -> None:  # type: ignore[no-untyped-def]
    r = world.advance(
        opp,
        "法务签署完成",
        data={
            **FIRST,
            "checklist": "contact_identified,budget_confirmed,decision_maker_known,tech_lead_attended,quote_sent,contract_number",
            "evidence.demo_feedback": "x",
        },
        files=[
            ("evidence.requirements_confirmation", pdf("r.pdf", "r")),
            ("evidence.quote_approval", pdf("q.pdf", "q")),
            ("evidence.contract_approval", pdf("c.pdf", "c")),
        ],
    )
    # a text note is not an accepted kind for demo feedback (email/form/screenshot)
    assert r.status_code == 422 and [m["id"] for m in r.json()["error"]["details"]["missing"]] == [
        "demo_feedback"
    ]
    r = world.advance(
        opp,
        "法务签署完成",
        data={
            "checklist": "contact_identified,budget_confirmed,decision_maker_known,tech_lead_attended,quote_sent,contract_number"
        },
        files=[("evidence.demo_feedback", ("feedback.eml", b"Subject: ok\n\nfine", "message/rfc822"))],
    )
    assert r.status_code == 200, r.text


def test_won_is_held_for_finance_then_confirmed_with_payment(world, context) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    _to_legal_signed(world, opp)
    won = {
        "checklist": "invoice_issued,receipt_matches_invoice",
        "paid_on": "2026-11-02",
        "paid_amount": "150000",
    }
    files = [
        ("evidence.signed_contract", pdf("合同.pdf", "contract")),
        ("evidence.bank_receipt", ("回单.png", b"\x89PNG fake", "image/png")),
        ("evidence.invoice_pdf", pdf("发票.pdf", "invoice")),
    ]
    r = world.advance(
        opp, "首笔回款到账", data={k: v for k, v in won.items() if not k.startswith("paid")}, files=files
    )
    assert (
        r.status_code == 422 and r.json()["error"]["details"]["missing"][0]["problem"] == "payment_required"
    )
    r = world.advance(opp, "首笔回款到账", data=won)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["outcome"] == "held"
        and body["hold"]["kind"] == "finance_confirmation"
        and body["stage"] == "法务签署完成"
    )
    hold_id = body["hold"]["id"]
    # nothing moves meanwhile; the rep cannot confirm, finance can
    assert world.advance(opp, "初步接触", data={"reason": "x"}).status_code == 409
    assert world.client.post(
        f"/stages/holds/{hold_id}/confirm", headers=world.org.headers("east.rep")
    ).status_code in (403, 404)
    todo = world.client.get("/me/todo", headers=world.org.headers("finance")).json()
    assert [t["kind"] for t in todo] == ["stage_confirmation"]
    r = world.client.post(
        f"/stages/holds/{hold_id}/confirm", json={"note": "回单已核对"}, headers=world.org.headers("finance")
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    with context.db.read() as session:
        row = session.get(OpportunityRow, opp)
        assert (row.stage, row.status) == ("首笔回款到账", "won")
        payment = session.scalar(select(StagePaymentRow).where(StagePaymentRow.opportunity_id == opp))
        assert str(payment.paid_on) == "2026-11-02" and payment.amount == 150000
        assert payment.confirmed_by == world.org.ids["finance"] and len(payment.evidence_ids) == 3
    fc = world.client.get("/forecast", headers=world.org.headers("admin")).json()
    assert fc["confirmed_revenue"] == 150000 and fc["confirmed_by_month"] == [
        {"month": "2026-11", "amount": 150000, "count": 1}
    ]
    assert fc["won_unconfirmed_count"] == 0
    history = world.client.get(f"/opportunities/{opp}/stages", headers=world.org.headers("east.rep")).json()
    assert history["payment"]["amount"] == 150000 and history["history"][-1]["to_stage"] == "首笔回款到账"


def test_lost_needs_a_library_reason(world, context) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    h = world.org.headers("east.rep")
    r = world.client.post(f"/opportunities/{opp}/lose", json={"reason": "就是不想要了"}, headers=h)
    assert r.status_code == 422 and "chose_competitor" in r.json()["error"]["details"]["allowed"]
    r = world.client.post(
        f"/opportunities/{opp}/lose", json={"reason": "chose_competitor", "note": "选了西门子"}, headers=h
    )
    assert r.status_code == 200 and r.json()["lost_reason"] == "选择竞品"
    assert world.advance(opp, "需求分析", data=FIRST).status_code == 409


def test_other_reps_cannot_see_or_move(world) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    assert world.advance(opp, "需求分析", login="na.rep", data=FIRST).status_code == 404
    assert world.advance(opp, "需求分析", login="legal", data=FIRST).status_code == 404
    assert world.advance(opp, "需求分析", login="finance", data=FIRST).status_code == 403


def test_advance_on_both_databases(any_world, any_context) -> None:  # type: ignore[no-untyped-def]
    opp = any_world.opportunity()
    assert any_world.advance(opp, "需求分析").status_code == 422
    r = any_world.advance(opp, "需求分析", data=FIRST)
    assert r.status_code == 200, r.text
    with any_context.db.read() as session:
        assert session.get(OpportunityRow, opp).stage == "需求分析"


def test_gate_preview_counts_what_was_already_offered(world) -> None:  # type: ignore[no-untyped-def]
    opp = world.opportunity()
    h = world.org.headers("east.rep")
    preview = world.client.get(
        f"/opportunities/{opp}/gate", params={"to_stage": "需求分析"}, headers=h
    ).json()
    assert not preview["ok"] and [m["id"] for m in preview["missing"]] == [
        "first_contact_record",
        "contact_identified",
    ]
    world.advance(opp, "需求分析", data={"evidence.first_contact_record": "电话"})  # refused: checklist
    preview = world.client.get(
        f"/opportunities/{opp}/gate",
        params={"to_stage": "需求分析", "checklist": "contact_identified"},
        headers=h,
    ).json()
    assert preview["ok"] and len(preview["evidence_ids"]) == 1
