"""API keys, roles and visibility scopes (DESIGN.md §6).

Visibility is a WHERE clause built here and applied inside every query, never a filter over
results: a rep's page of 50 leads is 50 leads they may see, and counts are counts they may see.

- rep: records they own, and their department's shared pool (records of the department with no owner);
- manager: everything of their department;
- legal: contracts (and the customers those contracts belong to);
- finance: customers and opportunities, read (payment confirmation);
- admin: everything.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from copilot.db.schema import (
    ActivityRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    DepartmentRow,
    LeadRow,
    OpportunityRow,
    SignalRow,
    UserRow,
)
from copilot.errors import Forbidden, NotFound, Unauthorized
from copilot.models import Role

KEY_PREFIX = "sc_"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """SHA-256 is enough for 256-bit random keys (no dictionary to attack); it keeps lookup O(1)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is asking: the fields visibility and permissions are decided on."""

    id: int
    login: str
    name: str
    role: Role
    department_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def require(self, *roles: Role) -> None:
        if self.role not in roles and not self.is_admin:
            allowed = ", ".join(r.value for r in roles) + ", admin"
            raise Forbidden(
                f"this needs one of the roles {allowed}; you are {self.role.value}",
                details={"role": self.role.value},
            )


def caller_from_row(row: UserRow) -> Caller:
    return Caller(
        id=row.id, login=row.login, name=row.name, role=Role(row.role), department_id=row.department_id
    )


def authenticate(session: Session, api_key: str | None) -> Caller:
    if not api_key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    row = session.scalar(select(UserRow).where(UserRow.api_key_hash == hash_api_key(api_key.strip())))
    if row is None:
        raise Unauthorized("unknown API key")
    if not row.active:
        raise Unauthorized(f"user {row.login} is deactivated")
    return caller_from_row(row)


def system_caller() -> Caller:
    """The CLI and the worker act with full rights; their audit entries carry no user id."""
    return Caller(id=0, login="system", name="system", role=Role.admin, department_id=None)


# --- scopes ----------------------------------------------------------------------------------


def _owned_scope(caller: Caller, owner_col: Any, department_col: Any) -> ColumnElement[bool]:
    if caller.role == Role.admin:
        return true()
    if caller.role == Role.manager:
        return department_col == caller.department_id if caller.department_id else owner_col == caller.id
    if caller.role == Role.rep:
        pool = (
            and_(department_col == caller.department_id, owner_col.is_(None))
            if caller.department_id
            else false()
        )
        return or_(owner_col == caller.id, pool)
    return false()


def customer_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.role == Role.finance:
        return true()
    if caller.role == Role.legal:
        return exists(select(ContractRow.id).where(ContractRow.customer_id == CustomerRow.id))
    return _owned_scope(caller, CustomerRow.owner_id, CustomerRow.department_id)


def visible_customer_ids(caller: Caller):  # type: ignore[no-untyped-def]
    return select(CustomerRow.id).where(customer_scope(caller))


def lead_scope(caller: Caller) -> ColumnElement[bool]:
    return _owned_scope(caller, LeadRow.owner_id, LeadRow.department_id)


def opportunity_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.role == Role.finance:
        return true()
    return _owned_scope(caller, OpportunityRow.owner_id, OpportunityRow.department_id)


def contact_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.is_admin:
        return true()
    return ContactRow.customer_id.in_(visible_customer_ids(caller))


def activity_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.is_admin:
        return true()
    return or_(ActivityRow.author_id == caller.id, ActivityRow.customer_id.in_(visible_customer_ids(caller)))


def signal_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.is_admin:
        return true()
    return SignalRow.customer_id.in_(visible_customer_ids(caller))


def contract_scope(caller: Caller) -> ColumnElement[bool]:
    if caller.role in (Role.admin, Role.legal):
        return true()
    return ContractRow.customer_id.in_(visible_customer_ids(caller))


# --- explanations ----------------------------------------------------------------------------


def _describe_user(session: Session, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    row = session.get(UserRow, user_id)
    if row is None:
        return {"id": user_id, "login": None}
    dept = session.get(DepartmentRow, row.department_id) if row.department_id else None
    return {
        "id": row.id,
        "login": row.login,
        "name": row.name,
        "active": row.active,
        "department": dept.name if dept else None,
    }


def _department_name(session: Session, department_id: int | None) -> str | None:
    dept = session.get(DepartmentRow, department_id) if department_id else None
    return dept.name if dept else None


def explain_lead_visibility(session: Session, caller: Caller, lead_id: int) -> dict[str, Any]:
    """Why the caller can or cannot see a lead: owner, department, role, as sentences and as data.

    It answers even when the answer is 'no' (that is its point), but reveals only who owns the
    lead and where it sits, never its contents.
    """
    lead = session.get(LeadRow, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist", details={"lead_id": lead_id})
    visible = session.scalar(select(LeadRow.id).where(LeadRow.id == lead_id, lead_scope(caller))) is not None
    owner = _describe_user(session, lead.owner_id)
    lead_dept = _department_name(session, lead.department_id)
    my_dept = _department_name(session, caller.department_id)
    reasons: list[str] = []
    if caller.role == Role.admin:
        reasons.append("admins see every lead")
    elif caller.role == Role.manager:
        if lead.department_id == caller.department_id:
            reasons.append(f"the lead belongs to your department {my_dept}")
        else:
            reasons.append(
                f"managers see their own department's leads; this lead belongs to {lead_dept or 'no department'}, you manage {my_dept or 'no department'}"
            )
    elif caller.role == Role.rep:
        if lead.owner_id == caller.id:
            reasons.append("you own this lead")
        elif lead.owner_id is None and lead.department_id == caller.department_id:
            reasons.append(f"the lead is unassigned in your department's shared pool ({my_dept})")
        else:
            if lead.owner_id is not None:
                reasons.append(
                    f"the lead is owned by {owner['login'] if owner else lead.owner_id}"
                    + (f" of {owner['department']}" if owner and owner.get("department") else "")
                )
            else:
                reasons.append(f"the lead is unassigned in {lead_dept or 'no department'}'s pool")
            reasons.append(
                f"reps see their own leads and the unassigned pool of their department ({my_dept or 'none'})"
            )
        if owner and owner.get("active") is False:
            reasons.append(f"its owner {owner['login']} is deactivated: the lead needs reassigning")
    else:
        reasons.append(f"the {caller.role.value} role does not see leads")
    if lead.department_id is None and lead.owner_id is None:
        reasons.append("the lead has neither owner nor department: routing did not place it")
    return {
        "lead_id": lead.id,
        "visible": visible,
        "caller": {"login": caller.login, "role": caller.role.value, "department": my_dept},
        "lead": {
            "owner": owner,
            "department": lead_dept,
            "status": lead.status,
            "assigned_at": lead.assigned_at,
        },
        "reasons": reasons,
    }
