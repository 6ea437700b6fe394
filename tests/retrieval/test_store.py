"""Both adapters behave the same: the embedded engine in a temp dir, and the server adapter's
code path driven through qdrant-client (its in-memory mode stands in for a server here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from copilot.errors import Unavailable
from retrieval.sparse import encode_document, encode_query
from retrieval.store import ChunkPoint, EdgeStore, SearchFilter, ServerStore, VectorStore, chunk_uuid

DIM = 4


def _point(name: str, dense: list[float], text: str, **payload: object) -> ChunkPoint:
    return ChunkPoint(
        id=chunk_uuid(name), dense=dense, sparse=encode_document(text), payload={"text": text, **payload}
    )


POINTS = [
    _point(
        "a",
        [1, 0, 0, 0],
        "焊装车间节拍瓶颈",
        doc_key="signal:1",
        customer_id=1,
        source="news",
        kind="signal",
        occurred_at="2026-03-01T00:00:00Z",
        audience="customer",
        department_id=10,
    ),
    _point(
        "b",
        [0, 1, 0, 0],
        "AI质检系统采购公告",
        doc_key="signal:2",
        source="tender",
        kind="signal",
        occurred_at="2026-05-01T00:00:00Z",
        audience="public",
    ),
    _point(
        "c",
        [0, 0, 1, 0],
        "predictive maintenance white paper",
        doc_key="signal:3",
        customer_id=2,
        source="web",
        kind="signal",
        occurred_at="2026-06-01T00:00:00Z",
        audience="customer",
        department_id=20,
    ),
    _point(
        "d",
        [0, 0, 0, 1],
        "付款期限 120 天",
        doc_key="contract:1",
        customer_id=2,
        source="contract",
        kind="contract",
        audience="customer",
    ),
]


@pytest.fixture(params=["edge", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    if request.param == "edge":
        s: VectorStore = EdgeStore(tmp_path / "qdrant", DIM)
    else:
        from qdrant_client import QdrantClient

        s = ServerStore(QdrantClient(location=":memory:"), DIM)
    s.upsert(POINTS)
    yield s
    s.close()


def _docs(hits: list) -> list[str]:
    return [h.payload["doc_key"] for h in hits]


def test_dense_sparse_and_hybrid_queries(store: VectorStore) -> None:
    assert _docs(store.query([1, 0, 0, 0], None, SearchFilter(), 1, "dense")) == ["signal:1"]
    assert _docs(store.query(None, encode_query("质检"), SearchFilter(), 5, "sparse")) == ["signal:2"]
    hybrid = store.query([0, 0, 1, 0], encode_query("质检"), SearchFilter(), 2, "hybrid")
    assert set(_docs(hybrid)) == {"signal:2", "signal:3"}


def test_filters_on_customer_source_kind_and_dates(store: VectorStore) -> None:
    q = [0.5, 0.5, 0.5, 0.5]
    assert set(_docs(store.query(q, None, SearchFilter(customer_ids=[2]), 10, "dense"))) == {
        "signal:3",
        "contract:1",
    }
    assert _docs(store.query(q, None, SearchFilter(sources=["tender"]), 10, "dense")) == ["signal:2"]
    assert _docs(store.query(q, None, SearchFilter(kinds=["contract"]), 10, "dense")) == ["contract:1"]
    since = SearchFilter(since=datetime(2026, 4, 1, tzinfo=UTC), until=datetime(2026, 5, 31, tzinfo=UTC))
    assert _docs(store.query(q, None, since, 10, "dense")) == ["signal:2"]


def test_visibility_filter(store: VectorStore) -> None:
    q = [0.5, 0.5, 0.5, 0.5]
    rep = SearchFilter(visible_customer_ids=[1])
    assert set(_docs(store.query(q, None, rep, 10, "dense"))) == {"signal:1", "signal:2"}  # own + public
    legal = SearchFilter(visible_customer_ids=[], visible_kinds=["contract"], include_public=False)
    assert _docs(store.query(q, None, legal, 10, "dense")) == ["contract:1"]


def test_delete_by_id_and_by_document(store: VectorStore) -> None:
    assert store.count() == 4
    store.delete([chunk_uuid("a")])
    store.delete_documents(["signal:2"])
    assert store.count() == 2
    assert store.existing([chunk_uuid("a"), chunk_uuid("c")]) == {chunk_uuid("c")}
    assert store.count(SearchFilter(kinds=["contract"])) == 1


def test_embedded_shard_persists_and_refuses_a_second_opener(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    first = EdgeStore(path, DIM)
    first.upsert(POINTS)
    with pytest.raises(Unavailable) as info:
        EdgeStore(path, DIM)
    assert info.value.code == "index_busy"
    assert "copilot serve" in info.value.message
    assert first.count() == 4  # the refused opener did not damage anything
    first.close()
    reopened = EdgeStore(path, DIM)
    assert reopened.count() == 4
    assert reopened.optimize() in (True, False)
    assert _docs(reopened.query([1, 0, 0, 0], None, SearchFilter(), 1, "dense")) == ["signal:1"]
    reopened.close()


def test_an_index_built_by_another_embedder_is_refused_with_the_command(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    built = EdgeStore(path, DIM, embedder="model-a")
    built.upsert(POINTS)
    built.close()
    for embedder, dimension in (("model-b", DIM), ("model-a", DIM + 2)):
        with pytest.raises(Unavailable) as info:
            EdgeStore(path, dimension, embedder=embedder)
        assert info.value.code == "index_model_mismatch"
        assert "copilot ingest reindex" in info.value.message
        assert "COPILOT_EMBED_MODEL=model-a" in info.value.message  # the way back
    same = EdgeStore(path, DIM, embedder="model-a")
    assert same.count() == 4  # the refusals left the index intact
    same.close()


def test_an_index_from_before_the_embedder_was_recorded_is_checked_by_its_dimension(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    EdgeStore(path, DIM).close()  # no embedder name recorded, as before this check existed
    EdgeStore(path, DIM, embedder="any").close()
    with pytest.raises(Unavailable) as info:
        EdgeStore(path, DIM * 2, embedder="wider")
    assert info.value.details["built_dimension"] == DIM


def test_server_collection_records_and_checks_its_embedder() -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(location=":memory:")
    ServerStore(client, DIM, embedder="model-a")
    ServerStore(client, DIM, embedder="model-a")  # the same embedder reopens it
    with pytest.raises(Unavailable) as info:
        ServerStore(client, DIM, embedder="model-b")
    assert info.value.code == "index_model_mismatch"
    client.close()


def test_stored_dense_vectors_by_chunk_id_and_by_document(store: VectorStore) -> None:
    by_id = store.dense_vectors(ids=[chunk_uuid("c"), chunk_uuid("missing")])
    assert [(v.id, v.payload["doc_key"]) for v in by_id] == [(chunk_uuid("c"), "signal:3")]
    assert by_id[0].dense == pytest.approx([0, 0, 1, 0])
    by_doc = {v.payload["doc_key"]: v.dense for v in store.dense_vectors(doc_keys=["signal:1", "contract:1"])}
    assert by_doc.keys() == {"signal:1", "contract:1"}
    assert by_doc["contract:1"] == pytest.approx([0, 0, 0, 1])
    assert store.dense_vectors() == []
