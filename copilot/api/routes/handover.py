"""Handover API: the relationship map, handover, practice sessions (start, turn, finish), results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.bootstrap import AppContext
from services import handover_practice as hp
from services.handover_models import HandoverPackage

router = APIRouter(tags=["handover"])


def _generator(context: AppContext) -> Any:
    """The configured generator (shared with the brief); offline it leaves the persona's wording alone."""
    from services.generation import make_generator

    return context.adapter("generator", lambda: make_generator(context.settings))


class StartSession(BaseModel):
    scenario: str = Field(description="introduce | repair_conflict | advance_deal")


class Turn(BaseModel):
    text: str = Field(description="What the rep says (1 to 10,000 characters).")


class Prepare(BaseModel):
    to: str = Field(description="Login of the new owner.")


@router.get("/handover/{customer}/map", response_model=HandoverPackage)
def get_map(customer: str, session: SessionDep, caller: CallerDep) -> HandoverPackage:
    """The relationship map; `customer` is an id, external id, uscc or exact name."""
    return hp.customer_package(session, caller, customer)


@router.post("/handover/{customer}/prepare")
def prepare(customer: str, body: Prepare, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    """Hand the customer over to `to` (manager or admin): reassign, keep the package, notify."""
    return hp.prepare_handover(session, caller, customer, body.to)


@router.post("/handover/{customer_id}/sessions", response_model=hp.SessionView, status_code=201)
def start(
    customer_id: str, body: StartSession, session: SessionDep, caller: CallerDep, context: ContextDep
) -> hp.SessionView:
    return hp.start_session(session, caller, customer_id, body.scenario, generator=_generator(context))


@router.get("/sessions/{session_id}", response_model=hp.SessionView)
def get_session(session_id: int, session: SessionDep, caller: CallerDep) -> hp.SessionView:
    return hp.get_session(session, caller, session_id)


@router.post("/sessions/{session_id}/turns")
def turn(
    session_id: int, body: Turn, session: SessionDep, caller: CallerDep, context: ContextDep
) -> dict[str, Any]:
    """The persona's reply: `generated_by` says who worded it, `fallback_reason` why not the LLM."""
    return hp.add_turn(session, caller, session_id, body.text, generator=_generator(context))


@router.post("/sessions/{session_id}/finish", response_model=hp.SessionView)
def finish(session_id: int, session: SessionDep, caller: CallerDep) -> hp.SessionView:
    return hp.finish_session(session, caller, session_id)


@router.get("/handover/results")
def team_results(session: SessionDep, caller: CallerDep, customer_id: int | None = None) -> dict[str, Any]:
    """Finished attempts and progress: your own; a manager sees their team's."""
    return hp.results(session, caller, customer_id)
