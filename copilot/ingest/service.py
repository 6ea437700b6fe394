"""Ingestion services: files -> extractor -> rows (signals, transcripts) -> search index.

Rows and index are written in that order. The index is derived data: when it cannot be opened
in this process (the embedded shard is owned by a running `copilot serve`), the rows are kept
and an `ingest.index` job is queued for the server's in-process worker to index them; the
report says so (`index_deferred`). Large ingests queue an `ingest.optimize` job (HNSW build),
which only the worker runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import SignalRow, TranscriptRow
from copilot.errors import InvalidInput, Unavailable
from copilot.ingest.linking import CustomerLinker, CustomerRef
from copilot.ingest.report import IngestReport
from extractors.public import SignalDraft, read_signals
from extractors.transcripts import Transcript, parse_transcript, transcript_from_json
from retrieval.chunking import Segment
from retrieval.index import IndexRecord, index_records

log = logging.getLogger(__name__)

OPTIMIZE_AFTER_CHUNKS = 2000
SIGNAL_SUFFIXES = {".jsonl", ".ndjson", ".json", ".rss", ".xml", ".atom", ".html", ".htm"}
TRANSCRIPT_SUFFIXES = {".txt", ".srt", ".vtt", ".jsonl", ".md"}
Progress = Callable[[int], None]


def collect_files(path: Path, suffixes: set[str]) -> list[Path]:
    """A file, or the matching files under a folder (sorted, so runs are repeatable)."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist", details={"field": "path", "value": str(path)})
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if not files:
        raise InvalidInput(
            f"{path} holds no files ending in {', '.join(sorted(suffixes))}", details={"field": "path"}
        )
    return files


# --- signals ------------------------------------------------------------------------------------


def signal_index_record(row: SignalRow, ref: CustomerRef | None) -> IndexRecord:
    return IndexRecord(
        doc_key=f"signal:{row.id}",
        kind="signal",
        source=row.source,
        title=row.title,
        text=row.text or row.title,
        record_id=str(row.id),
        customer_id=row.customer_id,
        department_id=ref.department_id if ref else None,
        owner_id=ref.owner_id if ref else None,
        public=row.customer_id is None,
        occurred_at=row.occurred_at,
        url=row.url,
        extra={"type": row.type},
    )


def store_signals(context: AppContext, drafts: list[SignalDraft], report: IngestReport) -> list[int]:
    """Insert new, update changed, skip unchanged signals (by external id); returns the ids touched."""
    touched: list[int] = []
    by_id: dict[str, SignalDraft] = {}
    for draft in drafts:
        by_id[draft.external_id] = draft  # a repeated id in one batch: the last one wins
    with context.db.transaction() as session:
        linker = CustomerLinker(session)
        existing: dict[str, SignalRow] = {}
        keys = list(by_id)
        for i in range(0, len(keys), 500):
            for row in session.scalars(select(SignalRow).where(SignalRow.external_id.in_(keys[i : i + 500]))):
                existing[row.external_id or ""] = row
        for key, draft in by_id.items():
            link = linker.link(draft.company, draft.uscc)
            content_hash = draft.content_hash()
            row = existing.get(key)
            customer_id = link.customer.id if link.customer else None
            report.linked += customer_id is not None
            if row is not None and row.content_hash == content_hash and row.customer_id == customer_id:
                report.unchanged += 1
                touched.append(row.id)
                continue
            payload = {**draft.fields, "link": link.how, "company": draft.company, "uscc": draft.uscc}
            if row is None:
                row = SignalRow(external_id=key)
                session.add(row)
                report.new += 1
            else:
                report.replaced += 1
            row.customer_id = customer_id
            row.source, row.type = draft.source[:120], draft.type
            row.title, row.text, row.url = draft.title, draft.text, (draft.url or None)
            row.occurred_at, row.content_hash = draft.occurred_at, content_hash
            row.payload, row.ingested_at = payload, now()
            session.flush()
            touched.append(row.id)
    return touched


def index_signals(
    context: AppContext, ids: list[int], report: IngestReport, progress: Progress | None = None
) -> None:
    with context.db.read() as session:
        linker = CustomerLinker(session)
        records = []
        for i in range(0, len(ids), 500):
            for row in session.scalars(select(SignalRow).where(SignalRow.id.in_(ids[i : i + 500]))):
                records.append(signal_index_record(row, linker.by_id.get(row.customer_id or -1)))
    _index(context, records, report, {"signals": ids}, progress)


def ingest_signal_files(
    context: AppContext,
    files: Iterable[tuple[str, bytes]],
    *,
    default_type: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Signal files (JSONL / RSS / Atom / HTML); bad files and lines are rejected with reasons."""
    report = IngestReport(kind="signals")
    drafts: list[SignalDraft] = []
    for name, data in files:
        report.files += 1
        try:
            extraction = read_signals(data, name=name, default_type=default_type)
        except InvalidInput as exc:
            report.reject(name, exc.message)
            continue
        drafts.extend(extraction.drafts)
        for rejected in extraction.rejected:
            report.reject(rejected.where, rejected.reason)
    ids = store_signals(context, drafts, report)
    index_signals(context, ids, report, progress)
    return report


# --- transcripts --------------------------------------------------------------------------------


def transcript_index_record(row: TranscriptRow, ref: CustomerRef | None) -> IndexRecord:
    return IndexRecord(
        doc_key=f"transcript:{row.id}",
        kind="transcript",
        source=row.source,
        title=row.title,
        segments=[
            Segment(text=t["text"], start=t.get("start"), end=t.get("end"), speaker=t.get("speaker"))
            for t in row.turns
        ],
        merge_segments=True,
        record_id=str(row.id),
        customer_id=row.customer_id,
        department_id=ref.department_id if ref else None,
        owner_id=ref.owner_id if ref else None,
        occurred_at=row.occurred_at,
        file=row.file_name,
    )


def _transcripts_in(name: str, data: bytes) -> tuple[list[Transcript], list[tuple[str, str]]]:
    if not data.strip():
        return [], [(name, "the file is empty (0 bytes of text)")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(name, "not UTF-8 text")]
    if Path(name).suffix.lower() == ".jsonl":
        import json

        found: list[Transcript] = []
        rejected: list[tuple[str, str]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{name}:{number}"
            try:
                found.append(transcript_from_json(json.loads(line), where=where))
            except json.JSONDecodeError as exc:
                rejected.append((where, f"not JSON ({exc.msg} at column {exc.colno})"))
            except InvalidInput as exc:
                rejected.append((where, exc.message.removeprefix(f"{where}: ")))
        return found, rejected
    try:
        transcript = parse_transcript(text, file_name=name)
    except InvalidInput as exc:
        return [], [(name, exc.message)]
    return [transcript], []


def store_transcripts(
    context: AppContext,
    transcripts: list[Transcript],
    report: IngestReport,
    *,
    customer_id: int | None = None,
) -> list[int]:
    touched: list[int] = []
    with context.db.transaction() as session:
        linker = CustomerLinker(session)
        for t in transcripts:
            content_hash = t.content_hash()
            external_id = t.external_id or (
                f"file:{t.file_name}" if t.file_name else f"sha:{content_hash[:24]}"
            )
            if customer_id is not None:
                cid: int | None = customer_id
            else:
                link = linker.link(t.customer, t.uscc)
                cid = link.customer.id if link.customer else None
            report.linked += cid is not None
            row = session.scalar(select(TranscriptRow).where(TranscriptRow.external_id == external_id))
            if row is not None and row.content_hash == content_hash and row.customer_id == cid:
                report.unchanged += 1
                touched.append(row.id)
                continue
            if row is None:
                row = TranscriptRow(external_id=external_id)
                session.add(row)
                report.new += 1
            else:
                report.replaced += 1
            row.customer_id = cid
            row.title = (t.title or t.file_name or external_id)[:300]
            row.source = t.source
            row.file_name = t.file_name
            row.occurred_at = t.occurred_at
            row.participants = t.participants
            row.turns = [
                {"speaker": x.speaker, "text": x.text, "start": x.start, "end": x.end, "unit": t.time_unit}
                for x in t.turns
            ]
            row.turn_count = len(t.turns)
            row.text = t.text
            row.content_hash = content_hash
            row.ingested_at = now()
            session.flush()
            touched.append(row.id)
    return touched


def index_transcripts(
    context: AppContext, ids: list[int], report: IngestReport, progress: Progress | None = None
) -> None:
    with context.db.read() as session:
        linker = CustomerLinker(session)
        records = [
            transcript_index_record(row, linker.by_id.get(row.customer_id or -1))
            for row in session.scalars(select(TranscriptRow).where(TranscriptRow.id.in_(ids)))
        ]
    _index(context, records, report, {"transcripts": ids}, progress)


def ingest_transcript_files(
    context: AppContext,
    files: Iterable[tuple[str, bytes]],
    *,
    customer_id: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    report = IngestReport(kind="transcripts")
    transcripts: list[Transcript] = []
    for name, data in files:
        report.files += 1
        found, rejected = _transcripts_in(name, data)
        transcripts.extend(found)
        for where, reason in rejected:
            report.reject(where, reason)
    ids = store_transcripts(context, transcripts, report, customer_id=customer_id)
    index_transcripts(context, ids, report, progress)
    return report


# --- the index step shared by every kind ---------------------------------------------------------


def _index(
    context: AppContext,
    records: list[IndexRecord],
    report: IngestReport,
    job_payload: dict[str, Any],
    progress: Progress | None,
) -> None:
    from copilot.worker import enqueue

    if not records:
        return
    try:
        result = index_records(context, records, progress=progress)
    except Unavailable as exc:
        if exc.code != "index_busy":
            raise
        with context.db.transaction() as session:
            enqueue(session, "ingest.index", job_payload)
        report.index_deferred = True
        log.warning("%s; the rows are stored and the server's worker will index them", exc.message)
        return
    report.chunks += result.chunks
    if result.chunks >= OPTIMIZE_AFTER_CHUNKS:
        with context.db.transaction() as session:
            slot = hashlib.sha1(str(now().timestamp() // 600).encode()).hexdigest()[:12]
            try:
                with session.begin_nested():
                    enqueue(session, "ingest.optimize", {}, dedupe_key=f"ingest.optimize@{slot}")
            except Exception:  # already queued for this ten-minute slot
                pass
