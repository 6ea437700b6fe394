"""Contract PDFs into the store and the index: one chunk per clause, with page and bbox.

Reading and clause segmentation are `extractors.pdf.read_pdf` and `extractors.clauses.segment_clauses`
(owned by the contract-review area); this module only stores the file, links the contract to a
customer (the given one, else a customer whose name appears on the first page) and indexes the
clauses so search and the brief can cite "第五条 付款方式, p. 3" with its position.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from copilot.bootstrap import AppContext
from copilot.db.schema import ContractRow, CustomerRow
from copilot.dedup.normalise import normalise_company_name
from copilot.errors import InvalidInput
from copilot.ingest.linking import CustomerLinker, CustomerRef
from copilot.ingest.report import IngestReport
from retrieval.chunking import Segment
from retrieval.index import IndexRecord

CONTRACT_SUFFIXES = {".pdf"}
MIN_NAME_KEY = 4  # shorter name keys match too much running text to link on


def contract_index_record(row: ContractRow, clauses: list, ref: CustomerRef | None) -> IndexRecord:
    segments = []
    for clause in clauses:
        box = clause.bboxes[0] if clause.bboxes else None
        heading = " ".join(part for part in (clause.label, clause.title) if part)
        segments.append(
            Segment(
                text=clause.text,
                page=clause.pages[0] if clause.pages else None,
                bbox=[round(float(v), 1) for v in box.bbox] if box else None,
                label=heading or None,
            )
        )
    return IndexRecord(
        doc_key=f"contract:{row.id}",
        kind="contract",
        source="contract",
        title=row.title,
        segments=segments,
        merge_segments=False,
        record_id=str(row.id),
        customer_id=row.customer_id,
        department_id=ref.department_id if ref else None,
        owner_id=ref.owner_id if ref else None,
        occurred_at=row.created_at,
        file=row.file_name,
    )


def _link_by_text(session, text: str) -> int | None:  # type: ignore[no-untyped-def]
    """A customer whose normalised name appears in the contract's first page; none when two do."""
    found: set[int] = set()
    folded = normalise_company_name(text[:3000]) if text else ""
    for cid, name in session.execute(
        select(CustomerRow.id, CustomerRow.name).where(CustomerRow.merged_into_id.is_(None))
    ):
        key = normalise_company_name(name)
        if len(key) >= MIN_NAME_KEY and key in folded:
            found.add(cid)
    return found.pop() if len(found) == 1 else None


def ingest_contract_files(
    context: AppContext,
    files: Iterable[tuple[str, bytes]],
    *,
    customer_id: int | None = None,
    password: str | None = None,
) -> IngestReport:
    """Each PDF: read, segment, store, index. Non-PDF, encrypted, empty or scanned files are rejected."""
    from copilot.ingest.service import _index
    from extractors.clauses import segment_clauses
    from extractors.pdf import read_pdf

    report = IngestReport(kind="contracts")
    to_index: list[tuple[int, list]] = []
    storage = context.settings.uploads_dir / "contracts"
    for name, data in files:
        report.files += 1
        short = Path(name).name
        try:
            doc = read_pdf(data, password, name=short)
        except InvalidInput as exc:
            report.reject(name, exc.message)
            continue
        if doc.scanned and not doc.approximate_positions:
            report.reject(
                name,
                f"{short} is a scanned PDF without a text layer (pages {doc.scanned_pages}); it needs OCR",
            )
            continue
        clauses = [c for c in segment_clauses(doc) if c.text.strip()]
        if not clauses:
            report.reject(name, f"{short} has no text to index")
            continue
        sha = hashlib.sha256(data).hexdigest()
        title = next((line.text.strip() for line in doc.lines() if line.text.strip()), short)[:300]
        with context.db.transaction() as session:
            row = session.scalar(select(ContractRow).where(ContractRow.file_sha256 == sha))
            if row is not None:
                report.unchanged += 1
                to_index.append((row.id, clauses))
                report.linked += row.customer_id is not None
                continue
            cid = (
                customer_id
                if customer_id is not None
                else _link_by_text(session, doc.pages[0].text if doc.pages else "")
            )
            row = session.scalar(
                select(ContractRow).where(ContractRow.file_name == short, ContractRow.customer_id == cid)
            )
            if row is None:
                row = ContractRow(title=title, file_name=short, customer_id=cid, status="uploaded")
                session.add(row)
                report.new += 1
            else:
                report.replaced += 1
            storage.mkdir(parents=True, exist_ok=True)
            target = storage / f"{sha}.pdf"
            target.write_bytes(data)
            row.title, row.file_path, row.file_sha256 = title, str(target), sha
            session.flush()
            report.linked += cid is not None
            to_index.append((row.id, clauses))
    if to_index:
        with context.db.read() as session:
            linker = CustomerLinker(session)
            records = []
            for contract_id, clauses in to_index:
                row = session.get(ContractRow, contract_id)
                records.append(contract_index_record(row, clauses, linker.by_id.get(row.customer_id or -1)))
        _index(context, records, report, {"contracts": [c for c, _ in to_index]}, None)
    return report


def index_contracts(context: AppContext, ids: list[int], report: IngestReport) -> None:
    """Re-index stored contracts from their files (the worker, after a deferred ingest)."""
    from copilot.ingest.service import _index
    from extractors.clauses import segment_clauses
    from extractors.pdf import read_pdf

    with context.db.read() as session:
        linker = CustomerLinker(session)
        records = []
        for row in session.scalars(select(ContractRow).where(ContractRow.id.in_(ids))):
            if not row.file_path or not Path(row.file_path).exists():
                continue
            clauses = [
                c for c in segment_clauses(read_pdf(row.file_path, name=row.file_name)) if c.text.strip()
            ]
            records.append(contract_index_record(row, clauses, linker.by_id.get(row.customer_id or -1)))
    _index(context, records, report, {"contracts": ids}, None)
