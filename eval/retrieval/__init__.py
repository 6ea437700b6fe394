"""Retrieval eval: labelled zh / en / cross-language queries over the demo corpus."""
