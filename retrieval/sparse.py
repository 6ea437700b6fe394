"""BM25 sparse vectors: jieba words for Chinese, lower-cased word tokens for English.

Why our own BM25 rather than the engine's text index: the bundled dense model turns ~39% of
Chinese tokens into [UNK], so Chinese recall rests on this side, and jieba's search-mode cut
(焊装车间 -> 焊装, 车间, 焊装车间) matches how people type queries. The document side stores the
BM25 term-frequency part (k1, b, with a fixed average length); the engine applies IDF itself
(the sparse vector is declared with `Modifier.Idf`), so the collection never needs re-weighting
as it grows. Terms are hashed to 31-bit ids (crc32): no vocabulary file to keep in sync.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 40.0  # tokens; typical chunk length in the demo corpus

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9+#._-]*[a-z0-9+#]|[a-z0-9]")
_SPLIT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    data = yaml.safe_load((Path(__file__).parent / "defaults" / "stopwords.yaml").read_text(encoding="utf-8"))
    return frozenset(str(w) for w in [*data["en"], *data["zh"]])


@lru_cache(maxsize=1)
def jieba_tokenizer():  # type: ignore[no-untyped-def]
    """jieba, initialised once per process (its dictionary load takes ~1 s); shared with wordvec."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Terms of a text: jieba search-mode words for CJK runs, word tokens for the rest."""
    stop = _stopwords()
    terms: list[str] = []
    for part in _SPLIT.split(text.lower()):
        if not part:
            continue
        if _CJK.fullmatch(part):
            terms.extend(w for w in jieba_tokenizer().cut_for_search(part) if w.strip() and w not in stop)
        else:
            terms.extend(w for w in _WORD.findall(part) if w not in stop)
    return terms


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _collapse(weights: dict[int, float]) -> SparseVector:
    indices = sorted(weights)
    return SparseVector(indices=indices, values=[weights[i] for i in indices])


def encode_document(text: str) -> SparseVector:
    """BM25 term-frequency weights of a chunk (IDF is applied by the engine at query time)."""
    terms = tokenize(text)
    length = len(terms) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    weights: dict[int, float] = {}
    for term, tf in Counter(terms).items():
        tid = term_id(term)
        weights[tid] = weights.get(tid, 0.0) + tf * (K1 + 1) / (tf + norm)
    return _collapse(weights)


def encode_query(text: str) -> SparseVector:
    """Each distinct query term weighs 1; the engine multiplies in its IDF."""
    return _collapse({term_id(t): 1.0 for t in tokenize(text)})
