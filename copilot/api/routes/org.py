"""The caller, users, departments, to-dos and lead visibility explanations."""

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from copilot import auth, org
from copilot.api.deps import CallerDep, SessionDep
from copilot.db.schema import TodoRow, UserRow
from copilot.models import Department, Role, Todo, User

router = APIRouter(tags=["organisation"])


@router.get("/me", response_model=User, summary="The caller")
def me(session: SessionDep, caller: CallerDep) -> Any:
    return org.user_model(session, session.get(UserRow, caller.id))


@router.get("/me/todo", response_model=list[Todo], summary="The caller's open to-dos, newest first")
def my_todo(session: SessionDep, caller: CallerDep, status: str = Query("open")) -> Any:
    rows = session.scalars(
        select(TodoRow)
        .where(TodoRow.user_id == caller.id, TodoRow.status == status)
        .order_by(TodoRow.created_at.desc(), TodoRow.id.desc())
        .limit(500)
    )
    return [Todo.model_validate(r) for r in rows]


@router.get("/users", response_model=list[User], summary="Users (managers and admins)")
def users(session: SessionDep, caller: CallerDep) -> Any:
    caller.require(Role.manager)
    return org.list_users(session)


@router.get("/departments", response_model=list[Department], summary="Departments")
def departments(session: SessionDep, caller: CallerDep) -> Any:
    return org.list_departments(session)


@router.get(
    "/leads/{lead_id}/visibility",
    tags=["leads"],
    summary="Why the caller can or cannot see a lead",
    description="Answers the seeds' '仅显示本部门线索' question in one call: owner, department, role.",
)
def lead_visibility(lead_id: int, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    return auth.explain_lead_visibility(session, caller, lead_id)
