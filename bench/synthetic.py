"""Synthetic index content for benches: many points with real encoder vectors, made cheaply.

A pool of distinct ~40-token sentences (zh and en, about the seeds' topics) is embedded once;
each point mixes two pool sentences (vectors 0.7/0.3, re-normalised; BM25 terms merged), so
100k points cost one pool encode instead of a 15-minute embedding run. Shared by the
retrieval bench (search latency) and the brief bench (a 100k-chunk index behind the brief).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from retrieval.sparse import SparseVector, encode_document
from retrieval.store import ChunkPoint, VectorStore, chunk_uuid

TOPICS_ZH = [
    "焊装车间节拍瓶颈",
    "AI质检系统采购",
    "预测性维护平台",
    "MES对接文档",
    "能耗管理",
    "设备非计划停机",
    "数字化转型规划",
    "融资扩产",
]
TOPICS_EN = [
    "welding shop bottleneck",
    "AI quality inspection tender",
    "predictive maintenance",
    "MES integration guide",
    "energy cost",
    "unplanned downtime",
    "digital transformation",
    "capacity expansion",
]
UPSERT_BATCH = 2000


def sentences(n: int, rng: random.Random) -> list[str]:
    """`n` distinct sentences, alternating en and zh, each about one of the topics."""
    out = []
    for i in range(n):
        if i % 2:
            topic = rng.choice(TOPICS_EN)
            out.append(
                f"Customer {i} reported {topic} issues at plant {rng.randint(1, 99)}; the team discussed budget, timeline and a pilot with the plant manager next quarter."
            )
        else:
            topic = rng.choice(TOPICS_ZH)
            out.append(
                f"客户{i}反馈{topic}问题，第{rng.randint(1, 99)}号工厂计划下季度立项，预算约{rng.randint(50, 900)}万元，由厂长拍板。"
            )
    return out


class Pool:
    """Pool sentences with their dense vectors (from the real encoder) and BM25 vectors."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        self.texts = texts
        self.vectors = vectors
        self.sparse = [encode_document(t) for t in texts]

    @classmethod
    def embedded(cls, embedder, n: int, seed: int = 3) -> Pool:  # type: ignore[no-untyped-def]
        texts = sentences(n, random.Random(seed))
        return cls(texts, embedder.embed(texts))

    def mixed(self, a: int, b: int) -> tuple[np.ndarray, SparseVector]:
        """The vectors of a point made of pool sentences `a` (70%) and `b` (30%)."""
        vector = self.vectors[a] * 0.7 + self.vectors[b] * 0.3
        vector = vector / np.linalg.norm(vector)
        weights: dict[int, float] = {}
        for sv in (self.sparse[a], self.sparse[b]):
            for idx, val in zip(sv.indices, sv.values, strict=True):
                weights[idx] = weights.get(idx, 0.0) + val
        indices = sorted(weights)
        return vector, SparseVector(indices, [weights[j] for j in indices])


def fill(
    store: VectorStore,
    pool: Pool,
    count: int,
    payload: Callable[[int, str], dict],
    *,
    name: str,
    seed: int = 0,
) -> int:
    """Upsert `count` mixed points; `payload(i, text)` gives point i's payload (its text is the
    pool sentence it is mostly made of). Returns the number of points written."""
    rng = np.random.default_rng(seed)
    batch: list[ChunkPoint] = []
    for i in range(count):
        a, b = (int(x) for x in rng.integers(0, len(pool.texts), 2))
        dense, sparse = pool.mixed(a, b)
        batch.append(ChunkPoint(chunk_uuid(f"{name}:{i}"), dense, sparse, payload(i, pool.texts[a])))
        if len(batch) == UPSERT_BATCH:
            store.upsert(batch)
            batch = []
    store.upsert(batch)
    return count
