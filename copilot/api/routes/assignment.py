"""Lead assignment API: rule versions, dry run, trace, health check, reassign, invalid marking, stats.

(No `from __future__ import annotations`: FastAPI reads the body models from the annotations.)
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from copilot.api.deps import CallerDep, ContextDep, SessionDep
from copilot.assignment import dictionaries, service, simulate, store, versions
from copilot.assignment.rules import dump_yaml, load_yaml, parse_rule_set
from copilot.assignment.stats import assignment_stats
from copilot.errors import InvalidInput, NotFound
from copilot.models import Role

router = APIRouter(tags=["assignment"])


class SimulateIn(BaseModel):
    rules: dict[str, Any] | None = Field(
        None, description="A rule set (YAML shape as JSON); default the published set"
    )
    rules_yaml: str | None = Field(None, description="The same as YAML text")
    leads: list[dict[str, Any]] | None = Field(
        None, description="Leads to route (lead fields); default the newest in the store"
    )
    sample: int = Field(
        100, ge=1, le=simulate.MAX_SIMULATE, description="How many leads when `leads` is not given"
    )
    paths: bool = Field(True, description="Include each lead's full path")


class ReassignIn(BaseModel):
    from_login: str | None = Field(None, alias="from")
    unassigned: bool = False
    rule_version: int | None = None
    apply: bool = False


class InvalidIn(BaseModel):
    reason: str = Field(description="A code or label of the reason library (GET /assignment/invalid-reasons)")
    note: str = ""


def _rule_set(body: SimulateIn, session: Any) -> Any:
    if body.rules is not None and body.rules_yaml is not None:
        raise InvalidInput("give rules or rules_yaml, not both", details={"field": "rules"})
    if body.rules is not None:
        return parse_rule_set(body.rules)
    if body.rules_yaml is not None:
        return load_yaml(body.rules_yaml)
    version = store.published_version(session)
    if version is None:
        raise NotFound("no rule set is published; send `rules`", details={"field": "rules"})
    return store.compiled(version)


@router.post("/assignment/simulate", summary="Dry run (模拟运行): route leads without writing")
def simulate_route(body: SimulateIn, session: SessionDep, caller: CallerDep, context: ContextDep) -> Any:
    caller.require(Role.manager)
    rule_set = _rule_set(body, session)
    if body.leads is not None:
        leads = [dict(lead, custom=lead.get("custom") or {}) for lead in body.leads]
        if not leads:
            raise InvalidInput("leads is empty", details={"field": "leads"})
    else:
        leads = simulate.recent_leads(session, body.sample) or simulate.generated_leads(
            dictionaries.build(session, dictionaries.dictionary_path(context.settings)), body.sample
        )
    report = simulate.simulate(session, rule_set, leads, paths=body.paths)
    session.rollback()
    return report


@router.get("/leads/{lead_id}/trace", summary="Why a lead went where it went (newest decision first)")
def lead_trace(lead_id: int, session: SessionDep, caller: CallerDep) -> Any:
    return service.lead_trace(session, caller, lead_id)


@router.get("/assignment/rules", summary="Every rule-set version with its status")
def list_rules(session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.manager)
    return versions.list_versions(session)


@router.post(
    "/assignment/rules",
    status_code=201,
    summary="Save a rule set (JSON or YAML) as a new draft version, validated",
)
def create_rules(
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    rules: dict[str, Any] | None = Body(None, embed=True),
    rules_yaml: str | None = Body(None, embed=True),
    note: str = Body("", embed=True),
) -> Any:
    caller.require(Role.admin)
    if (rules is None) == (rules_yaml is None):
        raise InvalidInput("send exactly one of rules or rules_yaml", details={"field": "rules"})
    rule_set = parse_rule_set(rules) if rules is not None else load_yaml(rules_yaml or "")
    row = versions.save_draft(
        session,
        rule_set,
        actor_id=caller.id,
        note=note,
        dictionary_path=dictionaries.dictionary_path(context.settings),
    )
    return versions.describe(session, row, body=True)


@router.post(
    "/assignment/rules/validate", summary="Validate a rule set against the organisation without saving"
)
def validate_rules(body: SimulateIn, session: SessionDep, caller: CallerDep, context: ContextDep) -> Any:
    caller.require(Role.manager)
    return versions.check(session, _rule_set(body, session), dictionaries.dictionary_path(context.settings))


@router.get("/assignment/rules/{version}", summary="One version (id, NAME@N, NAME or 'published')")
def get_rules(version: str, session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.manager)
    return versions.describe(session, versions.get_version(session, version), body=True)


@router.get(
    "/assignment/rules/{version}/yaml", response_class=PlainTextResponse, summary="Export a version as YAML"
)
def export_rules(version: str, session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.manager)
    return dump_yaml(parse_rule_set(versions.get_version(session, version).body))


@router.post("/assignment/rules/{version}/simulate", summary="Dry-run a saved version (draft -> simulated)")
def simulate_rules(
    version: str,
    session: SessionDep,
    caller: CallerDep,
    context: ContextDep,
    sample: int = Query(500, ge=1, le=simulate.MAX_SIMULATE),
) -> Any:
    caller.require(Role.admin)
    row = versions.get_version(session, version)
    report = versions.simulate_version(
        session, row, sample=sample, dictionary_path=dictionaries.dictionary_path(context.settings)
    )
    report["version"] = versions.describe(session, row)
    return report


@router.post("/assignment/rules/{version}/publish", summary="Publish a simulated, valid version")
def publish_rules(version: str, session: SessionDep, caller: CallerDep, context: ContextDep) -> Any:
    caller.require(Role.admin)
    return versions.publish(
        session,
        versions.get_version(session, version),
        actor_id=caller.id,
        dictionary_path=dictionaries.dictionary_path(context.settings),
    )


@router.get("/assignment/check", summary="Sales-group health: inactive or departed members still in teams")
def check(session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.manager)
    return service.group_health(session)


@router.post("/assignment/reassign", summary="Re-route open leads in bulk; a preview unless apply is true")
def reassign(body: ReassignIn, session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.admin)
    return service.reassign(
        session,
        from_login=body.from_login,
        unassigned=body.unassigned,
        rule_version=body.rule_version,
        apply=body.apply,
        actor_id=caller.id,
    )


@router.get("/assignment/invalid-reasons", summary="The fixed library of invalid-lead reasons")
def invalid_reasons(caller: CallerDep) -> Any:
    return service.invalid_reasons()


@router.post("/leads/{lead_id}/invalid", summary="Mark a lead invalid with a reason from the library")
def mark_invalid(lead_id: int, body: InvalidIn, session: SessionDep, caller: CallerDep) -> Any:
    return service.mark_invalid(session, caller, lead_id, body.reason, body.note)


@router.get(
    "/assignment/stats", summary="Assignment success rate, time to first contact, invalid rate by source"
)
def stats(
    session: SessionDep, caller: CallerDep, since: datetime | None = None, until: datetime | None = None
) -> Any:
    caller.require(Role.manager)
    return assignment_stats(session, since=since, until=until)
