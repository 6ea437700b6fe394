"""Topic matching: does this text talk about 预测性维护 / takt bottlenecks / a competitor ...?

Keywords from the bilingual glossary (`prompts/topics.yaml`) decide first: a hit is certain and
explains itself ("keyword 预测性维护"). Otherwise the embedder compares the text with the
topic's English exemplars, so a rule written with one phrase also catches a paraphrase
("condition monitoring to avoid unplanned stops"). MiniLM is weak on Chinese, which is why
the keyword side carries Chinese recall.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, Field

from retrieval.embedder import symmetric_from_documents

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
TOPICS_FILE = PROMPTS_DIR / "topics.yaml"


class Topic(BaseModel):
    label: dict[str, str]
    keywords: list[str] = Field(default_factory=list)
    exemplars: list[str] = Field(default_factory=list)

    def name(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or next(iter(self.label.values()))


class Glossary(BaseModel):
    version: int
    embedding_threshold: float = 0.55
    topics: dict[str, Topic]


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float
    how: str  # "keyword 预测性维护" or "similarity 0.61 to 'condition monitoring ...'"


@lru_cache(maxsize=1)
def load_glossary(path: Path = TOPICS_FILE) -> Glossary:
    return Glossary.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class TopicMatcher:
    """Keyword + embedding topic matcher; embeddings of texts are cached by content hash."""

    def __init__(self, glossary: Glossary | None = None, embedder: Any | None = None) -> None:
        self.glossary = glossary or load_glossary()
        self.embedder = embedder
        self._keywords = {
            tid: [k.lower() for k in topic.keywords] for tid, topic in self.glossary.topics.items()
        }
        self._exemplar_ids: list[tuple[str, str]] = [
            (tid, ex) for tid, topic in self.glossary.topics.items() for ex in topic.exemplars
        ]
        self._exemplar_vectors: np.ndarray | None = None
        self._cache: dict[str, dict[str, TopicMatch]] = {}
        self._text_vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def keyword_hit(self, topic: str, text: str) -> str | None:
        lowered = text.lower()
        for keyword in self._keywords.get(topic, []):
            if keyword in lowered:
                return keyword
        return None

    def _vectors(self) -> np.ndarray:
        if self._exemplar_vectors is None:
            self._exemplar_vectors = self.embedder.embed([ex for _, ex in self._exemplar_ids])
        return self._exemplar_vectors

    def prime(self, texts: list[str]) -> None:
        """Embed, in one batch, the texts not seen before (a brief primes all its signals at once).
        Texts whose vectors came from the index (`seed`) are not embedded again."""
        if self.embedder is None:
            return
        todo = {}
        for text in texts:
            digest = _digest(text)
            if digest not in self._text_vectors and text.strip():
                todo[digest] = text[:1000]
        if not todo:
            return
        with self._lock:
            vectors = self.embedder.embed(list(todo.values()))
            self._remember(zip(todo.keys(), (v[None, :] for v in vectors), strict=True))

    def seed(self, text: str, vectors: np.ndarray, chunk_texts: list[str] | None = None) -> bool:
        """Use the document vectors the index stored for `text`'s chunks (`chunk_texts`, one row
        each; default: the text itself) instead of embedding it; a topic matches when any chunk
        is close enough. Refused (False) when they are not from this matcher's embedder (dimension)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim == 1:
            vectors = vectors[None, :]
        if self.embedder is None or vectors.shape[0] == 0 or vectors.shape[1] != self.embedder.dimension:
            return False
        texts = chunk_texts if chunk_texts and len(chunk_texts) == len(vectors) else [text] * len(vectors)
        vectors = symmetric_from_documents(self.embedder, vectors, texts)
        with self._lock:
            self._remember([(_digest(text), vectors)])
        return True

    def _remember(self, pairs: Any) -> None:
        if len(self._text_vectors) > 50_000:
            self._text_vectors.clear()
        self._text_vectors.update(pairs)

    def cached_vector(self, text: str) -> np.ndarray | None:
        """The vector of a text embedded or seeded before, without embedding anything new
        (several chunks: their normalised mean)."""
        vectors = self._text_vectors.get(_digest(text))
        if vectors is None:
            return None
        if len(vectors) == 1:
            return vectors[0]
        mean = vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean

    def match_all(self, text: str) -> dict[str, TopicMatch]:
        """Every topic the text is about, with how it was decided."""
        digest = _digest(text)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        found: dict[str, TopicMatch] = {}
        for tid in self._keywords:
            keyword = self.keyword_hit(tid, text)
            if keyword:
                found[tid] = TopicMatch(tid, 1.0, f"keyword “{keyword}”")
        if self.embedder is not None and self._exemplar_ids and text.strip():
            self.prime([text])
            with self._lock:
                sims = (self._vectors() @ self._text_vectors[digest].T).max(axis=1)
            threshold = self.glossary.embedding_threshold
            for (tid, exemplar), sim in zip(self._exemplar_ids, sims, strict=True):
                if sim >= threshold and tid not in found:
                    found[tid] = TopicMatch(tid, float(sim), f"similarity {sim:.2f} to “{exemplar}”")
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[digest] = found
        return found

    def match(self, topic: str, text: str) -> TopicMatch | None:
        return self.match_all(text).get(topic)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def default_matcher(context: Any) -> TopicMatcher:
    """One matcher per process, with the index's embedder when it can be loaded: exemplar vectors
    must live in the same space as the chunk vectors the index stored (whatever its dimension)."""

    def build() -> TopicMatcher:
        try:
            from retrieval.index import embedder_for

            return TopicMatcher(embedder=embedder_for(context))
        except Exception:  # noqa: BLE001 - no model: keywords still work, and the brief says so
            return TopicMatcher(embedder=None)

    return context.adapter("topic_matcher", build)
