"""Contracts: documents written from a structured source (demo, eval, tests) and the CLI."""
