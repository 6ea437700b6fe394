"""Indexing: record -> chunks -> content hash -> embed -> upsert, idempotent and resumable.

The public API other features call:

    index_records(context, records) -> IndexReport   # signals, transcripts, contracts, voice notes
    delete_documents(context, doc_keys) -> int
    resume(context) -> dict                           # finish or roll back an interrupted index run

Idempotence: each document carries a content hash (text, segments and the metadata that goes in
the payload). The ledger (`index_documents`) remembers the hash a document was indexed at:
same hash -> nothing happens; a new hash -> its new chunks replace the old ones.

Crash safety: a document's ledger row is set `pending` (with the new and the previous chunk ids)
before the store is touched; all chunks of a batch go to the store in one update (one WAL
entry, visible together); the old chunks are deleted; the row becomes `indexed` in the same
transaction that marks the next batch `pending` (one commit per batch). `resume` finds `pending`
rows and either completes them (new chunks present) or rolls them back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import IndexDocumentRow
from retrieval.chunking import Chunk, Segment, chunk_segments, chunk_text
from retrieval.embedder import Embedder, embed_documents, get_embedder
from retrieval.sparse import encode_document
from retrieval.store import PUBLIC, ChunkPoint, VectorStore, chunk_uuid, iso, open_store

log = logging.getLogger(__name__)

# Chunks per embed + upsert round. 512 rather than 128: each round costs two ledger writes and an
# engine update whatever its size, which held ingestion at ~70% of the encoder's rate.
EMBED_BATCH = 512
_STORE_LOCK = threading.Lock()


@dataclass
class IndexRecord:
    """A document to index. `doc_key` is stable across versions ("signal:42", "transcript:7").

    Either `text` (chunked by sentences) or `segments` (turns when `merge_segments`, clauses when not).
    `public` marks unlinked public-source material that any caller may see.
    """

    doc_key: str
    kind: str
    source: str
    title: str = ""
    text: str = ""
    segments: list[Segment] | None = None
    merge_segments: bool = True
    record_id: str | None = None
    customer_id: int | None = None
    department_id: int | None = None
    owner_id: int | None = None
    public: bool = False
    occurred_at: datetime | None = None
    url: str | None = None
    file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def content_hash(self) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "occurred_at"}
        body["occurred_at"] = iso(self.occurred_at) if self.occurred_at else None
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()

    def chunks(self) -> list[Chunk]:
        if self.segments is not None:
            return chunk_segments(self.segments, merge=self.merge_segments)
        return chunk_text(self.text)


@dataclass
class IndexReport:
    new: int = 0
    unchanged: int = 0
    replaced: int = 0
    chunks: int = 0
    doc_keys: list[str] = field(default_factory=list)  # documents (re)indexed by this run

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "chunks": self.chunks,
        }


def embedder_for(context: AppContext) -> Embedder:
    """The configured embedder; the Chinese word vectors keep their parsed copy in the data dir."""
    return get_embedder(context.settings.embed_model, context.settings.data_dir.resolve() / "models")


def get_store(context: AppContext) -> VectorStore:
    """The process's store (opened once; the embedded shard admits one process)."""
    with _STORE_LOCK:
        store = context.cache.get("vector_store")
        if store is None:
            embedder = embedder_for(context)
            store = open_store(context.settings, embedder.dimension, embedder.name)
            context.cache["vector_store"] = store
        return store


def close_store(context: AppContext) -> None:
    with _STORE_LOCK:
        store = context.cache.pop("vector_store", None)
        if store is not None:
            store.close()


def _payload(record: IndexRecord, chunk: Chunk, ordinal: int, content_hash: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "doc_key": record.doc_key,
        "kind": record.kind,
        "source": record.source,
        "title": record.title,
        "text": chunk.text,
        "chunk_no": ordinal,
        "doc_hash": content_hash[:16],
        "audience": PUBLIC if record.public else "customer",
        "indexed_at": iso(now()),
    }
    optional = {
        "record_id": record.record_id,
        "customer_id": record.customer_id,
        "department_id": record.department_id,
        "owner_id": record.owner_id,
        "occurred_at": iso(record.occurred_at) if record.occurred_at else None,
        "url": record.url,
        "file": record.file,
        "start": chunk.start,
        "end": chunk.end,
        "page": chunk.page,
        "bbox": chunk.bbox,
        "speakers": chunk.speakers or None,
        "label": chunk.label,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    if record.extra:
        payload["extra"] = record.extra
    return payload


def _indexed_text(record: IndexRecord, chunk: Chunk) -> str:
    """What is embedded and BM25-encoded: the chunk, with the title when the chunk lacks it."""
    if record.title and record.title not in chunk.text:
        return f"{record.title}\n{chunk.text}"
    return chunk.text


@dataclass(frozen=True)
class _Ledger:
    """A ledger row's state, read out of its session."""

    id: int
    state: str
    content_hash: str
    chunk_ids: list[str]
    previous_chunk_ids: list[str]

    @classmethod
    def of(cls, row: IndexDocumentRow) -> _Ledger:
        return cls(row.id, row.state, row.content_hash, list(row.chunk_ids), list(row.previous_chunk_ids))


@dataclass
class _Planned:
    record: IndexRecord
    content_hash: str
    chunks: list[Chunk]
    ids: list[str]
    previous: list[str]
    replacing: bool


def _plan(context: AppContext, records: list[IndexRecord], report: IndexReport) -> list[_Planned]:
    by_key = {r.doc_key: r for r in records}  # the last version of a key in one call wins
    rows: dict[str, _Ledger] = {}
    keys = list(by_key)
    with context.db.read() as session:
        for i in range(0, len(keys), 500):
            for row in session.scalars(
                select(IndexDocumentRow).where(IndexDocumentRow.doc_key.in_(keys[i : i + 500]))
            ):
                rows[row.doc_key] = _Ledger.of(row)
    planned: list[_Planned] = []
    for key, record in by_key.items():
        content_hash = record.content_hash()
        row = rows.get(key)
        if row is not None and row.state == "indexed" and row.content_hash == content_hash:
            report.unchanged += 1
            continue
        chunks = record.chunks()
        ids = [chunk_uuid(f"{key}#{content_hash}#{n}") for n in range(len(chunks))]
        previous: list[str] = []
        if row is not None:
            previous = list(dict.fromkeys([*row.chunk_ids, *row.previous_chunk_ids]))
        planned.append(
            _Planned(
                record, content_hash, chunks, ids, [i for i in previous if i not in set(ids)], row is not None
            )
        )
    return planned


def _mark(context: AppContext, *, indexed: list[str], pending: list[_Planned]) -> None:
    """One ledger transaction per round: the previous batch becomes `indexed` (its chunks are in
    the store and its old chunks deleted) and the next batch becomes `pending` (before the store
    is touched for it). Merging the two halves the commits without weakening what `resume` sees."""
    at = now()
    keys = [p.record.doc_key for p in pending]
    with context.db.transaction() as session:
        for i in range(0, len(indexed), 500):
            for row in session.scalars(
                select(IndexDocumentRow).where(IndexDocumentRow.doc_key.in_(indexed[i : i + 500]))
            ):
                row.state = "indexed"
                row.previous_chunk_ids = []
                row.indexed_at = at
        existing: dict[str, IndexDocumentRow] = {}
        for i in range(0, len(keys), 500):
            for row in session.scalars(
                select(IndexDocumentRow).where(IndexDocumentRow.doc_key.in_(keys[i : i + 500]))
            ):
                existing[row.doc_key] = row
        for p in pending:
            row = existing.get(p.record.doc_key)
            if row is None:
                row = IndexDocumentRow(doc_key=p.record.doc_key)
                session.add(row)
            row.kind = p.record.kind
            row.source = p.record.source
            row.customer_id = p.record.customer_id
            row.content_hash = p.content_hash
            row.chunk_ids = p.ids
            row.previous_chunk_ids = p.previous
            row.state = "pending"


def _batches(planned: list[_Planned]) -> Iterable[list[_Planned]]:
    batch: list[_Planned] = []
    size = 0
    for p in planned:
        batch.append(p)
        size += len(p.chunks)
        if size >= EMBED_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def index_records(
    context: AppContext,
    records: Iterable[IndexRecord],
    *,
    progress: Callable[[int], None] | None = None,
) -> IndexReport:
    """Index (or re-index, or skip) each record; `progress(n)` is called with documents done."""
    report = IndexReport()
    records = list(records)
    planned = _plan(context, records, report)
    if progress and report.unchanged:
        progress(report.unchanged)
    if not planned:
        return report
    store = get_store(context)
    embedder = embedder_for(context)
    done: list[str] = []  # upserted, old chunks deleted, not yet marked indexed
    for batch in _batches(planned):
        pairs = [(p, n, chunk) for p in batch for n, chunk in enumerate(p.chunks)]
        texts = [_indexed_text(p.record, chunk) for p, _, chunk in pairs]
        dense = embed_documents(embedder, texts)
        points = [
            ChunkPoint(
                id=p.ids[n],
                dense=dense[i],
                sparse=encode_document(texts[i]),
                payload=_payload(p.record, chunk, n, p.content_hash),
            )
            for i, (p, n, chunk) in enumerate(pairs)
        ]
        _mark(context, indexed=done, pending=batch)
        store.upsert(points)
        store.delete([old for p in batch for old in p.previous])
        done = [p.record.doc_key for p in batch]
        for p in batch:
            report.replaced += p.replacing
            report.new += not p.replacing
            report.doc_keys.append(p.record.doc_key)
        report.chunks += len(points)
        if progress:
            progress(len(batch))
    _mark(context, indexed=done, pending=[])
    store.flush()
    return report


def delete_documents(context: AppContext, doc_keys: list[str]) -> int:
    """Remove documents from the index (their record was deleted). Returns ledger rows removed."""
    if not doc_keys:
        return 0
    get_store(context).delete_documents(doc_keys)
    with context.db.transaction() as session:
        result = session.execute(delete(IndexDocumentRow).where(IndexDocumentRow.doc_key.in_(doc_keys)))
    return int(result.rowcount or 0)


def resume(context: AppContext) -> dict[str, int]:
    """Finish or roll back documents left `pending` by an interrupted run.

    New chunks all present -> the upsert landed: drop the previous chunks, mark indexed.
    Otherwise the new version never became visible: remove any of its chunks and forget the
    row's hash, so the next ingest of that document indexes it again (previous chunks stay).
    """
    with context.db.read() as session:
        pending = [
            _Ledger.of(row)
            for row in session.scalars(select(IndexDocumentRow).where(IndexDocumentRow.state == "pending"))
        ]
    if not pending:
        return {"completed": 0, "rolled_back": 0}
    store = get_store(context)
    completed = rolled_back = 0
    for row in pending:
        present = store.existing(row.chunk_ids)
        with context.db.transaction() as session:
            live = session.get(IndexDocumentRow, row.id)
            if live is None:
                continue
            if row.chunk_ids and len(present) == len(row.chunk_ids):
                store.delete(row.previous_chunk_ids)
                live.state, live.previous_chunk_ids, live.indexed_at = "indexed", [], now()
                completed += 1
            else:
                store.delete(sorted(present))
                if row.previous_chunk_ids:
                    live.chunk_ids, live.previous_chunk_ids = row.previous_chunk_ids, []
                    live.state, live.content_hash = "indexed", "stale"
                else:
                    session.delete(live)
                rolled_back += 1
    store.flush()
    return {"completed": completed, "rolled_back": rolled_back}
