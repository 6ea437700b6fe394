"""The copilot features: each a function of the store's data (and, where used, retriever and generator)."""
