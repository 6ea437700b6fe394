"""The copilot features: each a function of (store, retriever, generator) -> a cited result."""
