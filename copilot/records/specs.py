"""What each CRM entity is made of, for the one generic list/get/create/update service.

A spec names the table, the pydantic models in and out, the caller's scope, which fields can be
filtered, sorted and searched, and how derived columns (normalised keys) are filled. Adding an
entity means adding a spec, not another copy of the CRUD code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement

from copilot import auth
from copilot.db.schema import ActivityRow, Base, ContactRow, CustomerRow, LeadRow, OpportunityRow, SignalRow
from copilot.dedup.normalise import normalise_company_name, normalise_phone
from copilot.models import (
    Activity,
    ActivityIn,
    Contact,
    ContactIn,
    ContactPatch,
    Customer,
    CustomerIn,
    CustomerPatch,
    Lead,
    LeadIn,
    LeadPatch,
    Opportunity,
    OpportunityIn,
    OpportunityPatch,
    Signal,
)


def _customer_keys(values: dict[str, Any]) -> dict[str, Any]:
    if "name" in values:
        values["name_key"] = normalise_company_name(values["name"])
    if "phone" in values:
        values["phone_key"] = normalise_phone(values["phone"]) or None
    return values


@dataclass(frozen=True)
class EntitySpec:
    name: str  # singular, used in audit entries and messages
    plural: str  # URL segment and import entity
    row: type[Base]
    out: type[BaseModel]
    create: type[BaseModel] | None
    patch: type[BaseModel] | None
    scope: Callable[[auth.Caller], ColumnElement[bool]]
    filters: tuple[str, ...]
    sorts: tuple[str, ...]
    search: tuple[str, ...] = ()
    derive: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda values: values)
    default_sort: str = "-id"
    required: tuple[str, ...] = ()


CUSTOMERS = EntitySpec(
    name="customer",
    plural="customers",
    row=CustomerRow,
    out=Customer,
    create=CustomerIn,
    patch=CustomerPatch,
    scope=auth.customer_scope,
    filters=("industry", "province", "city", "owner_id", "department_id", "uscc", "size_band", "external_id"),
    sorts=("id", "name", "created_at", "updated_at", "industry"),
    search=("name", "uscc", "phone", "email", "city"),
    derive=_customer_keys,
    required=("name",),
)

CONTACTS = EntitySpec(
    name="contact",
    plural="contacts",
    row=ContactRow,
    out=Contact,
    create=ContactIn,
    patch=ContactPatch,
    scope=auth.contact_scope,
    filters=("customer_id", "external_id"),
    sorts=("id", "name", "created_at", "updated_at"),
    search=("name", "phone", "email", "title"),
    required=("name",),
)

LEADS = EntitySpec(
    name="lead",
    plural="leads",
    row=LeadRow,
    out=Lead,
    create=LeadIn,
    patch=LeadPatch,
    scope=auth.lead_scope,
    filters=(
        "source",
        "status",
        "region",
        "industry",
        "owner_id",
        "department_id",
        "grade",
        "utm_source",
        "customer_id",
        "external_id",
    ),
    sorts=("id", "created_at", "updated_at", "assigned_at", "budget"),
    search=("company", "contact_name", "phone", "email"),
    required=("source",),
)

OPPORTUNITIES = EntitySpec(
    name="opportunity",
    plural="opportunities",
    row=OpportunityRow,
    out=Opportunity,
    create=OpportunityIn,
    patch=OpportunityPatch,
    scope=auth.opportunity_scope,
    filters=("customer_id", "stage", "status", "owner_id", "department_id", "product", "external_id"),
    sorts=("id", "amount", "created_at", "updated_at", "stage_entered_at"),
    search=("name",),
    required=("customer_id", "name"),
)

ACTIVITIES = EntitySpec(
    name="activity",
    plural="activities",
    row=ActivityRow,
    out=Activity,
    create=ActivityIn,
    patch=None,
    scope=auth.activity_scope,
    filters=("customer_id", "contact_id", "opportunity_id", "lead_id", "kind", "author_id", "external_id"),
    sorts=("id", "occurred_at", "created_at"),
    search=("subject", "text"),
    default_sort="-occurred_at",
    required=("kind",),
)

SIGNALS = EntitySpec(
    name="signal",
    plural="signals",
    row=SignalRow,
    out=Signal,
    create=None,
    patch=None,
    scope=auth.signal_scope,
    filters=("customer_id", "source", "type"),
    sorts=("id", "occurred_at", "ingested_at"),
    search=("title", "text"),
    default_sort="-occurred_at",
)

SPECS: dict[str, EntitySpec] = {
    spec.plural: spec for spec in (CUSTOMERS, CONTACTS, LEADS, OPPORTUNITIES, ACTIVITIES, SIGNALS)
}
