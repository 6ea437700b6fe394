"""The FastAPI app factory: the same app serves the API, its docs and the web pages."""

from __future__ import annotations

from fastapi import FastAPI

from copilot import __version__
from copilot.api.errors import install_error_handlers
from copilot.bootstrap import AppContext, build_context

DESCRIPTION = """
Sales Copilot puts the customer knowledge that is already in the CRM in front of the person who
needs it, with the evidence it came from. Every route but `/health` needs
`Authorization: Bearer <api key>` (create one with `copilot users add`). Errors are always
`{"error": {"code", "message", "details"}}`.
"""


def create_app(context: AppContext | None = None) -> FastAPI:
    context = context or build_context()
    app = FastAPI(title="Sales Copilot", version=__version__, description=DESCRIPTION)
    app.state.context = context
    install_error_handlers(app)
    for router in api_routers():
        app.include_router(router)
    from copilot.web.routes import mount_web

    mount_web(app)
    return app


def api_routers() -> list:
    """Every API router, in the order they appear in the docs. Domains add theirs here."""
    from copilot.api.routes import (
        assignment,
        brief,
        contracts,
        dedup,
        handover,
        health,
        imports,
        ingest,
        inspection,
        org,
        records,
        stages,
        voice,
    )

    # inspection before records: /leads/flow must win over /leads/{id}
    return [
        health.router,
        inspection.router,
        org.router,
        *records.all_record_routers(),
        imports.router,
        stages.router,
        dedup.router,
        assignment.router,
        handover.router,
        brief.router,
        voice.router,
        ingest.router,
        contracts.router,
    ]
