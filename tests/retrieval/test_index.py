"""Indexing with the real bundled model into a real embedded Qdrant shard in a temp dir."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from copilot.bootstrap import AppContext
from copilot.db.schema import IndexDocumentRow
from retrieval.chunking import Segment
from retrieval.index import IndexRecord, delete_documents, get_store, index_records, resume
from retrieval.store import SearchFilter


def _records() -> list[IndexRecord]:
    return [
        IndexRecord(
            doc_key="signal:1",
            kind="signal",
            source="news",
            title="焊装车间节拍瓶颈",
            text="某汽车集团焊装车间节拍瓶颈严重。计划明年扩产。",
            customer_id=1,
        ),
        IndexRecord(
            doc_key="signal:2",
            kind="signal",
            source="tender",
            title="AI质检系统采购公告",
            text="某医院发布AI质检系统采购公告，预算300万元。",
            public=True,
        ),
        IndexRecord(
            doc_key="transcript:1",
            kind="transcript",
            source="call",
            title="首次拜访",
            segments=[
                Segment("我们很关注能耗成本。", 0, 4, speaker="客户"),
                Segment("We can cut energy cost by 20%.", 4, 9, speaker="Rep"),
            ],
        ),
    ]


def _chunk_count(context: AppContext, doc_key: str) -> int:
    return get_store(context).count(SearchFilter(doc_keys=[doc_key]))


def test_reingesting_unchanged_content_does_nothing(context: AppContext) -> None:
    first = index_records(context, _records())
    assert first.as_dict() == {"new": 3, "unchanged": 0, "replaced": 0, "chunks": 3}
    again = index_records(context, _records())
    assert again.as_dict() == {"new": 0, "unchanged": 3, "replaced": 0, "chunks": 0}
    assert get_store(context).count() == 3


def test_changed_content_replaces_its_old_chunks(context: AppContext) -> None:
    index_records(context, _records())
    changed = _records()
    changed[0].text = (
        "某汽车集团焊装车间节拍瓶颈已缓解。" + "新增一条长说明，讲述产线改造和设备升级的细节。" * 12
    )
    report = index_records(context, changed)
    assert report.replaced == 1 and report.unchanged == 2
    store = get_store(context)
    hits = store.scroll(SearchFilter(doc_keys=["signal:1"]), 100)
    assert len(hits) == report.chunks >= 2
    assert all(
        "已缓解" in h.payload["text"] or "新增" in h.payload["text"] for h in hits
    )  # no stale chunk left


def test_delete_follows_the_record(context: AppContext) -> None:
    index_records(context, _records())
    assert delete_documents(context, ["signal:2"]) == 1
    assert _chunk_count(context, "signal:2") == 0
    with context.db.read() as session:
        assert session.scalar(select(IndexDocumentRow).where(IndexDocumentRow.doc_key == "signal:2")) is None


def test_resume_completes_a_run_whose_upsert_landed(context: AppContext) -> None:
    index_records(context, _records())
    store = get_store(context)
    old_ids = [h.id for h in store.scroll(SearchFilter(doc_keys=["signal:1"]), 10)]
    changed = _records()
    changed[0].text = "焊装车间改造完成。"
    index_records(context, changed)
    new_ids = [h.id for h in store.scroll(SearchFilter(doc_keys=["signal:1"]), 10)]
    # simulate a crash after the upsert, before old chunks were deleted and the row was marked
    from retrieval.index import embedder_for
    from retrieval.sparse import encode_document
    from retrieval.store import ChunkPoint

    store.upsert(
        [
            ChunkPoint(
                old_ids[0],
                embedder_for(context).embed(["x"])[0],
                encode_document("x"),
                {"doc_key": "signal:1"},
            )
        ]
    )
    with context.db.transaction() as session:
        session.execute(
            update(IndexDocumentRow)
            .where(IndexDocumentRow.doc_key == "signal:1")
            .values(state="pending", previous_chunk_ids=old_ids)
        )
    assert resume(context) == {"completed": 1, "rolled_back": 0}
    assert sorted(h.id for h in store.scroll(SearchFilter(doc_keys=["signal:1"]), 10)) == sorted(new_ids)


def test_resume_rolls_back_a_run_whose_upsert_never_landed(context: AppContext) -> None:
    index_records(context, _records())
    store = get_store(context)
    kept = [h.id for h in store.scroll(SearchFilter(doc_keys=["signal:1"]), 10)]
    with context.db.transaction() as session:
        session.execute(
            update(IndexDocumentRow)
            .where(IndexDocumentRow.doc_key == "signal:1")
            .values(
                state="pending", chunk_ids=["00000000-0000-0000-0000-000000000001"], previous_chunk_ids=kept
            )
        )
    assert resume(context) == {"completed": 0, "rolled_back": 1}
    assert [
        h.id for h in store.scroll(SearchFilter(doc_keys=["signal:1"]), 10)
    ] == kept  # old version still served
    report = index_records(context, _records())  # the next ingest indexes it again
    assert report.replaced == 1


class _CrashingStore:
    """The real store, except that the n-th upsert dies (the process crashing mid-ingest)."""

    def __init__(self, store: object, crash_on: int) -> None:
        self._store, self._left = store, crash_on

    def upsert(self, points: list) -> None:
        self._left -= 1
        if self._left == 0:
            raise RuntimeError("crash")
        self._store.upsert(points)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def test_a_crash_between_batches_leaves_no_half_document_and_resume_cleans_up(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.index as index

    real = get_store(context)
    monkeypatch.setattr(index, "EMBED_BATCH", 1)  # one document per round
    context.cache["vector_store"] = _CrashingStore(real, crash_on=2)
    with pytest.raises(RuntimeError):
        index_records(context, _records())
    context.cache["vector_store"] = real
    with context.db.read() as session:
        states = dict(session.execute(select(IndexDocumentRow.doc_key, IndexDocumentRow.state)).all())
    # the first document finished (marked indexed with the next one's pending mark); the second
    # was pending when the crash hit and none of its chunks is visible; the third never started
    assert states == {"signal:1": "indexed", "signal:2": "pending"}
    assert _chunk_count(context, "signal:1") > 0 and _chunk_count(context, "signal:2") == 0
    assert resume(context) == {"completed": 0, "rolled_back": 1}
    report = index_records(context, _records())
    assert (report.unchanged, report.new) == (1, 2)
    assert _chunk_count(context, "signal:2") > 0
