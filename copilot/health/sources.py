"""Access to other areas' results, each optional: routing traces (assignment) and the dedup scan.

When an area is not installed the inspection says so ("not available: ...") instead of
inventing a figure.
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session


def trace_table(session: Session) -> tuple[Any | None, str | None]:
    """The assignment trace row class, or None with the reason it is not available."""
    try:
        module = importlib.import_module("copilot.db.schema.assignment")
    except ImportError:
        return None, "routing traces not available: the assignment engine (issue 6) is not installed"
    row = getattr(module, "TraceRow", None)
    if row is None or not inspect(session.get_bind()).has_table(row.__tablename__):
        return None, "routing traces not available: the assignment_traces table does not exist"
    return row, None


def dedup_scanner() -> tuple[Any | None, str | None]:
    """`copilot.dedup.service.scan_store`, or None with the reason it is not available."""
    try:
        module = importlib.import_module("copilot.dedup.service")
    except ImportError:
        return None, "duplicate scan not available: the dedup engine (issue 5) is not installed"
    return module.scan_store, None
