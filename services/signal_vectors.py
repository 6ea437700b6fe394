"""Signal vectors for topic matching, taken from the retrieval index instead of embedded per request.

The index embeds every signal at ingest time (`signal:<id>` documents, one vector per chunk).
Embedding them again when a rep opens a brief costs seconds on a busy CPU (60 signals ≈ 8 s at
load 11), so the brief reads the stored vectors and embeds only what the index does not hold
(activities, signals not indexed yet, signals edited since they were indexed). A stored vector
is used only when its chunks still spell the signal's current title and text, and when it has
the dimension of the matcher's embedder (the index and the matcher share `embedder_for`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from copilot.bootstrap import AppContext
from retrieval.store import StoredVector
from services.facts import CustomerFacts, Item
from services.topics import TopicMatcher

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")


@dataclass
class VectorReport:
    """Where the vectors of one brief's texts came from (reported in `generation.signal_vectors`)."""

    from_index: int = 0
    embedded: int = 0
    signals_embedded: int = 0  # signals the index did not hold (or held stale): embedded now
    cached: int = 0
    index: str = "ok"  # "ok" | "unavailable: <why>" | "no embedder"

    def as_dict(self) -> dict[str, object]:
        return {
            "from_index": self.from_index,
            "embedded_now": self.embedded,
            "signals_embedded_now": self.signals_embedded,
            "cached": self.cached,
            "index": self.index,
        }


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _still_current(item: Item, chunks: list[StoredVector]) -> bool:
    """The chunks were cut from this version of the signal (title and text unchanged since indexing)."""
    if any(c.payload.get("title", "") != item.title for c in chunks):
        return False
    indexed = "".join(c.payload.get("text", "") for c in chunks)
    return _squash(indexed) == _squash(item.text or item.title)


def stored_signal_vectors(context: AppContext, signals: list[Item]) -> dict[int, list[StoredVector]]:
    """The index's chunk vectors of these signals, by signal id, in chunk order (raises when the
    index cannot be opened)."""
    from retrieval.index import get_store

    if not signals:
        return {}
    stored = get_store(context).dense_vectors(doc_keys=[f"signal:{s.id}" for s in signals])
    by_signal: dict[int, list[StoredVector]] = {}
    for vector in stored:
        key = str(vector.payload.get("doc_key", ""))
        if key.startswith("signal:") and key[7:].isdigit():
            by_signal.setdefault(int(key[7:]), []).append(vector)
    for chunks in by_signal.values():
        chunks.sort(key=lambda c: int(c.payload.get("chunk_no", 0)))
    return by_signal


def prime_matcher(context: AppContext, matcher: TopicMatcher, facts: CustomerFacts) -> VectorReport:
    """Give the matcher a vector for every signal and activity of the brief: from the index when
    it holds a current one, else embedded now in one batch. Never fails on the index's account."""
    report = VectorReport()
    if matcher.embedder is None:
        report.index = "no embedder"
        return report
    todo = [i for i in facts.items if matcher.cached_vector(i.content) is None]
    report.cached = len(facts.items) - len(todo)
    signals = [i for i in todo if i.kind == "signal"]
    try:
        stored = stored_signal_vectors(context, signals)
    except Exception as exc:  # noqa: BLE001 - an unavailable index must not cost the rep the brief
        log.warning("brief: signal vectors not read from the index: %s", exc)
        report.index = f"unavailable: {getattr(exc, 'message', None) or exc}"
        stored = {}
    for item in signals:
        chunks = stored.get(item.id)
        fresh = bool(chunks) and _still_current(item, chunks)
        if fresh and matcher.seed(
            item.content,
            np.asarray([c.dense for c in chunks], dtype=np.float32),
            [str(c.payload.get("text", "")) for c in chunks],
        ):
            report.from_index += 1
    missing = [i for i in todo if matcher.cached_vector(i.content) is None and i.content.strip()]
    matcher.prime([i.content for i in missing])
    report.embedded = len({i.content for i in missing})
    report.signals_embedded = len({i.content for i in missing if i.kind == "signal"})
    return report
