"""Sales Copilot: the application shell and the deterministic core."""

__version__ = "0.1.0"
