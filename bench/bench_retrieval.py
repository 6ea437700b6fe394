"""Retrieval bench: ingestion throughput (embed included) against the encoder alone, hybrid
search latency p50/p95 with filters at 10k and 100k chunks, shard reopen time and memory.

The 10k/100k indexes are filled with real encoder vectors: a pool of distinct ~40-token
sentences is embedded once and points are made of pairs of them (their vectors mixed and
re-normalised, their BM25 terms merged), so latency is measured on realistic vectors without
spending 15 minutes encoding 100k chunks. `--quick` uses 2k and 10k.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.synthetic import Pool, fill, sentences


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _row(metric: str, value: float, unit: str, target: str = "", ok: bool | None = None) -> dict:
    return {
        "area": "retrieval",
        "metric": metric,
        "value": round(value, 2),
        "unit": unit,
        "target": target,
        "ok": ok,
    }


def _ingest_throughput(tmp: Path, n: int) -> list[dict]:
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from retrieval.index import IndexRecord, close_store, embedder_for, index_records

    rng = random.Random(1)
    context = build_context(Settings(data_dir=tmp / "ingest"))
    embedder = embedder_for(context)
    texts = sentences(n, rng)
    embedder.embed(texts[:32])  # warm up
    started = time.perf_counter()
    embedder.embed(texts)
    encoder_rate = n / (time.perf_counter() - started)
    records = [
        IndexRecord(doc_key=f"b:{i}", kind="signal", source="bench", text=t, public=True)
        for i, t in enumerate(sentences(n, random.Random(2)))
    ]
    started = time.perf_counter()
    report = index_records(context, records)
    ingest_rate = report.chunks / (time.perf_counter() - started)
    close_store(context)
    context.db.dispose()
    ratio = ingest_rate / encoder_rate
    return [
        _row("encoder alone", encoder_rate, "sentences/s"),
        _row("ingestion (embed + sparse + upsert + ledger)", ingest_rate, "chunks/s"),
        _row("ingestion / encoder", ratio * 100, "%", ">= 80", ratio >= 0.8),
    ]


def _latency(tmp: Path, size: int, pool: Pool) -> list[dict]:
    from retrieval.sparse import encode_query
    from retrieval.store import EdgeStore, SearchFilter

    path = tmp / f"shard{size}"
    store = EdgeStore(path, pool.vectors.shape[1])
    started = time.perf_counter()

    def payload(i: int, text: str) -> dict:
        return {
            "doc_key": f"d{i}",
            "kind": "signal",
            "source": ["news", "tender", "web"][i % 3],
            "customer_id": int(i % 2000),
            "department_id": int(i % 4),
            "audience": "customer",
            "occurred_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
            "text": text,
        }

    fill(store, pool, size, payload, name=str(size), seed=size)
    upsert_rate = size / (time.perf_counter() - started)
    pool_vectors, pool_texts = pool.vectors, pool.texts
    queries = [
        (pool_vectors[i], encode_query(pool_texts[i][:30]))
        for i in range(0, len(pool_texts), max(1, len(pool_texts) // 200))
    ]
    visible = list(range(0, 2000, 7))

    def measure() -> tuple[float, float]:
        timings = []
        for n, (dense, sparse) in enumerate(queries):
            flt = (
                SearchFilter(sources=["news", "web"], visible_customer_ids=visible)
                if n % 2
                else SearchFilter(customer_ids=[n % 2000])
            )
            t0 = time.perf_counter()
            store.query(dense, sparse, flt, 10, "hybrid")
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]

    exact_p50, exact_p95 = measure()
    started = time.perf_counter()
    store.optimize()
    optimize_s = time.perf_counter() - started
    p50, p95 = measure()
    store.close()
    rss_before = _rss_mb()
    started = time.perf_counter()
    reopened = EdgeStore(path, pool_vectors.shape[1])
    reopen_s = time.perf_counter() - started
    rss_after = _rss_mb()
    reopened.close()
    label = f"{size // 1000}k"
    target_ok = p95 <= 50 if size >= 100_000 else None
    return [
        _row(f"upsert rate at {label} (dense+sparse)", upsert_rate, "points/s"),
        _row(f"hybrid p50 at {label}, filtered, before optimize", exact_p50, "ms"),
        _row(f"hybrid p95 at {label}, filtered, before optimize", exact_p95, "ms"),
        _row(f"optimize (HNSW build) at {label}", optimize_s, "s", "worker only"),
        _row(f"hybrid p50 at {label}, filtered", p50, "ms"),
        _row(f"hybrid p95 at {label}, filtered", p95, "ms", "<= 50 at 100k", target_ok),
        _row(f"reopen at {label}", reopen_s, "s"),
        _row(f"memory after reopen at {label} (RSS delta)", rss_after - rss_before, "MB"),
    ]


def run(quick: bool) -> list[dict]:
    from retrieval.embedder import get_embedder

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rows += _ingest_throughput(tmp, 300 if quick else 1000)
        pool = Pool.embedded(get_embedder(), 600 if quick else 2000)
        for size in (2_000, 10_000) if quick else (10_000, 100_000):
            rows += _latency(tmp, size, pool)
    return rows
