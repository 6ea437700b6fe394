"""The bundled embedder loads offline and ranks a paraphrase above an unrelated sentence."""

import numpy as np

from retrieval.embedder import get_embedder


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
