"""Demo step: 20 contract PDFs (zh and en) written in code, uploaded for demo customers and reviewed.

Runs inside `copilot demo load` (so `make run` leaves legal's queue with work): each contract is
composed from the labelled clause library with the demo seed, rendered to PDF, uploaded by the
customer's owner, reviewed with the active playbook, and its clauses indexed for search. Two are
moved along the status flow so the queue shows more than one state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from copilot.auth import caller_from_row, system_caller
from copilot.contracts.documents import ContractSource, render_pdf
from copilot.contracts.samples import compose
from copilot.db.schema import CustomerRow, UserRow

DEMO_CONTRACTS = 20


def load_contracts(context: Any, state: Any) -> dict[str, Any]:
    from services import contract_queue

    samples = compose(zh_count=14, en_count=6, seed=state.seed + 7)
    flags = 0
    ids: list[int] = []
    with context.db.transaction() as session:
        customers = session.scalars(select(CustomerRow).where(CustomerRow.id.in_(state.customers[:60]))).all()
        owners = {u.id: u for u in session.scalars(select(UserRow))}
        for i, sample in enumerate(samples[:DEMO_CONTRACTS]):
            customer = customers[(i * 3) % len(customers)] if customers else None
            owner = owners.get(customer.owner_id) if customer and customer.owner_id else None
            caller = caller_from_row(owner) if owner is not None and owner.role == "rep" else system_caller()
            source = ContractSource.model_validate(sample["source"])
            if customer is not None and sample["lang"] == "zh":
                source.preamble[0] = f"甲方（买方）：{customer.name}"
            data = render_pdf(source)
            name = f"{sample['source']['reference']}.pdf"
            view = contract_queue.submit_contract(
                session, context.settings, caller, data, name,
                customer_id=customer.id if customer else None, title=f"{source.title} {sample['source']['reference']}",
            )  # fmt: skip
            ids.append(view["id"])
            flags += len(contract_queue.contract_view(session, system_caller(), view["id"]).get("flags", []))
        legal = next((u for u in owners.values() if u.role == "legal"), None)
        if legal is not None and len(ids) >= 2:
            lawyer = caller_from_row(legal)
            first = contract_queue.contract_view(session, lawyer, ids[0])
            if first["flags"]:
                contract_queue.act_on_flag(
                    session,
                    lawyer,
                    ids[0],
                    first["flags"][0]["id"],
                    "accept",
                    "must be negotiated: above our limit",
                )
            second = contract_queue.contract_view(session, lawyer, ids[1])
            if second["flags"]:
                contract_queue.act_on_flag(
                    session,
                    lawyer,
                    ids[1],
                    second["flags"][0]["id"],
                    "dismiss",
                    "accepted in the framework agreement with this customer",
                )
    state.facts["contracts"] = ids
    # indexed now rather than by the worker, so `make run` serves a demo whose clauses are searchable
    from copilot.ingest.contracts import index_contracts
    from copilot.ingest.report import IngestReport

    indexed = IngestReport(kind="contracts")
    index_contracts(context, ids, indexed)
    return {"contracts": len(ids), "flags": flags, "clauses_indexed": indexed.chunks}
