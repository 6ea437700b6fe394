"""Retrieval: embeddings, the vector store, hybrid search and indexing."""
