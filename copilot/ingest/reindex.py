"""Rebuild the search index from the database: `copilot ingest reindex`.

Why: vectors from two embedders do not compare, so after COPILOT_EMBED_MODEL changes (the
default became `bundled:minilm+zh-wordvec`, 584-d, where it was MiniLM, 384-d) the index refuses
to open (`index_model_mismatch`) until it is rebuilt. The index is derived data: signals,
transcripts and contracts are re-read from their rows (contracts from their stored PDFs), the
old shard or collection is dropped, the ledger is cleared and everything is indexed again with
the configured embedder. Voice notes are indexed by their worker job, so they are queued.
A crash half-way leaves a partial index; running the command again rebuilds it from scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, select

from copilot.bootstrap import AppContext
from copilot.db.schema import ContractRow, IndexDocumentRow, SignalRow, TranscriptRow
from copilot.ingest.report import IngestReport

VOICE_INDEX_JOB = "voice.index"  # services.voice_index.INDEX_JOB_KIND (services sit above this package)


def documents_to_rebuild(context: AppContext) -> dict[str, list[int]]:
    """Row ids per kind that the rebuilt index must hold."""
    with context.db.read() as session:
        voice = [
            int(key.split(":", 1)[1])
            for key in session.scalars(
                select(IndexDocumentRow.doc_key).where(IndexDocumentRow.doc_key.like("voice_note:%"))
            )
        ]
        return {
            "signals": list(session.scalars(select(SignalRow.id).order_by(SignalRow.id))),
            "transcripts": list(session.scalars(select(TranscriptRow.id).order_by(TranscriptRow.id))),
            "contracts": list(session.scalars(select(ContractRow.id).order_by(ContractRow.id))),
            "voice_notes": sorted(voice),
        }


def reindex(context: AppContext, progress: Callable[[int], None] | None = None) -> dict[str, int | str]:
    """Drop the index and the ledger, then index every stored document with the configured embedder."""
    from copilot.ingest.contracts import index_contracts
    from copilot.ingest.service import index_signals, index_transcripts
    from copilot.worker import enqueue
    from retrieval.index import close_store
    from retrieval.store import destroy_index

    todo = documents_to_rebuild(context)
    close_store(context)
    destroy_index(context.settings)
    with context.db.transaction() as session:
        session.execute(delete(IndexDocumentRow))
    report = IngestReport(kind="reindex")
    index_signals(context, todo["signals"], report, progress)
    index_transcripts(context, todo["transcripts"], report, progress)
    index_contracts(context, todo["contracts"], report)
    with context.db.transaction() as session:
        for note_id in todo["voice_notes"]:
            enqueue(session, VOICE_INDEX_JOB, {"note_id": note_id})
    return {
        "embed_model": context.settings.embed_model,
        "signals": len(todo["signals"]),
        "transcripts": len(todo["transcripts"]),
        "contracts": len(todo["contracts"]),
        "chunks": report.chunks,
        "voice_notes_queued": len(todo["voice_notes"]),
    }


KNOWN_DIMENSIONS = {"bundled:all-MiniLM-L6-v2": 384, "bundled:minilm+zh-wordvec": 584}


def built_by_another_embedder(context: AppContext) -> str | None:
    """Why the embedded index cannot serve the configured embedder, or None when it can (or
    there is none yet). Read from the shard's marker: no model is loaded to answer."""
    from retrieval.store import MARKER, EdgeStore

    if context.settings.qdrant_url:
        return None  # a server collection is checked when it is opened
    path = Path(context.settings.resolved_qdrant_path)
    if not (path / MARKER).exists() and not (path / "edge_config.json").exists():
        return None
    built = EdgeStore.built_with(path)
    wanted = context.settings.embed_model
    if built.name is not None and built.name != wanted:
        return f"built with {built.name}, COPILOT_EMBED_MODEL is {wanted}"
    expected = KNOWN_DIMENSIONS.get(wanted)
    if expected is not None and built.dimension != expected:
        return f"built with a {built.dimension}-d embedder, {wanted} is {expected}-d"
    return None
