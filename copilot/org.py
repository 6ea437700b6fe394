"""Organisation: departments and users (our own people), and their API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.clock import now
from copilot.db import audit
from copilot.db.schema import DepartmentRow, UserRow
from copilot.errors import Conflict, InvalidInput, NotFound
from copilot.models import Department, NewUserKey, Role, User


def user_model(session: Session, row: UserRow) -> User:
    department = session.get(DepartmentRow, row.department_id) if row.department_id else None
    return User.model_validate(row).model_copy(update={"department": department.name if department else None})


def get_or_create_department(session: Session, name: str, region: str | None = None) -> DepartmentRow:
    row = session.scalar(select(DepartmentRow).where(DepartmentRow.name == name))
    if row is None:
        row = DepartmentRow(name=name, region=region)
        session.add(row)
        session.flush()
    elif region and not row.region:
        row.region = region
    return row


def find_department(session: Session, name: str) -> DepartmentRow:
    row = session.scalar(select(DepartmentRow).where(DepartmentRow.name == name))
    if row is None:
        known = session.scalars(select(DepartmentRow.name)).all()
        raise NotFound(f"no department named {name!r}", details={"field": "department", "known": list(known)})
    return row


def list_departments(session: Session) -> list[Department]:
    return [
        Department.model_validate(r)
        for r in session.scalars(select(DepartmentRow).order_by(DepartmentRow.id))
    ]


def add_user(
    session: Session,
    *,
    login: str,
    role: Role | str,
    name: str | None = None,
    department: str | None = None,
    region: str | None = None,
    email: str | None = None,
    can_receive_leads: bool | None = None,
    actor_id: int | None = None,
    create_department: bool = True,
) -> NewUserKey:
    """Create a user and their first API key; the key is returned once and stored only as a hash."""
    login = login.strip()
    if not login or any(ch.isspace() for ch in login):
        raise InvalidInput(
            "login must be one word without spaces", details={"field": "login", "value": login}
        )
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidInput(
            f"role must be one of {', '.join(r.value for r in Role)}",
            details={"field": "role", "value": str(role)},
        ) from exc
    if session.scalar(select(UserRow.id).where(UserRow.login == login)) is not None:
        raise Conflict(
            f"a user with login {login!r} already exists", details={"field": "login"}, code="duplicate_user"
        )
    dept_row = None
    if department:
        dept_row = (
            get_or_create_department(session, department)
            if create_department
            else find_department(session, department)
        )
    key = auth.generate_api_key()
    row = UserRow(
        login=login,
        name=name or login,
        role=role.value,
        department_id=dept_row.id if dept_row else None,
        region=region or (dept_row.region if dept_row else None),
        email=email,
        active=True,
        can_receive_leads=role == Role.rep if can_receive_leads is None else can_receive_leads,
        api_key_hash=auth.hash_api_key(key),
        api_key_prefix=key[:10],
    )
    session.add(row)
    session.flush()
    if role == Role.manager and dept_row is not None and dept_row.manager_id is None:
        dept_row.manager_id = row.id
    audit.record(
        session,
        actor_id=actor_id,
        action="user.create",
        entity="user",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return NewUserKey(user=user_model(session, row), api_key=key)


def get_user_by_login(session: Session, login: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.login == login))
    if row is None:
        raise NotFound(f"no user with login {login!r}", details={"field": "login", "value": login})
    return row


def list_users(session: Session) -> list[User]:
    return [user_model(session, r) for r in session.scalars(select(UserRow).order_by(UserRow.id))]


def deactivate_user(session: Session, login: str, *, actor_id: int | None = None) -> User:
    """Deactivated users keep their records (for handover) but cannot sign in or receive leads."""
    row = get_user_by_login(session, login)
    before = audit.snapshot(row)
    row.active = False
    row.can_receive_leads = False
    row.deactivated_at = now()
    audit.record(
        session,
        actor_id=actor_id,
        action="user.deactivate",
        entity="user",
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return user_model(session, row)


def rotate_key(session: Session, login: str, *, actor_id: int | None = None) -> NewUserKey:
    row = get_user_by_login(session, login)
    key = auth.generate_api_key()
    row.api_key_hash = auth.hash_api_key(key)
    row.api_key_prefix = key[:10]
    audit.record(session, actor_id=actor_id, action="user.rotate_key", entity="user", entity_id=row.id)
    return NewUserKey(user=user_model(session, row), api_key=key)
