"""What the customer's contracts hold that a rep must know before a visit: the clauses the
contract review flagged and legal has not dismissed (a 150-day payment term under negotiation).

They join the brief's "from calls and contracts" section as findings like the index's spans,
each citing its clause (page, file, verbatim quote) and linking to the contract. Unlike the
index's spans they need no topic: a flagged clause matters whatever the signals say. Visibility
is the contracts' own (`copilot.auth.contract_scope`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.auth import Caller, contract_scope
from copilot.db.schema import ContractFlagRow, ContractRow
from copilot.models import EvidenceRef
from services.indexed_material import Finding

MAX_POINTS = 3
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
LIVE_FLAGS = ("open", "accepted")  # dismissed flags were judged acceptable by legal
_STATUS = {
    "zh": {"open": "待法务审核", "accepted": "法务要求谈判"},
    "en": {"open": "awaiting legal", "accepted": "legal: must be negotiated"},
}


def contract_findings(session: Session, caller: Caller, customer_id: int, lang: str) -> list[Finding]:
    """The customer's most severe live contract flags (at most MAX_POINTS), newest contract first."""
    rows = session.execute(
        select(ContractFlagRow, ContractRow)
        .join(ContractRow, ContractRow.id == ContractFlagRow.contract_id)
        .where(
            ContractRow.customer_id == customer_id,
            ContractFlagRow.status.in_(LIVE_FLAGS),
            contract_scope(caller),
        )
        .order_by(ContractRow.created_at.desc(), ContractFlagRow.id)
    ).all()
    rows = sorted(rows, key=lambda r: SEVERITY_ORDER.get(r[0].severity, 3))[:MAX_POINTS]
    return [_finding(flag, contract, lang) for flag, contract in rows]


def _finding(flag: ContractFlagRow, contract: ContractRow, lang: str) -> Finding:
    data = flag.data or {}
    title = str(data.get("title") or flag.category)
    status = _STATUS.get(lang, _STATUS["en"]).get(flag.status, flag.status)
    clause = (
        f"第{flag.clause}条"
        if lang == "zh" and flag.clause
        else (f"clause {flag.clause}" if flag.clause else "")
    )
    explanation = " ".join(str(data.get("explanation") or "").split())
    if lang == "zh":
        text = f"合同《{contract.title}》{clause}：{explanation or title}（{status}）"
    else:
        text = f"Contract “{contract.title}” {clause}: {explanation or title} ({status})"
    return Finding(
        topic=flag.category,
        topic_label=title,
        kind="contract",
        title=contract.title,
        text=text,
        how=f"contract review, {flag.severity} ({data.get('rule') or 'playbook'})",
        evidence=[_evidence(flag, contract, data)],
    )


def _evidence(flag: ContractFlagRow, contract: ContractRow, data: dict) -> EvidenceRef:
    cited = (data.get("evidence") or [{}])[0]
    return EvidenceRef(
        kind="clause",
        id=str(cited.get("id") or f"{contract.file_name}#{flag.clause or 'preamble'}"),
        source="contract",
        url=f"/app/contracts/{contract.id}",
        file=contract.file_name,
        occurred_at=contract.created_at,
        quote=flag.quote,
        start=cited.get("start"),
        end=cited.get("end"),
        page=flag.page,
    )
