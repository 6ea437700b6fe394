"""The pre-visit brief and the trigger rules behind it."""

import itertools
import json
from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import StreamingResponse

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.records import service as records
from copilot.records.specs import SPECS
from services import brief as brief_service
from services import trigger_rules, triggers
from services.facts import load_facts
from services.topics import default_matcher

router = APIRouter(tags=["brief"])


@router.get(
    "/customers/{customer_id}/brief",
    response_model=brief_service.Brief,
    summary="The pre-visit brief of a customer",
    description=(
        "Profile, signal wall, pain-point trigger cards, 3 visit questions and 3 talk tracks; every item "
        "carries `evidence`. `mode=offline` skips the LLM even when COPILOT_LLM=openai; `generation` says "
        "which generator wrote each section and why any item fell back. Fired triggers land in the owner's to-do list."
    ),
)
def get_brief(
    customer_id: int,
    context: ContextDep,
    caller: CallerDep,
    mode: Literal["auto", "offline"] = Query("auto"),
) -> Any:
    return brief_service.build_brief(context, caller, customer_id, mode=mode)


@router.get(
    "/customers/{customer_id}/brief/stream",
    summary="The brief as NDJSON events: the offline brief first, then LLM-written sections",
    response_class=StreamingResponse,
)
def stream_brief(customer_id: int, context: ContextDep, caller: CallerDep) -> Any:
    events = brief_service.stream_brief(context, caller, customer_id)
    first = next(events)  # errors (not found, not visible) surface as a normal error response

    def lines():  # type: ignore[no-untyped-def]
        for event in itertools.chain([first], events):
            yield json.dumps(event, ensure_ascii=False, default=str) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get(
    "/customers/{customer_id}/triggers/explain", summary="Every trigger rule, fired or not, with reasons"
)
def explain_triggers(customer_id: int, context: ContextDep, session: SessionDep, caller: CallerDep) -> Any:
    from copilot import clock

    customer = records.get_record(session, caller, SPECS["customers"], customer_id)
    facts = load_facts(session, caller, customer, clock.now())
    rules = trigger_rules.effective_rules(session)
    return triggers.explain(rules, facts, default_matcher(context), context.settings.zone)


@router.get("/trigger-rules", response_model=list[trigger_rules.Rule], summary="The trigger rules in force")
def list_rules(session: SessionDep, caller: CallerDep) -> Any:
    return trigger_rules.effective_rules(session)


@router.put(
    "/trigger-rules/{rule_id}",
    response_model=trigger_rules.Rule,
    summary="Create or replace a trigger rule (admins)",
    description="The body is a rule without `id` (see GET /trigger-rules); a stored rule overrides the shipped default with the same id.",
)
def put_rule(rule_id: str, session: SessionDep, caller: CallerDep, body: dict[str, Any] = Body(...)) -> Any:
    return trigger_rules.save_rule(session, caller, rule_id, body)


@router.delete(
    "/trigger-rules/{rule_id}", status_code=204, summary="Drop an admin's rule; the default applies again"
)
def delete_rule(rule_id: str, session: SessionDep, caller: CallerDep) -> Response:
    trigger_rules.reset_rule(session, caller, rule_id)
    return Response(status_code=204)
