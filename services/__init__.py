"""The copilot features: each a function of stored data, retrieval and a generator to a result."""
