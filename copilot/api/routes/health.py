"""Liveness: `/health` answers without a key, and says whether the database answers."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from copilot import __version__
from copilot.api.deps import ContextDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness probe")
def health(context: ContextDep) -> dict[str, Any]:
    with context.db.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": context.db.dialect}
