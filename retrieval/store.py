"""The VectorStore port and its two adapters: Qdrant's engine in-process, or a Qdrant server.

One collection schema for both: a named dense vector `dense` (dot product: the embedder
normalises queries; a bilingual chunk vector keeps both parts whole, see retrieval.embedder) and a named sparse vector
`sparse` (IDF applied by the engine), payload indexes on the fields search filters on
(customer_id, source, kind, occurred_at, department_id, doc_key, audience). Hybrid queries are
two prefetches fused by the engine's RRF.

Embedded (default): `qdrant-edge-py` under `<data_dir>/qdrant`, with a write-ahead log. A shard
can be opened by one process only; `copilot serve` owns it. Another process gets `Unavailable`
with what to do instead (never a crash, never a second writer). HNSW is built by `optimize()`,
which blocks: the worker runs it after large ingests (see `retrieval.jobs`), never a request.

Server (`COPILOT_QDRANT_URL`): `qdrant-client` against a Qdrant server or cluster. qdrant-client's
own local mode is not used as a store: it reopens slowly and answers hybrid queries in seconds
at 100k points.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from copilot.errors import Unavailable
from retrieval.sparse import SparseVector

log = logging.getLogger(__name__)

COLLECTION = "copilot_chunks"
DENSE = "dense"
SPARSE = "sparse"
# RRF k: small, because each prefetch list is short (50) and its top carries the signal; the eval
# gives the same zh figures for k 3-8 and loses zh MRR at 12+ (0.905) and 60 (0.883).
RRF_K = 5
Mode = Literal["hybrid", "dense", "sparse"]
# payload `audience`: "public" (unlinked public-source material, visible to all) or "customer".
# A keyword, not a bool: qdrant-edge 0.9 does not match boolean payload values.
PUBLIC = "public"

KEYWORD_FIELDS = ("source", "kind", "doc_key", "audience")
INTEGER_FIELDS = ("customer_id", "department_id")
DATETIME_FIELDS = ("occurred_at",)


@dataclass
class ChunkPoint:
    """One chunk as stored: id (a UUID string), its vectors and its payload."""

    id: str
    dense: Sequence[float]
    sparse: SparseVector
    payload: dict[str, Any]


@dataclass
class SearchFilter:
    """What a query may return. `visible_customer_ids=None` means no visibility restriction."""

    customer_ids: list[int] | None = None
    sources: list[str] | None = None
    kinds: list[str] | None = None
    doc_keys: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    visible_customer_ids: list[int] | None = None
    visible_kinds: list[str] = field(
        default_factory=list
    )  # kinds visible regardless of customer (legal: contract)
    include_public: bool = True  # unlinked public signals are visible to everyone


@dataclass
class StoredHit:
    id: str
    score: float
    payload: dict[str, Any]


@dataclass
class StoredVector:
    """A chunk's stored dense vector with its payload: what the index computed at ingest time,
    so a reader (the brief's topic matching) need not embed the same text again."""

    id: str
    dense: list[float]
    payload: dict[str, Any]


MAX_VECTOR_FETCH = 2000  # one brief reads ~400 signals' chunks; more is a caller's bug


def _stored_vectors(records: Any) -> list[StoredVector]:
    """Retrieved or scrolled points (either adapter's record type) as StoredVectors; points
    without a dense vector are left out."""
    out = []
    for r in records:
        dense = _dense_of(r.vector)
        if dense is not None:
            out.append(StoredVector(id=str(r.id), dense=dense, payload=dict(r.payload or {})))
    return out


def _dense_of(vector: Any) -> list[float] | None:
    """The `dense` part of a point's vectors as either client returns them (dict of named vectors)."""
    if isinstance(vector, dict):
        dense = vector.get(DENSE)
        return [float(x) for x in dense] if dense is not None else None
    return None


def build_filter(models: Any, f: SearchFilter | None, dates: Any) -> Any:
    """One filter for both adapters: qdrant-edge and qdrant-client name their condition classes
    alike (FieldCondition, MatchAny, MatchValue, Filter); only the date range differs (`dates`)."""
    if f is None:
        return None
    must: list[Any] = []
    for key, values in (("customer_id", f.customer_ids), ("doc_key", f.doc_keys)):
        if values is not None:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(values))))
    for key, values in (("source", f.sources), ("kind", f.kinds)):
        if values:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(values))))
    if f.since or f.until:
        must.append(dates(f.since, f.until))
    if f.visible_customer_ids is not None:
        should: list[Any] = [
            models.FieldCondition(
                key="customer_id", match=models.MatchAny(any=list(f.visible_customer_ids) or [-1])
            )
        ]
        if f.include_public:
            should.append(models.FieldCondition(key="audience", match=models.MatchValue(value=PUBLIC)))
        if f.visible_kinds:
            should.append(models.FieldCondition(key="kind", match=models.MatchAny(any=list(f.visible_kinds))))
        must.append(models.Filter(should=should))
    return models.Filter(must=must) if must else None


class VectorStore(Protocol):
    """The operations indexing and search need; both adapters implement exactly these."""

    def upsert(self, points: list[ChunkPoint]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def delete_documents(self, doc_keys: list[str]) -> None: ...
    def existing(self, ids: list[str]) -> set[str]: ...
    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter,
        limit: int,
        mode: Mode = "hybrid",
        weights: tuple[float, float] | None = None,
    ) -> list[StoredHit]: ...
    def scroll(self, filter: SearchFilter, limit: int) -> list[StoredHit]: ...
    def dense_vectors(
        self, *, ids: list[str] | None = None, doc_keys: list[str] | None = None
    ) -> list[StoredVector]: ...
    def count(self, filter: SearchFilter | None = None) -> int: ...
    def optimize(self) -> bool: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


REINDEX_COMMAND = "copilot ingest reindex"
MARKER = "copilot_index.json"  # beside the embedded shard: which embedder built it


@dataclass(frozen=True)
class BuiltWith:
    """The embedder an index was built with (`name` None: an index from before this was recorded)."""

    name: str | None
    dimension: int


def check_built_with(where: str, built: BuiltWith, embedder: str | None, dimension: int) -> None:
    """Refuse an index built by another embedder: its vectors do not compare with the new ones.

    A different dimension fails inside the engine with an obscure error on the first upsert or
    query; the same dimension from another model returns nonsense silently. Either way the user
    gets the two ways out: rebuild, or go back to the embedder the index was built with.
    """
    same_name = built.name is None or embedder is None or built.name == embedder
    if built.dimension == dimension and same_name:
        return
    was = f"{built.name or 'an earlier embedder'} ({built.dimension}-d)"
    if built.name:
        back = f" or set COPILOT_EMBED_MODEL={built.name} to keep using it"
    else:  # an index from before the embedder was recorded: 384-d was the former default's
        back = (
            " or, if it was built with the former default, set COPILOT_EMBED_MODEL=bundled:all-MiniLM-L6-v2"
        )
        back = back if built.dimension == 384 else ""
    raise Unavailable(
        f"the search index at {where} was built with {was}, but COPILOT_EMBED_MODEL is "
        f"{embedder or 'another embedder'} ({dimension}-d). Rebuild it with `{REINDEX_COMMAND}` "
        f"(re-embeds every stored document; stop `copilot serve` first){back}.",
        code="index_model_mismatch",
        details={
            "index": where,
            "built_with": built.name,
            "built_dimension": built.dimension,
            "embed_model": embedder,
            "dimension": dimension,
            "command": REINDEX_COMMAND,
        },
    )


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _floats(vector: Sequence[float]) -> list[float]:
    """Plain floats for the engine; numpy's `tolist` is ~10x faster than a per-element loop (584-d)."""
    return np.asarray(vector, dtype=np.float32).tolist()


def _prefetch_limit(limit: int) -> int:
    return max(50, limit * 5)


# --- embedded: qdrant-edge ----------------------------------------------------------------------


class EdgeStore:
    """Qdrant's engine in this process (qdrant-edge-py), one shard under `path`."""

    def __init__(self, path: Path, dimension: int, *, embedder: str | None = None) -> None:
        import qdrant_edge as q

        self._q = q
        self.path = path
        self.dimension = dimension
        if (path / "edge_config.json").exists():
            check_built_with(str(path), self.built_with(path), embedder, dimension)
        self._lock = threading.RLock()
        config = q.EdgeConfig(
            vectors={DENSE: q.EdgeVectorParams(size=dimension, distance=q.Distance.Dot)},
            sparse_vectors={SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
        )
        try:
            if (path / "edge_config.json").exists():
                self._shard = q.EdgeShard.load(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._shard = q.EdgeShard.create(str(path), config)
                if embedder is not None:
                    (path / MARKER).write_text(json.dumps({"embedder": embedder, "dimension": dimension}))
        except Exception as exc:
            if "WouldBlock" in str(exc) or "lock" in str(exc).lower():
                raise Unavailable(
                    f"the search index at {path} is open in another process (is `copilot serve` running?). "
                    "Stop the server first, or send the data through its API (POST /ingest/{kind}, GET /search).",
                    code="index_busy",
                    details={"path": str(path)},
                ) from exc
            raise Unavailable(
                f"cannot open the search index at {path}: {exc}", details={"path": str(path)}
            ) from exc
        self._ensure_indexes()

    @staticmethod
    def built_with(path: Path) -> BuiltWith:
        """What the shard at `path` was built with: the marker, else the shard's own config."""
        marker = path / MARKER
        if marker.exists():
            data = json.loads(marker.read_text())
            return BuiltWith(data.get("embedder"), int(data["dimension"]))
        config = json.loads((path / "edge_config.json").read_text())
        return BuiltWith(None, int(config["vectors"][DENSE]["size"]))

    @staticmethod
    def destroy(path: Path) -> None:
        """Remove the shard (derived data: the database rows are the source), unless another
        process has it open: its WAL lock is taken first, so a running server's shard is refused."""
        if (path / "edge_config.json").exists():
            import qdrant_edge as q

            try:
                q.EdgeShard.load(str(path)).close()
            except Exception as exc:
                raise Unavailable(
                    f"the search index at {path} is open in another process (is `copilot serve` running?). "
                    "Stop the server first.",
                    code="index_busy",
                    details={"path": str(path)},
                ) from exc
        if path.exists():
            shutil.rmtree(path)

    def _ensure_indexes(self) -> None:
        q = self._q
        have = set(self._shard.info().payload_schema)
        wanted = (
            [(f, q.PayloadSchemaType.Keyword) for f in KEYWORD_FIELDS]
            + [(f, q.PayloadSchemaType.Integer) for f in INTEGER_FIELDS]
            + [(f, q.PayloadSchemaType.Datetime) for f in DATETIME_FIELDS]
        )
        for name, schema in wanted:
            if name not in have:
                self._shard.update(q.UpdateOperation.create_field_index(name, schema))

    def _filter(self, f: SearchFilter | None) -> Any:
        q = self._q

        def dates(since: datetime | None, until: datetime | None) -> Any:
            return q.FieldCondition(
                key="occurred_at",
                range=q.RangeDateTime(gte=iso(since) if since else None, lte=iso(until) if until else None),
            )

        return build_filter(q, f, dates)

    def upsert(self, points: list[ChunkPoint]) -> None:
        """All points in one update: a document's chunks become visible together (one WAL entry)."""
        if not points:
            return
        q = self._q
        edge_points = [
            q.Point(
                p.id,
                {
                    DENSE: _floats(p.dense),
                    SPARSE: q.SparseVector(indices=p.sparse.indices, values=p.sparse.values),
                },
                p.payload,
            )
            for p in points
        ]
        with self._lock:
            self._shard.update(q.UpdateOperation.upsert_points(edge_points))

    def delete(self, ids: list[str]) -> None:
        if ids:
            with self._lock:
                self._shard.update(self._q.UpdateOperation.delete_points(list(ids)))

    def delete_documents(self, doc_keys: list[str]) -> None:
        if doc_keys:
            with self._lock:
                self._shard.update(
                    self._q.UpdateOperation.delete_points_by_filter(
                        self._filter(SearchFilter(doc_keys=doc_keys))
                    )
                )

    def existing(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        records = self._shard.retrieve(list(ids), False, False)
        return {str(r.id) for r in records}

    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter,
        limit: int,
        mode: Mode = "hybrid",
        weights: tuple[float, float] | None = None,
    ) -> list[StoredHit]:
        """`weights` = (sparse, dense) for the RRF fusion; None = equal."""
        q = self._q
        flt = self._filter(filter)
        dense_q = q.Query.Nearest(_floats(dense), using=DENSE) if dense is not None else None
        sparse_q = (
            q.Query.Nearest(q.SparseVector(indices=sparse.indices, values=sparse.values), using=SPARSE)
            if sparse is not None and sparse.indices
            else None
        )
        if mode == "dense" or (mode == "hybrid" and sparse_q is None):
            if dense_q is None:
                return []
            request = q.QueryRequest(limit=limit, query=dense_q, filter=flt, with_payload=True)
        elif mode == "sparse":
            if sparse_q is None:
                return []
            request = q.QueryRequest(limit=limit, query=sparse_q, filter=flt, with_payload=True)
        else:
            prefetches = [q.Prefetch(limit=_prefetch_limit(limit), query=sparse_q, filter=flt)]
            if dense_q is not None:
                prefetches.append(q.Prefetch(limit=_prefetch_limit(limit), query=dense_q, filter=flt))
            fusion = (
                q.Fusion.Rrf(k=RRF_K, weights=list(weights)[: len(prefetches)])
                if weights
                else q.Fusion.Rrf(k=RRF_K)
            )
            request = q.QueryRequest(
                limit=limit, prefetches=prefetches, query=fusion, filter=flt, with_payload=True
            )
        points = self._shard.query(request)
        return [StoredHit(id=str(p.id), score=float(p.score), payload=dict(p.payload or {})) for p in points]

    def scroll(self, filter: SearchFilter, limit: int) -> list[StoredHit]:
        records, _ = self._shard.scroll(
            self._q.ScrollRequest(limit=limit, filter=self._filter(filter), with_payload=True)
        )
        return [StoredHit(id=str(r.id), score=0.0, payload=dict(r.payload or {})) for r in records]

    def dense_vectors(
        self, *, ids: list[str] | None = None, doc_keys: list[str] | None = None
    ) -> list[StoredVector]:
        """Stored dense vectors (with payloads) of the given chunk ids, or of every chunk of the
        given documents. At most `MAX_VECTOR_FETCH` points."""
        if ids:
            records = self._shard.retrieve(list(ids)[:MAX_VECTOR_FETCH], True, [DENSE])
        elif doc_keys:
            records, _ = self._shard.scroll(
                self._q.ScrollRequest(
                    limit=MAX_VECTOR_FETCH,
                    filter=self._filter(SearchFilter(doc_keys=list(doc_keys))),
                    with_payload=True,
                    with_vector=[DENSE],
                )
            )
        else:
            return []
        return _stored_vectors(records)

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self._shard.count(self._q.CountRequest(filter=self._filter(filter), exact=True)))

    def optimize(self) -> bool:
        with self._lock:
            return bool(self._shard.optimize())

    def flush(self) -> None:
        self._shard.flush()

    def close(self) -> None:
        try:
            self._shard.flush()
        finally:
            self._shard.close()


# --- server: qdrant-client ----------------------------------------------------------------------


class ServerStore:
    """A Qdrant server or cluster through qdrant-client; same schema and filters as `EdgeStore`."""

    def __init__(
        self, client: Any, dimension: int, collection: str = COLLECTION, *, embedder: str | None = None
    ) -> None:
        from qdrant_client import models

        self._m = models
        self.client = client
        self.collection = collection
        self.dimension = dimension
        try:
            exists = client.collection_exists(collection)
        except Exception as exc:
            raise Unavailable(f"cannot reach the Qdrant server: {exc}", code="qdrant_unreachable") from exc
        if exists:
            info = client.get_collection(collection)
            built = BuiltWith(
                (info.config.metadata or {}).get("embedder"), int(info.config.params.vectors[DENSE].size)
            )
            check_built_with(f"collection {collection}", built, embedder, dimension)
        else:
            client.create_collection(
                collection,
                vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.DOT)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                metadata={"embedder": embedder, "dimension": dimension} if embedder else None,
            )
        for name in KEYWORD_FIELDS:
            client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
        for name in INTEGER_FIELDS:
            client.create_payload_index(collection, name, models.PayloadSchemaType.INTEGER)
        for name in DATETIME_FIELDS:
            client.create_payload_index(collection, name, models.PayloadSchemaType.DATETIME)

    @classmethod
    def connect(
        cls, url: str, api_key: str | None, dimension: int, embedder: str | None = None
    ) -> ServerStore:
        from qdrant_client import QdrantClient

        return cls(QdrantClient(url=url, api_key=api_key, timeout=30), dimension, embedder=embedder)

    def _filter(self, f: SearchFilter | None) -> Any:
        m = self._m

        def dates(since: datetime | None, until: datetime | None) -> Any:
            return m.FieldCondition(key="occurred_at", range=m.DatetimeRange(gte=since, lte=until))

        return build_filter(m, f, dates)

    def upsert(self, points: list[ChunkPoint]) -> None:
        if not points:
            return
        m = self._m
        self.client.upsert(
            self.collection,
            points=[
                m.PointStruct(
                    id=p.id,
                    vector={
                        DENSE: _floats(p.dense),
                        SPARSE: m.SparseVector(indices=p.sparse.indices, values=p.sparse.values),
                    },
                    payload=p.payload,
                )
                for p in points
            ],
            wait=True,
        )

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.client.delete(
                self.collection, points_selector=self._m.PointIdsList(points=list(ids)), wait=True
            )

    def delete_documents(self, doc_keys: list[str]) -> None:
        if doc_keys:
            self.client.delete(
                self.collection,
                points_selector=self._m.FilterSelector(filter=self._filter(SearchFilter(doc_keys=doc_keys))),
                wait=True,
            )

    def existing(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        return {str(r.id) for r in self.client.retrieve(self.collection, ids=list(ids), with_payload=False)}

    def query(
        self,
        dense: Sequence[float] | None,
        sparse: SparseVector | None,
        filter: SearchFilter,
        limit: int,
        mode: Mode = "hybrid",
        weights: tuple[float, float] | None = None,
    ) -> list[StoredHit]:
        m = self._m
        flt = self._filter(filter)
        sparse_v = (
            m.SparseVector(indices=sparse.indices, values=sparse.values)
            if sparse is not None and sparse.indices
            else None
        )
        dense_v = _floats(dense) if dense is not None else None
        if mode == "dense" or (mode == "hybrid" and sparse_v is None):
            if dense_v is None:
                return []
            response = self.client.query_points(
                self.collection, query=dense_v, using=DENSE, query_filter=flt, limit=limit, with_payload=True
            )
        elif mode == "sparse":
            if sparse_v is None:
                return []
            response = self.client.query_points(
                self.collection,
                query=sparse_v,
                using=SPARSE,
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
        else:
            prefetch = [m.Prefetch(query=sparse_v, using=SPARSE, filter=flt, limit=_prefetch_limit(limit))]
            if dense_v is not None:
                prefetch.append(
                    m.Prefetch(query=dense_v, using=DENSE, filter=flt, limit=_prefetch_limit(limit))
                )
            response = self.client.query_points(
                self.collection,
                prefetch=prefetch,
                query=(
                    m.RrfQuery(rrf=m.Rrf(k=RRF_K, weights=list(weights)[: len(prefetch)]))
                    if weights
                    else m.FusionQuery(fusion=m.Fusion.RRF)
                ),
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
        return [
            StoredHit(id=str(p.id), score=float(p.score), payload=dict(p.payload or {}))
            for p in response.points
        ]

    def scroll(self, filter: SearchFilter, limit: int) -> list[StoredHit]:
        records, _ = self.client.scroll(
            self.collection, scroll_filter=self._filter(filter), limit=limit, with_payload=True
        )
        return [StoredHit(id=str(r.id), score=0.0, payload=dict(r.payload or {})) for r in records]

    def dense_vectors(
        self, *, ids: list[str] | None = None, doc_keys: list[str] | None = None
    ) -> list[StoredVector]:
        """Same contract as `EdgeStore.dense_vectors`."""
        if ids:
            records = self.client.retrieve(
                self.collection, ids=list(ids)[:MAX_VECTOR_FETCH], with_payload=True, with_vectors=[DENSE]
            )
        elif doc_keys:
            records, _ = self.client.scroll(
                self.collection,
                scroll_filter=self._filter(SearchFilter(doc_keys=list(doc_keys))),
                limit=MAX_VECTOR_FETCH,
                with_payload=True,
                with_vectors=[DENSE],
            )
        else:
            return []
        return _stored_vectors(records)

    def count(self, filter: SearchFilter | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=self._filter(filter), exact=True).count)

    def optimize(self) -> bool:
        return False  # a server runs its own optimizers

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.client.close()


def chunk_uuid(name: str) -> str:
    """A stable point id from a chunk's identity (both adapters accept UUID strings)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def open_store(settings: Any, dimension: int, embedder: str | None = None) -> VectorStore:
    """The adapter Settings ask for: a server when COPILOT_QDRANT_URL is set, else the embedded shard.

    `embedder` (its name) is recorded with a new index and checked against an existing one.
    """
    if settings.qdrant_url:
        return ServerStore.connect(settings.qdrant_url, settings.qdrant_api_key, dimension, embedder)
    return EdgeStore(Path(settings.resolved_qdrant_path), dimension, embedder=embedder)


def destroy_index(settings: Any) -> None:
    """Remove the index Settings point at, whatever embedder built it (no dimension check)."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        client = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key, timeout=30)
        try:
            if client.collection_exists(COLLECTION):
                client.delete_collection(COLLECTION)
        finally:
            client.close()
        return
    EdgeStore.destroy(Path(settings.resolved_qdrant_path))
