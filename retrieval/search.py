"""Hybrid search: dense + BM25 sparse, fused by the engine's RRF, filtered by what the caller may see.

The public API other features call:

    search(context, query, *, customer_id=None, sources=None, kinds=None, since=None,
           until=None, caller=None, limit=10, mode="hybrid") -> list[Hit]

Each `Hit` carries the chunk's provenance and turns into an `EvidenceRef` with `hit.evidence()`.
Visibility: admins see everything; legal also sees every contract; others see chunks of the
customers `copilot.auth.customer_scope` lets them see, plus unlinked public-source signals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from copilot.auth import Caller, visible_customer_ids
from copilot.bootstrap import AppContext
from copilot.errors import InvalidInput
from copilot.models import EvidenceRef, Role
from retrieval.embedder import BILINGUAL, embed_query
from retrieval.glossary import expand_query
from retrieval.index import embedder_for, get_store
from retrieval.script import latin_share
from retrieval.sparse import encode_query
from retrieval.store import Mode, SearchFilter, StoredHit

MAX_LIMIT = 100
# Weight of the dense side in the RRF fusion (sparse weighs 1). Chosen on the eval: with the
# bilingual embedder, 0.6-0.8 (with RRF k 3-8, see retrieval.store.RRF_K) gives the same zh
# figures; 1.0 lets dense pick a same-topic chunk of another company too often (zh MRR -0.01).
DENSE_WEIGHT = 0.7
MIN_DENSE_WEIGHT = 0.0025  # plain MiniLM on an all-Chinese query


def fusion_weights(query: str, embedder_name: str = BILINGUAL) -> tuple[float, float]:
    """RRF weights (sparse, dense) for a query.

    With the bilingual embedder the dense side reads Chinese, so it counts on every query. With
    plain MiniLM (COPILOT_EMBED_MODEL=bundled:all-MiniLM-L6-v2) it cannot read Chinese (39% [UNK]):
    its weight is then the square of the query's Latin share, floored at 0.0025, so a Chinese
    query leans on BM25 (equal weights dragged zh recall@10 from 0.97 to 0.87 there).
    (Weights stay <= 1: qdrant-edge 0.9 does not treat weights above 1 as plain multipliers.)
    """
    if embedder_name == BILINGUAL:
        return 1.0, DENSE_WEIGHT
    share = latin_share(query)
    return 1.0, max(MIN_DENSE_WEIGHT, share * share)


class Hit(BaseModel):
    """One matched chunk, best first, with everything needed to cite it."""

    id: str = Field(description="Chunk id (stable while its document is unchanged).")
    score: float = Field(
        description="Fused RRF score (hybrid), dense similarity (dot product; cosine for unit vectors) or BM25 (sparse)."
    )
    doc_key: str
    kind: str = Field(description="signal | transcript | contract | voice_note ...")
    source: str
    title: str = ""
    quote: str = Field(description="The matched chunk text.")
    record_id: str | None = None
    customer_id: int | None = None
    url: str | None = None
    file: str | None = None
    occurred_at: datetime | None = None
    start: float | None = None
    end: float | None = None
    page: int | None = None
    bbox: list[float] | None = None
    speakers: list[str] | None = None
    label: str | None = None

    @classmethod
    def from_stored(cls, hit: StoredHit) -> Hit:
        p = hit.payload
        return cls(
            id=hit.id,
            score=hit.score,
            doc_key=p.get("doc_key", ""),
            kind=p.get("kind", ""),
            source=p.get("source", ""),
            title=p.get("title", ""),
            quote=p.get("text", ""),
            record_id=p.get("record_id"),
            customer_id=p.get("customer_id"),
            url=p.get("url"),
            file=p.get("file"),
            occurred_at=p.get("occurred_at"),
            start=p.get("start"),
            end=p.get("end"),
            page=p.get("page"),
            bbox=p.get("bbox"),
            speakers=p.get("speakers"),
            label=p.get("label"),
        )

    def evidence(self) -> EvidenceRef:
        kind = {"transcript": "transcript_span", "voice_note": "transcript_span", "contract": "clause"}.get(
            self.kind, "chunk"
        )
        return EvidenceRef(
            kind=kind,
            id=self.id,
            source=self.source,
            url=self.url,
            file=self.file,
            occurred_at=self.occurred_at,
            quote=self.quote,
            start=self.start,
            end=self.end,
            page=self.page,
        )


def visibility_filter(context: AppContext, caller: Caller | None, flt: SearchFilter) -> SearchFilter:
    """Restrict `flt` to what `caller` may see (None = a system call: no restriction)."""
    if caller is None or caller.is_admin:
        return flt
    with context.db.read() as session:
        flt.visible_customer_ids = list(session.scalars(visible_customer_ids(caller)))
    flt.visible_kinds = ["contract"] if caller.role == Role.legal else []
    return flt


def build_filter(
    *,
    customer_id: int | None = None,
    sources: list[str] | None = None,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SearchFilter:
    if since and until and since > until:
        raise InvalidInput(
            "since must not be after until",
            details={"field": "since", "since": str(since), "until": str(until)},
        )
    return SearchFilter(
        customer_ids=[customer_id] if customer_id is not None else None,
        sources=sources or None,
        kinds=kinds or None,
        since=since,
        until=until,
    )


def search(
    context: AppContext,
    query: str,
    *,
    customer_id: int | None = None,
    sources: list[str] | None = None,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    caller: Caller | None = None,
    limit: int = 10,
    mode: Mode = "hybrid",
    expand: bool = True,
) -> list[Hit]:
    """The best `limit` chunks for `query`, best first, within the filters and the caller's visibility."""
    query = (query or "").strip()
    if not query:
        raise InvalidInput("query must not be empty", details={"field": "query"})
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit", "value": limit}
        )
    if mode not in ("hybrid", "dense", "sparse"):
        raise InvalidInput("mode must be hybrid, dense or sparse", details={"field": "mode", "value": mode})
    flt = visibility_filter(
        context,
        caller,
        build_filter(customer_id=customer_id, sources=sources, kinds=kinds, since=since, until=until),
    )
    text = expand_query(query).query if expand else query
    embedder = embedder_for(context)
    dense = embed_query(embedder, text, script_of=query) if mode != "sparse" else None
    sparse = encode_query(text) if mode != "dense" else None
    weights = fusion_weights(query, embedder.name) if mode == "hybrid" else None
    stored = get_store(context).query(dense, sparse, flt, limit, mode, weights)
    return [Hit.from_stored(h) for h in stored]


def hits_as_json(hits: list[Hit]) -> dict[str, Any]:
    """The `{"results": [...]}` shape of `copilot search --json` and `GET /search`."""
    return {"results": [h.model_dump(mode="json") for h in hits]}


def customer_exists(context: AppContext, customer_id: int) -> bool:
    from copilot.db.schema import CustomerRow

    with context.db.read() as session:
        return session.scalar(select(CustomerRow.id).where(CustomerRow.id == customer_id)) is not None


_QUERY_VECTORS: dict[tuple[str, int, str], Any] = {}
_QUERY_CACHE_SIZE = 2048


def _query_vectors(context: AppContext, texts: list[str]) -> list[Any]:
    """Dense vectors of query texts, embedded in one batch; repeated queries come from a bounded
    cache (the brief asks the same topic queries for every customer, the encoder is the slow part)."""
    embedder = embedder_for(context)
    keys = [(embedder.name, embedder.dimension, t) for t in texts]
    todo = list(dict.fromkeys(k for k in keys if k not in _QUERY_VECTORS))
    if todo:
        vectors = embedder.embed([k[2] for k in todo])
        if len(_QUERY_VECTORS) + len(todo) > _QUERY_CACHE_SIZE:
            _QUERY_VECTORS.clear()
        _QUERY_VECTORS.update(zip(todo, vectors, strict=True))
    return [_QUERY_VECTORS[k] for k in keys]


def search_many(
    context: AppContext,
    queries: list[str],
    *,
    customer_id: int | None = None,
    sources: list[str] | None = None,
    kinds: list[str] | None = None,
    caller: Caller | None = None,
    limit: int = 10,
) -> list[list[Hit]]:
    """Several hybrid searches under one filter: `search` for each query, with the caller's
    visibility read once and the query vectors embedded in one batch (and cached)."""
    queries = [(q or "").strip() for q in queries]
    if not queries:
        return []
    if not all(queries):
        raise InvalidInput("queries must not be empty", details={"field": "queries"})
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit", "value": limit}
        )
    flt = visibility_filter(
        context, caller, build_filter(customer_id=customer_id, sources=sources, kinds=kinds)
    )
    texts = [expand_query(q).query for q in queries]
    store = get_store(context)
    results = []
    for query, text, dense in zip(queries, texts, _query_vectors(context, texts), strict=True):
        stored = store.query(dense, encode_query(text), flt, limit, "hybrid", fusion_weights(query))
        results.append([Hit.from_stored(h) for h in stored])
    return results
