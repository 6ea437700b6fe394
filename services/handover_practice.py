"""Handover as a workflow: the map of a customer, preparing a handover (reassign + package),
handing over every account of a departing user, and practice sessions (start, turn, finish,
attempts and progress) with the visibility rules of the caller.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import (
    CustomerRow,
    HandoverPackageRow,
    LeadRow,
    OpportunityRow,
    PracticeSessionRow,
    TodoRow,
    UserRow,
)
from copilot.errors import Forbidden, InvalidInput, NotFound
from copilot.models import Role
from copilot.org import get_user_by_login
from copilot.records.lookup import resolve_customer_row as resolve_customer
from services.handover import build_package
from services.handover_history import load_history
from services.handover_models import HandoverPackage
from services.handover_scenarios import SCENARIOS, build_persona, load_scenarios
from services.handover_scoring import score_dialogue
from services.simulation import Reply, SimState, Simulation, load_dialogue_rules


def customer_package(session: Session, caller: auth.Caller, ref: str | int) -> HandoverPackage:
    customer = resolve_customer(session, caller, ref)
    return build_package(load_history(session, customer))


def _predecessor(session: Session, customer_id: int) -> str | None:
    row = session.scalar(
        select(HandoverPackageRow)
        .where(HandoverPackageRow.customer_id == customer_id)
        .order_by(HandoverPackageRow.id.desc())
        .limit(1)
    )
    if row is None or row.from_user_id is None:
        return None
    user = session.get(UserRow, row.from_user_id)
    return user.name if user else None


def prepare_handover(session: Session, caller: auth.Caller, ref: str | int, to_login: str) -> dict[str, Any]:
    """Reassign the customer and its open opportunities and leads to `to_login`, keep the package,
    and leave the new owner a to-do; all inside the caller's transaction, each change audited."""
    caller.require(Role.manager, Role.admin)
    customer = resolve_customer(session, caller, ref)
    return _handover_customer(session, caller, customer, get_user_by_login(session, to_login))


def _handover_customer(
    session: Session, caller: auth.Caller, customer: CustomerRow, to_user: UserRow
) -> dict[str, Any]:
    if not to_user.active:
        raise InvalidInput(
            f"{to_user.login} is deactivated and cannot take over accounts",
            details={"field": "to", "value": to_user.login},
        )
    actor = caller.id or None
    from_user_id = customer.owner_id
    moved = {"customer": 0, "opportunities": 0, "leads": 0}
    if customer.owner_id != to_user.id:
        before = audit.snapshot(customer)
        customer.owner_id = to_user.id
        customer.department_id = to_user.department_id or customer.department_id
        audit.record(
            session,
            actor_id=actor,
            action="handover.reassign",
            entity="customer",
            entity_id=customer.id,
            before=before,
            after=audit.snapshot(customer),
        )
        moved["customer"] = 1
    for row_cls, key, entity, condition in (
        (OpportunityRow, "opportunities", "opportunity", OpportunityRow.status == "open"),
        (LeadRow, "leads", "lead", LeadRow.status.notin_(("invalid", "converted"))),
    ):
        rows = session.scalars(select(row_cls).where(row_cls.customer_id == customer.id, condition))
        for row in rows:
            if row.owner_id == to_user.id:
                continue
            before = audit.snapshot(row)
            row.owner_id = to_user.id
            audit.record(
                session,
                actor_id=actor,
                action="handover.reassign",
                entity=entity,
                entity_id=row.id,
                before=before,
                after=audit.snapshot(row),
            )
            moved[key] += 1
    session.flush()
    package = build_package(load_history(session, customer))
    row = HandoverPackageRow(
        customer_id=customer.id,
        from_user_id=from_user_id,
        to_user_id=to_user.id,
        prepared_by=actor,
        package=package.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=actor,
        action="handover.prepare",
        entity="customer",
        entity_id=customer.id,
        after={"package_id": row.id, "to_user_id": to_user.id, "from_user_id": from_user_id},
    )
    open_promises = [p for p in package.promises if p.status != "kept"]
    unresolved = [c for c in package.conflicts if not c.resolved]
    existing = session.scalar(
        select(TodoRow.id).where(
            TodoRow.user_id == to_user.id, TodoRow.dedupe_key == f"handover:{customer.id}:{row.id}"
        )
    )
    if existing is None:
        session.add(
            TodoRow(
                user_id=to_user.id,
                kind="handover",
                title=f"接手客户 {customer.name}",
                body=(
                    f"{len(package.people)} people, {len(unresolved)} unresolved conflicts, "
                    f"{len(open_promises)} open promises, {len(package.opportunities)} open opportunities"
                ),
                entity="customer",
                entity_id=str(customer.id),
                dedupe_key=f"handover:{customer.id}:{row.id}",
                evidence=[e.model_dump(mode="json") for p in open_promises[:3] for e in p.evidence[:1]],
            )
        )
    return {
        "customer_id": customer.id,
        "customer": customer.name,
        "package_id": row.id,
        "from_user_id": from_user_id,
        "to": to_user.login,
        "moved": moved,
        "people": len(package.people),
        "unresolved_conflicts": len(unresolved),
        "open_promises": len(open_promises),
        "open_opportunities": len(package.opportunities),
        "missing": package.missing,
    }


def handover_user(session: Session, caller: auth.Caller, login: str, to_login: str) -> list[dict[str, Any]]:
    """Every customer owned by `login` handed over to `to_login` (the caller deactivates `login`)."""
    leaving = get_user_by_login(session, login)
    to_user = get_user_by_login(session, to_login)
    if leaving.id == to_user.id:
        raise InvalidInput("a user cannot hand over to themselves", details={"field": "handover_to"})
    customers = session.scalars(
        select(CustomerRow)
        .where(CustomerRow.owner_id == leaving.id, CustomerRow.merged_into_id.is_(None))
        .order_by(CustomerRow.id)
    ).all()
    return [_handover_customer(session, caller, c, to_user) for c in customers]


# --- practice sessions -----------------------------------------------------------------------


class SessionView(BaseModel):
    id: int
    customer_id: int
    customer: str
    scenario: str
    attempt: int
    status: str
    goal: str
    persona: dict[str, Any]
    turns: list[dict[str, Any]]
    score: float | None = None
    passed: bool | None = None
    result: dict[str, Any] | None = None


def _view(session: Session, row: PracticeSessionRow) -> SessionView:
    state = SimState.model_validate(row.state)
    p = state.persona
    customer = session.get(CustomerRow, row.customer_id)
    return SessionView(
        id=row.id,
        customer_id=row.customer_id,
        customer=customer.name if customer else "",
        scenario=row.scenario,
        attempt=row.attempt,
        status=row.status,
        goal=p.goal,
        persona={
            "name": p.name.value,
            "role": p.role,
            "title": p.title,
            "language": p.language,
            "monologue_averse": p.monologue_averse,
        },
        turns=list(row.turns),
        score=row.score,
        passed=row.passed,
        result=row.result,
    )


def persona_chat(generator: Any) -> Any:
    """The chat adapter when `generator` (from `services.generation.make_generator`) can word the
    persona's replies (COPILOT_LLM=openai); None offline, where the engine's wording is the reply."""
    return generator if hasattr(generator, "structured") else None


def _worded(generator: Any, sim: Simulation, turns: list[dict[str, Any]], reply: Reply) -> Reply:
    chat = persona_chat(generator)
    if chat is None:
        return reply
    from services.persona_llm import word_reply

    return word_reply(chat, sim.persona, turns, reply)


def start_session(
    session: Session, caller: auth.Caller, ref: str | int, scenario: str, *, generator: Any = None
) -> SessionView:
    customer = resolve_customer(session, caller, ref)
    if scenario not in SCENARIOS:
        raise InvalidInput(
            f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}",
            details={"field": "scenario", "value": scenario},
        )
    package = build_package(load_history(session, customer))
    persona = build_persona(
        package,
        scenario,
        tags_averse=load_dialogue_rules().monologue_averse_tags,
        predecessor=_predecessor(session, customer.id),
    )
    user_id = caller.id or None
    attempts = session.scalars(
        select(PracticeSessionRow.id).where(
            PracticeSessionRow.customer_id == customer.id,
            PracticeSessionRow.scenario == scenario,
            PracticeSessionRow.user_id.is_(user_id)
            if user_id is None
            else PracticeSessionRow.user_id == user_id,
        )
    ).all()
    attempt = len(attempts) + 1
    # the opening (which an LLM may word) comes before the first write: on SQLite the write lock
    # is held from the first INSERT to commit, and nobody else may write while a model thinks
    sim = Simulation.start(persona, seed=_seed(customer.id, scenario, user_id, attempt))
    opening = _worded(generator, sim, [], sim.opening())
    row = PracticeSessionRow(
        customer_id=customer.id,
        user_id=user_id,
        scenario=scenario,
        attempt=attempt,
        status="active",
        turns=[{"speaker": "customer", **opening.model_dump(mode="json")}],
        state=sim.state.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return _view(session, row)


def _seed(customer_id: int, scenario: str, user_id: int | None, attempt: int) -> int:
    """The wording seed of an attempt: stable for the same attempt, different for the next one."""
    digest = hashlib.sha1(f"{customer_id}:{scenario}:{user_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _own_session(
    session: Session, caller: auth.Caller, session_id: int, *, write: bool
) -> PracticeSessionRow:
    row = session.get(PracticeSessionRow, session_id)
    if row is None:
        raise NotFound(f"no practice session {session_id}", details={"field": "session_id"})
    own = row.user_id == (caller.id or None)
    if own or caller.is_admin:
        return row
    if not write and caller.role == Role.manager and row.user_id:
        user = session.get(UserRow, row.user_id)
        if user is not None and user.department_id == caller.department_id:
            return row
    raise Forbidden("this practice session belongs to someone else", details={"session_id": session_id})


def add_turn(
    session: Session, caller: auth.Caller, session_id: int, text: str, *, generator: Any = None
) -> dict[str, Any]:
    """The rep's turn and the persona's reply. The offline engine decides the reply (concerns,
    reactions) in every mode; with an LLM `generator` the model may word it (services.persona_llm)."""
    row = _own_session(session, caller, session_id, write=True)
    if row.status != "active":
        raise InvalidInput("this session is finished; start a new attempt", details={"field": "session_id"})
    sim = Simulation(SimState.model_validate(row.state))
    rep_turn = {"speaker": "rep", "text": text}
    reply = _worded(generator, sim, [*row.turns, rep_turn], sim.respond(text))
    customer_turn = {"speaker": "customer", **reply.model_dump(mode="json")}
    row.turns = [*row.turns, rep_turn, customer_turn]
    row.state = sim.state.model_dump(mode="json")
    return {"session_id": row.id, "reply": customer_turn, "turns": len(row.turns)}


def finish_session(session: Session, caller: auth.Caller, session_id: int) -> SessionView:
    row = _own_session(session, caller, session_id, write=True)
    if row.status == "finished":
        return _view(session, row)
    state = SimState.model_validate(row.state)
    rep_turns = [t["text"] for t in row.turns if t["speaker"] == "rep"]
    result = score_dialogue(state.persona, rep_turns, now())
    row.status = "finished"
    row.finished_at = now()
    row.score = result.score
    row.passed = result.passed
    row.result = result.model_dump(mode="json")
    return _view(session, row)


def get_session(session: Session, caller: auth.Caller, session_id: int) -> SessionView:
    return _view(session, _own_session(session, caller, session_id, write=False))


def results(session: Session, caller: auth.Caller, customer_id: int | None = None) -> dict[str, Any]:
    """Finished attempts the caller may see (own; a manager's team; everything for admin), with
    progress per (user, customer, scenario): scores in attempt order, best and change."""
    stmt = select(PracticeSessionRow, UserRow).join(
        UserRow, UserRow.id == PracticeSessionRow.user_id, isouter=True
    )
    stmt = stmt.where(PracticeSessionRow.status == "finished")
    if customer_id is not None:
        stmt = stmt.where(PracticeSessionRow.customer_id == customer_id)
    if caller.role == Role.manager and caller.department_id:
        stmt = stmt.where((UserRow.department_id == caller.department_id) | (UserRow.id == caller.id))
    elif not caller.is_admin:
        stmt = stmt.where(PracticeSessionRow.user_id == caller.id)
    rows = session.execute(stmt.order_by(PracticeSessionRow.id)).all()
    attempts, progress = [], {}
    titles = load_scenarios().scenarios
    for s, user in rows:
        attempts.append(
            {
                "session_id": s.id,
                "user": user.login if user else "system",
                "customer_id": s.customer_id,
                "scenario": s.scenario,
                "attempt": s.attempt,
                "score": s.score,
                "passed": s.passed,
                "finished_at": s.finished_at,
            }
        )
        key = (user.login if user else "system", s.customer_id, s.scenario)
        progress.setdefault(key, []).append(s.score)
    return {
        "attempts": attempts,
        "progress": [
            {
                "user": u,
                "customer_id": c,
                "scenario": sc,
                "title": titles[sc].title,
                "scores": scores,
                "best": max(scores),
                "change": scores[-1] - scores[0] if len(scores) > 1 else 0,
            }
            for (u, c, sc), scores in progress.items()
        ],
    }


def deactivate_and_hand_over(
    session: Session, caller: auth.Caller, login: str, to_login: str
) -> dict[str, Any]:
    """`copilot users deactivate LOGIN --handover-to NEW`: one transaction, every change audited."""
    from copilot.org import deactivate_user

    handed = handover_user(session, caller, login, to_login)
    user = deactivate_user(session, login, actor_id=caller.id or None)
    return {"user": user.model_dump(mode="json"), "handed_over": handed}
