"""The brief tells the rep what the customer's contracts hold: the clauses the review flagged and
legal has not dismissed, cited with page and file and linked to the contract, with no topic needed."""

from __future__ import annotations

from copilot.auth import caller_from_row, system_caller
from copilot.bootstrap import AppContext
from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from copilot.db.schema import UserRow
from copilot.models import CustomerIn
from copilot.records.service import create_record
from copilot.records.specs import CUSTOMERS
from services import contract_queue
from services.brief import build_brief
from services.brief_markdown import render_markdown

PAYMENT = "买方应在验收合格后150日内支付全部货款。"


def _customer_with_contract(ctx: AppContext, org) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as session:
        owner = caller_from_row(session.get(UserRow, org.ids["east.rep"]))
        customer = create_record(
            session, system_caller(), CUSTOMERS,
            CustomerIn(name="华东精密制造有限公司", city="上海市", owner_id=org.ids["east.rep"]),
        )  # fmt: skip
        source = ContractSource(
            title="设备采购合同",
            clauses=[
                SourceClause(heading="第一条 付款", paragraphs=[PAYMENT]),
                SourceClause(heading="第二条 质量保证", paragraphs=["设备质保期为十二个月。"]),
            ],
        )
        uploaded = contract_queue.submit_contract(
            session, ctx.settings, owner, render_pdf(source), "HT-TEST-001.pdf", customer_id=customer.id
        )
        view = contract_queue.contract_view(session, system_caller(), uploaded["id"])  # reps see no flags
    return customer.id, view


def test_the_brief_cites_a_flagged_clause_of_the_customers_contract(context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    customer_id, view = _customer_with_contract(context, small_org)
    assert [f["category"] for f in view["flags"]] == ["payment_term_over_90_days"]
    with context.db.read() as session:
        rep = caller_from_row(session.get(UserRow, small_org.ids["east.rep"]))
    brief = build_brief(context, rep, customer_id, mode="offline", record=False)
    finding = brief.from_calls_and_contracts[0]  # no signals, so no topics: the flag still shows
    assert finding.kind == "contract" and "《HT-TEST-001》" in finding.text and "150" in finding.text
    ref = finding.evidence[0]
    assert (ref.kind, ref.file, ref.page, ref.url) == (
        "clause",
        "HT-TEST-001.pdf",
        1,
        f"/app/contracts/{view['id']}",
    )
    assert "150日" in ref.quote and ref.quote in PAYMENT
    assert brief.generation["index"]["contract_flags"] == 1
    assert "150日" in render_markdown(brief)


def test_a_dismissed_flag_leaves_the_brief(context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    customer_id, view = _customer_with_contract(context, small_org)
    with context.db.transaction() as session:
        legal = caller_from_row(session.get(UserRow, small_org.ids["legal"]))
        contract_queue.act_on_flag(
            session, legal, view["id"], view["flags"][0]["id"], "dismiss", "agreed in the framework contract"
        )
    brief = build_brief(context, system_caller(), customer_id, mode="offline", record=False)
    assert [f for f in brief.from_calls_and_contracts if f.kind == "contract"] == []
    assert brief.generation["index"]["contract_flags"] == 0
