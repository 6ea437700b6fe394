"""The bundled embedders load offline; the bilingual one reads Chinese and leaves English to MiniLM."""

import numpy as np

from retrieval.embedder import BILINGUAL, BUNDLED, embed_documents, embed_query, get_embedder


def test_bundled_model_embeds_offline_and_normalised() -> None:
    embedder = get_embedder()
    vectors = embedder.embed(
        [
            "predictive maintenance for the welding line",
            "maintenance prediction of welding equipment",
            "quarterly tax filing deadline",
        ]
    )
    assert vectors.shape == (3, embedder.dimension) == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_bilingual_embedder_scores_english_exactly_as_minilm() -> None:
    bilingual, minilm = get_embedder(BILINGUAL), get_embedder(BUNDLED)
    texts = ["predictive maintenance for the welding line", "quarterly tax filing deadline"]
    assert bilingual.dimension == 384 + 200
    assert np.allclose(bilingual.embed(texts)[:, :384], minilm.embed(texts), atol=1e-5)
    query = embed_query(bilingual, texts[0])
    assert np.isclose(
        float(embed_documents(bilingual, texts)[1] @ query),
        float(minilm.embed(texts)[1] @ minilm.embed(texts)[0]),
        atol=1e-4,
    )


def test_bilingual_embedder_ranks_a_chinese_paraphrase_where_minilm_cannot() -> None:
    bilingual = get_embedder(BILINGUAL)
    docs = embed_documents(
        bilingual, ["华南数控机床有限公司 工商变更：法定代表人变更", "华南数控机床有限公司完成新一轮融资"]
    )
    query = embed_query(bilingual, "华南数控机床法人换成谁了")
    scores = docs @ query
    assert scores[0] > scores[1]
    assert np.allclose(
        np.linalg.norm(bilingual.embed(["法人换成谁了", "mixed 中文 text"]), axis=1), 1.0, atol=1e-4
    )


def test_stored_document_vectors_give_back_the_symmetric_vectors_topic_matching_compares() -> None:
    """The brief matches topics on the vectors the index stored; for the bilingual embedder those
    are the document side, which must be turned back into exactly what `embed` gives."""
    from retrieval.embedder import symmetric_from_documents

    bilingual = get_embedder(BILINGUAL)
    texts = [
        "上汽焊装车间节拍瓶颈，计划引入预测性维护",
        "MES integration guide viewed 3 times",
        "AI质检 tender",
    ]
    stored = embed_documents(bilingual, texts)
    assert not np.allclose(stored, bilingual.embed(texts), atol=1e-3)  # the two sides differ
    assert np.allclose(symmetric_from_documents(bilingual, stored, texts), bilingual.embed(texts), atol=1e-5)
    minilm = get_embedder(BUNDLED)
    same = minilm.embed(texts)
    assert np.array_equal(symmetric_from_documents(minilm, same, texts), same)  # one-sided: unchanged
