"""List / get / create / update routes for every CRM entity, built from its EntitySpec.

(No `from __future__ import annotations` here: FastAPI reads the body models from the
annotations of the functions this factory builds.)
"""

from typing import Any

from fastapi import APIRouter, Query, Request

from copilot.api.deps import CallerDep, SessionDep
from copilot.models import Page
from copilot.records import service
from copilot.records.specs import SPECS, EntitySpec

_RESERVED = {"q", "sort", "limit", "offset"}


def _filters(request: Request, spec: EntitySpec) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for key, value in request.query_params.items():
        if key in _RESERVED:
            continue
        column = getattr(spec.row, key, None)
        python_type = (
            getattr(getattr(column, "type", None), "python_type", str) if column is not None else str
        )
        filters[key] = int(value) if python_type is int and value.lstrip("-").isdigit() else value
    return filters


def records_router(spec: EntitySpec) -> APIRouter:
    router = APIRouter(prefix=f"/{spec.plural}", tags=[spec.plural])
    out = spec.out

    @router.get(
        "",
        response_model=Page[out],  # type: ignore[valid-type]
        summary=f"List {spec.plural} visible to the caller",
        description=(
            f"Filters (exact match, as query parameters): {', '.join(spec.filters)}. "
            f"`q` searches {', '.join(spec.search) or 'nothing'}; `sort` is one of {', '.join(spec.sorts)}, '-' for descending."
        ),
    )
    def list_items(
        request: Request,
        session: SessionDep,
        caller: CallerDep,
        q: str | None = Query(None, description="Substring search"),
        sort: str | None = Query(None, examples=["-created_at"]),
        limit: int = Query(50, ge=1, le=service.MAX_LIMIT),
        offset: int = Query(0, ge=0),
    ) -> Any:
        return service.list_records(
            session, caller, spec, filters=_filters(request, spec), q=q, sort=sort, limit=limit, offset=offset
        )

    @router.get("/{record_id}", response_model=out, summary=f"One {spec.name}")
    def get_item(record_id: int, session: SessionDep, caller: CallerDep) -> Any:
        return service.get_record(session, caller, spec, record_id)

    if spec.create is not None:
        create_model = spec.create

        def create_item(
            body: create_model,  # type: ignore[valid-type]
            session: SessionDep,
            caller: CallerDep,
            force: bool = Query(False, description="create despite suspected duplicates (needs reason)"),
            reason: str | None = Query(None, description="why, when force=true; kept in the audit log"),
        ) -> Any:
            options = service.CreateOptions(force=force, reason=reason)
            return service.create_record(session, caller, spec, body, options)

        router.add_api_route(
            "",
            create_item,
            methods=["POST"],
            response_model=out,
            status_code=201,
            summary=f"Create a {spec.name}",
        )

    if spec.patch is not None:
        patch_model = spec.patch

        def update_item(record_id: int, body: patch_model, session: SessionDep, caller: CallerDep) -> Any:  # type: ignore[valid-type]
            return service.update_record(session, caller, spec, record_id, body)

        router.add_api_route(
            "/{record_id}",
            update_item,
            methods=["PATCH"],
            response_model=out,
            summary=f"Change a {spec.name}",
        )

    return router


def all_record_routers() -> list[APIRouter]:
    return [records_router(spec) for spec in SPECS.values()]
