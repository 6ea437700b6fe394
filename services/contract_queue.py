"""Contracts in the store: upload and review, legal's queue, flag decisions, status flow, playbooks.

Every writer (API, CLI, demo, worker) goes through these functions, so the rules hold for all
of them: who may see and act, the status flow uploaded -> in_review -> negotiating ->
approved | rejected, a dismissal needs a reason, every action lands in the audit log in the
same transaction as the change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.auth import Caller, contract_scope, customer_scope
from copilot.clock import now
from copilot.config import Settings
from copilot.db import audit
from copilot.db.schema import ContractFlagRow, ContractPlaybookRow, ContractRow, CustomerRow, FlagActionRow
from copilot.errors import Conflict, Forbidden, InvalidInput, NotFound
from copilot.models import ContractStatus, Role
from services.contract_models import ContractReview
from services.contract_playbook import Playbook, default_playbook, parse_playbook
from services.generation import make_generator

ALLOWED_SUFFIXES = (".pdf", ".docx")
TRANSITIONS: dict[str, set[str]] = {
    "uploaded": {"in_review", "rejected"},
    "in_review": {"negotiating", "approved", "rejected"},
    "negotiating": {"in_review", "approved", "rejected"},
    "approved": {"in_review"},
    "rejected": {"in_review"},
}
FLAG_ACTIONS = ("accept", "dismiss", "comment", "reopen")
REVIEW_JOB = "contract_review"
# Scans with more pages than this are OCR'd by the worker rather than during the upload request
# (OCR costs ~10-60 s a page on a shared CPU).
OCR_INLINE_MAX_PAGES = 30


# --- playbooks ----------------------------------------------------------------------------------


def active_playbook(session: Session) -> Playbook:
    """The newest published playbook, or the shipped file when none was published."""
    row = session.scalars(
        select(ContractPlaybookRow).order_by(ContractPlaybookRow.version.desc()).limit(1)
    ).first()
    if row is None:
        return default_playbook()
    return _parsed(row.version, row.body)


_PARSED: dict[tuple[int, str], Playbook] = {}


def _parsed(version: int, body: str) -> Playbook:
    key = (version, hashlib.sha1(body.encode()).hexdigest())
    if key not in _PARSED:
        playbook = parse_playbook(body)
        _PARSED[key] = playbook.model_copy(update={"version": version})
    return _PARSED[key]


def publish_playbook(session: Session, caller: Caller, body: str) -> Playbook:
    """Validate and store a new playbook version (admin); its version is the next number."""
    caller.require(Role.admin)
    playbook = parse_playbook(body)
    latest = session.scalar(select(func.max(ContractPlaybookRow.version)))
    version = max(latest or 0, default_playbook().version) + 1
    session.add(ContractPlaybookRow(version=version, body=body, created_by=caller.id or None))
    audit.record(
        session,
        actor_id=caller.id or None,
        action="contract.playbook.publish",
        entity="contract_playbook",
        entity_id=version,
        after={"version": version, "name": playbook.name},
    )
    return playbook.model_copy(update={"version": version})


def playbook_versions(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(ContractPlaybookRow).order_by(ContractPlaybookRow.version)).all()
    base = [{"version": default_playbook().version, "source": "file", "created_at": None}]
    return base + [
        {"version": r.version, "source": "published", "created_at": r.created_at, "created_by": r.created_by}
        for r in rows
    ]


# --- upload and review --------------------------------------------------------------------------


def _customer_visible(session: Session, caller: Caller, customer_id: int) -> CustomerRow:
    row = session.scalars(
        select(CustomerRow).where(CustomerRow.id == customer_id, customer_scope(caller))
    ).first()
    if row is None:
        exists = session.get(CustomerRow, customer_id) is not None
        if exists:
            raise Forbidden(f"customer {customer_id} is not one of yours", details={"field": "customer_id"})
        raise NotFound(f"customer {customer_id} does not exist", details={"field": "customer_id"})
    return row


def store_file(settings: Settings, data: bytes, file_name: str) -> tuple[Path, str]:
    """Keep the upload under <data_dir>/uploads/contracts/<sha256><suffix> (same file stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    directory = settings.uploads_dir / "contracts"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest}{Path(file_name).suffix.lower()}"
    if not path.exists():
        path.write_bytes(data)
    return path, digest


def submit_contract(
    session: Session,
    settings: Settings,
    caller: Caller,
    data: bytes,
    file_name: str,
    *,
    customer_id: int | None = None,
    opportunity_id: int | None = None,
    title: str | None = None,
    password: str | None = None,
    ocr_inline_max_pages: int = OCR_INLINE_MAX_PAGES,
    embedder: Any = None,
) -> dict[str, Any]:
    """Accept an upload, keep the file, review it (or queue OCR for a long scan), create its flags.

    Bad files raise InvalidInput naming the reason and are not stored. A scanned PDF with more
    pages than `ocr_inline_max_pages` is stored with status `uploaded` and reviewed by the worker.
    """
    from extractors.documents import read_document

    if caller.role not in (Role.rep, Role.manager, Role.legal, Role.admin):
        raise Forbidden("only reps, managers, legal and admins upload contracts")
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise InvalidInput(
            f"{file_name or 'the upload'} is not a PDF or DOCX file",
            details={"field": "file", "reason": "unsupported_type"},
        )
    if customer_id is not None:
        _customer_visible(session, caller, customer_id)
    elif caller.role == Role.rep:
        raise InvalidInput("a rep's contract must name its customer", details={"field": "customer_id"})
    doc = read_document(data, password=password, name=file_name, ocr=False)
    scanned = len(doc.scanned_pages)
    queued = scanned > ocr_inline_max_pages
    review = playbook = None
    if not queued:
        # OCR and the review (which may ask an LLM) come before the first write: on SQLite the
        # write lock is taken by the first INSERT and held to commit, and nobody else may write
        # while a model thinks
        if scanned:
            from extractors.ocr import ocr_document

            doc = ocr_document(doc, data, password=password)
        review, playbook = review_contract(session, doc, llm=make_generator(settings), embedder=embedder)
    path, digest = store_file(settings, data, file_name)
    row = ContractRow(
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        title=(title or Path(file_name).stem)[:300],
        file_name=file_name[:300],
        file_path=str(path),
        file_sha256=digest,
        status=ContractStatus.uploaded.value,
        uploaded_by=caller.id or None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=caller.id or None,
        action="contract.upload",
        entity="contract",
        entity_id=row.id,
        after={"file_name": file_name, "sha256": digest, "pages": doc.page_count},
    )
    if queued:
        from copilot.worker import enqueue

        row.review = {
            "status": "queued_for_ocr",
            "message": f"scanned document with {scanned} pages without a text layer; OCR runs in the background (copilot worker)",
        }
        enqueue(
            session,
            REVIEW_JOB,
            {"contract_id": row.id, "password": bool(password)},
            dedupe_key=f"contract:{row.id}",
        )
        return contract_view(session, caller, row.id)
    assert review is not None and playbook is not None
    store_review(session, caller, row, review, playbook)
    return contract_view(session, caller, row.id)


def review_contract(
    session: Session, doc: Any, *, llm: Any = "offline", embedder: Any = None
) -> tuple[ContractReview, Playbook]:
    """Review a document with the active playbook. Reads only, and may take seconds (an LLM's
    second opinion): callers run it before they write, so no write lock is held meanwhile."""
    from services.contract_review import review_document

    playbook = active_playbook(session)
    review = review_document(doc, playbook, llm=llm, embedder=embedder() if callable(embedder) else embedder)
    return review, playbook


def store_review(
    session: Session, caller: Caller, row: ContractRow, review: ContractReview, playbook: Playbook
) -> None:
    """Keep a review on its contract: replace the open flags, keep legal's decisions, audit it,
    and queue its clauses for the search index (the brief and `copilot search` cite them)."""
    from copilot.ingest.jobs import INDEX_JOB
    from copilot.worker import enqueue

    row.review = review.model_dump(mode="json")
    decided = {
        f.flag_id
        for f in session.scalars(
            select(ContractFlagRow).where(
                ContractFlagRow.contract_id == row.id, ContractFlagRow.status != "open"
            )
        )
    }
    for old in session.scalars(
        select(ContractFlagRow).where(ContractFlagRow.contract_id == row.id, ContractFlagRow.status == "open")
    ):
        session.delete(old)
    session.flush()
    for flag in review.flags:
        if flag.id in decided:
            continue
        session.add(
            ContractFlagRow(
                contract_id=row.id,
                flag_id=flag.id,
                category=flag.category,
                severity=flag.severity,
                clause=flag.clause,
                page=flag.page,
                quote=flag.quote,
                playbook_version=flag.playbook_version,
                data=flag.model_dump(mode="json"),
                status="open",
            )
        )
    if row.status == ContractStatus.uploaded.value:
        row.status = ContractStatus.in_review.value
    audit.record(
        session,
        actor_id=caller.id or None,
        action="contract.review",
        entity="contract",
        entity_id=row.id,
        after={
            "flags": len(review.flags),
            "missing": [m.category for m in review.missing],
            "playbook_version": playbook.version,
            "status": row.status,
        },
    )
    enqueue(session, INDEX_JOB, {"contracts": [row.id]})
    session.flush()


def run_review_job(context: Any, payload: dict[str, Any], progress: Any = None) -> dict[str, Any]:
    """Worker handler: OCR and review a stored scan (queued by `submit_contract`).

    Passwords are never stored, so an encrypted long scan cannot be OCR'd here; the job says so.
    """
    from copilot.auth import system_caller
    from extractors.documents import read_document

    contract_id = int(payload["contract_id"])
    with context.db.read() as session:
        row = session.get(ContractRow, contract_id)
        if row is None or not row.file_path:
            return {"skipped": "contract or its file is gone"}
        file_path, file_name = Path(row.file_path), row.file_name or "contract.pdf"
        doc = read_document(file_path, name=file_name)  # OCR: minutes for a long scan, no lock held
        review, playbook = review_contract(session, doc, llm=make_generator(context.settings))
    with context.db.transaction() as session:
        row = session.get(ContractRow, contract_id)
        if row is None:
            return {"skipped": "contract deleted while it was reviewed"}
        store_review(session, system_caller(), row, review, playbook)
        return {"contract_id": row.id, "flags": len(review.flags), "missing": len(review.missing)}


def register(context: Any) -> None:
    from copilot.worker import register_job

    register_job(REVIEW_JOB, run_review_job)


# --- reading --------------------------------------------------------------------------------------


def _contract(session: Session, caller: Caller, contract_id: int) -> ContractRow:
    row = session.scalars(
        select(ContractRow).where(ContractRow.id == contract_id, contract_scope(caller))
    ).first()
    if row is None:
        if session.get(ContractRow, contract_id) is not None:
            raise Forbidden(
                f"contract {contract_id} belongs to a customer you do not see",
                details={"field": "contract_id"},
            )
        raise NotFound(f"contract {contract_id} does not exist", details={"field": "contract_id"})
    return row


def _flags(session: Session, contract_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ContractFlagRow)
        .where(ContractFlagRow.contract_id == contract_id)
        .order_by(ContractFlagRow.page, ContractFlagRow.id)
    ).all()
    actions: dict[int, list[dict[str, Any]]] = {}
    for a in session.scalars(
        select(FlagActionRow).where(FlagActionRow.contract_id == contract_id).order_by(FlagActionRow.id)
    ):
        actions.setdefault(a.flag_pk, []).append(
            {"action": a.action, "text": a.text, "actor_id": a.actor_id, "at": a.created_at.isoformat()}
        )
    return [
        {
            **r.data,
            "status": r.status,
            "reason": r.reason,
            "decided_by": r.decided_by,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "history": actions.get(r.id, []),
        }
        for r in rows
    ]


def contract_view(session: Session, caller: Caller, contract_id: int) -> dict[str, Any]:
    """The contract and its review. Reps see where their contract stands, not legal's flags."""
    row = _contract(session, caller, contract_id)
    review = row.review or {}
    counts = (review.get("summary") or {}).get("counts", {})
    base = {
        "id": row.id,
        "title": row.title,
        "file_name": row.file_name,
        "customer_id": row.customer_id,
        "opportunity_id": row.opportunity_id,
        "status": row.status,
        "uploaded_by": row.uploaded_by,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "review_status": review.get("status", "reviewed" if "flags" in review else "pending"),
        "counts": counts,
    }
    if caller.role not in (Role.legal, Role.admin):
        return base
    flags = _flags(session, row.id)
    return {
        **base,
        "message": review.get("message"),
        "source": review.get("source"),
        "notice": review.get("notice"),
        "playbook_version": review.get("playbook_version"),
        "flags": flags,
        "missing": review.get("missing", []),
        "summary": review.get("summary", {}),
        "second_opinion": review.get("second_opinion"),
        "open_flags": sum(1 for f in flags if f["status"] == "open"),
    }


def list_contracts(session: Session, caller: Caller) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ContractRow).where(contract_scope(caller)).order_by(ContractRow.id.desc())
    ).all()
    out = []
    for r in rows:
        counts = ((r.review or {}).get("summary") or {}).get("counts", {})
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "customer_id": r.customer_id,
                "status": r.status,
                "counts": counts,
                "created_at": r.created_at.isoformat(),
            }
        )
    return out


def review_queue(session: Session, caller: Caller) -> list[dict[str, Any]]:
    """Legal's work: contracts not yet approved or rejected, most high-severity open flags first."""
    caller.require(Role.legal, Role.admin)
    rows = session.scalars(
        select(ContractRow).where(ContractRow.status.in_(["uploaded", "in_review", "negotiating"]))
    ).all()
    open_counts: dict[int, dict[str, int]] = {}
    for cid, severity, n in session.execute(
        select(ContractFlagRow.contract_id, ContractFlagRow.severity, func.count())
        .where(ContractFlagRow.status == "open")
        .group_by(ContractFlagRow.contract_id, ContractFlagRow.severity)
    ):
        open_counts.setdefault(cid, {})[severity] = n
    customers = {
        c.id: c.name
        for c in session.scalars(
            select(CustomerRow).where(CustomerRow.id.in_([r.customer_id for r in rows if r.customer_id]))
        )
    }
    items = []
    for r in rows:
        oc = open_counts.get(r.id, {})
        review = r.review or {}
        items.append(
            {
                "id": r.id,
                "title": r.title,
                "customer_id": r.customer_id,
                "customer": customers.get(r.customer_id),
                "status": r.status,
                "review_status": review.get("status", "reviewed" if "flags" in review else "pending"),
                "open_flags": {s: oc.get(s, 0) for s in ("high", "medium", "low")},
                "missing": len(review.get("missing", [])),
                "created_at": r.created_at.isoformat(),
            }
        )
    items.sort(key=lambda i: (-i["open_flags"]["high"], -sum(i["open_flags"].values()), i["created_at"]))
    return items


# --- legal's actions ------------------------------------------------------------------------------


def act_on_flag(
    session: Session, caller: Caller, contract_id: int, flag_id: str, action: str, text: str = ""
) -> dict[str, Any]:
    """accept (must be negotiated) / dismiss (reason required) / comment / reopen, audited."""
    caller.require(Role.legal, Role.admin)
    if action not in FLAG_ACTIONS:
        raise InvalidInput(
            f"unknown action {action!r}; one of {', '.join(FLAG_ACTIONS)}", details={"field": "action"}
        )
    row = _contract(session, caller, contract_id)
    flag = session.scalars(
        select(ContractFlagRow).where(
            ContractFlagRow.contract_id == row.id, ContractFlagRow.flag_id == flag_id
        )
    ).first()
    if flag is None:
        raise NotFound(f"contract {contract_id} has no flag {flag_id}", details={"field": "flag_id"})
    text = (text or "").strip()
    if action == "dismiss" and not text:
        raise InvalidInput("dismissing a flag needs a reason", details={"field": "reason"})
    if action == "comment" and not text:
        raise InvalidInput("a comment needs text", details={"field": "text"})
    if row.status in ("approved", "rejected") and action != "comment":
        raise Conflict(
            f"contract {contract_id} is {row.status}; reopen it (status in_review) before changing flags",
            details={"field": "status"},
        )
    before = {"status": flag.status, "reason": flag.reason}
    if action == "accept":
        flag.status, flag.reason = "accepted", text or None
    elif action == "dismiss":
        flag.status, flag.reason = "dismissed", text
    elif action == "reopen":
        flag.status, flag.reason = "open", None
    if action != "comment":
        flag.decided_by, flag.decided_at = caller.id or None, now()
    session.add(
        FlagActionRow(
            flag_pk=flag.id, contract_id=row.id, actor_id=caller.id or None, action=action, text=text
        )
    )
    audit.record(
        session,
        actor_id=caller.id or None,
        action=f"contract.flag.{action}",
        entity="contract_flag",
        entity_id=f"{row.id}:{flag_id}",
        before=before,
        after={"status": flag.status, "reason": flag.reason, "text": text},
    )
    if action == "accept" and row.status == "in_review":
        _move(session, caller, row, "negotiating", reason=f"flag {flag_id} accepted: must be negotiated")
    session.flush()
    return next(f for f in _flags(session, row.id) if f["id"] == flag_id)


def _move(session: Session, caller: Caller, row: ContractRow, status: str, *, reason: str = "") -> None:
    if status not in TRANSITIONS.get(row.status, set()):
        raise Conflict(
            f"a contract that is {row.status} cannot become {status}; allowed: {', '.join(sorted(TRANSITIONS.get(row.status, set()))) or 'none'}",
            details={"field": "status", "from": row.status, "to": status},
        )
    before = row.status
    row.status = status
    audit.record(
        session,
        actor_id=caller.id or None,
        action="contract.status",
        entity="contract",
        entity_id=row.id,
        before={"status": before},
        after={"status": status, "reason": reason},
    )


def set_status(
    session: Session, caller: Caller, contract_id: int, status: str, reason: str = ""
) -> dict[str, Any]:
    """Move a contract along uploaded -> in_review -> negotiating -> approved | rejected."""
    caller.require(Role.legal, Role.admin)
    if status not in {s.value for s in ContractStatus}:
        raise InvalidInput(f"unknown status {status!r}", details={"field": "status"})
    row = _contract(session, caller, contract_id)
    if status == "approved":
        open_n = session.scalar(
            select(func.count())
            .select_from(ContractFlagRow)
            .where(ContractFlagRow.contract_id == row.id, ContractFlagRow.status == "open")
        )
        if open_n:
            raise Conflict(
                f"contract {contract_id} still has {open_n} open flags; accept or dismiss them first",
                details={"field": "status", "open_flags": open_n},
            )
    if status == "rejected" and not reason.strip():
        raise InvalidInput("rejecting a contract needs a reason", details={"field": "reason"})
    _move(session, caller, row, status, reason=reason)
    session.flush()
    return contract_view(session, caller, row.id)


def contract_file(session: Session, caller: Caller, contract_id: int) -> tuple[Path, str]:
    row = _contract(session, caller, contract_id)
    if caller.role not in (Role.legal, Role.admin):
        raise Forbidden("only legal and admins open contract files")
    if not row.file_path or not Path(row.file_path).exists():
        raise NotFound(f"the file of contract {contract_id} is not stored", details={"field": "file"})
    return Path(row.file_path), row.file_name or Path(row.file_path).name
