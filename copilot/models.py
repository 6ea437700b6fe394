"""The shared vocabulary: pydantic models that services take and return and the API serves.

SQLAlchemy rows never leave `copilot.db`; these models are built from them (`from_attributes`).
`*In` models are what a writer may send (create), `*Patch` what an update may change, the plain
name what is read back. Domain packages add their own models beside their code; what two or
more packages share lives here.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T")


def _checked_uscc(value: str | None) -> str | None:
    """Writers must send a uscc whose GB 32100-2015 check digit holds (or none at all)."""
    from copilot.dedup.normalise import validate_uscc

    return validate_uscc(value) if value else None


Uscc = Annotated[
    str | None,
    AfterValidator(_checked_uscc),
    Field(description="统一社会信用代码, 18 characters with a GB 32100-2015 check digit."),
]


class Role(StrEnum):
    rep = "rep"
    manager = "manager"
    legal = "legal"
    finance = "finance"
    admin = "admin"


class ActivityKind(StrEnum):
    call = "call"
    visit = "visit"
    wechat = "wechat"
    email = "email"
    meeting = "meeting"
    note = "note"
    complaint = "complaint"
    delivery = "delivery"
    payment = "payment"


class LeadStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    contacted = "contacted"
    qualified = "qualified"
    invalid = "invalid"
    converted = "converted"


class OpportunityStatus(StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class ContractStatus(StrEnum):
    uploaded = "uploaded"
    in_review = "in_review"
    negotiating = "negotiating"
    approved = "approved"
    rejected = "rejected"


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- evidence: what every AI output cites (DESIGN.md §3) -------------------------------------


class EvidenceRef(BaseModel):
    """A pointer to the exact piece of stored data a statement rests on."""

    kind: str = Field(
        description="signal | chunk | transcript_span | clause | activity | tag | customer | opportunity"
    )
    id: str = Field(description="Id of the cited record, unique within its kind.")
    source: str | None = Field(
        None, description="Where it came from: tender site, news, call, contract file ..."
    )
    url: str | None = None
    file: str | None = None
    occurred_at: datetime | None = None
    ingested_at: datetime | None = None
    quote: str = Field("", description="The exact text the statement rests on.")
    start: float | None = Field(
        None, description="Start of the span: seconds (audio) or character offset (text)."
    )
    end: float | None = None
    page: int | None = None


# --- organisation ----------------------------------------------------------------------------


class Department(Record):
    id: int
    name: str
    region: str | None = None
    manager_id: int | None = None


class User(Record):
    id: int
    login: str
    name: str
    role: Role
    department_id: int | None = None
    department: str | None = None
    region: str | None = None
    email: str | None = None
    active: bool = True
    can_receive_leads: bool = True
    created_at: datetime | None = None


class NewUserKey(BaseModel):
    """Returned once, when a user is created or a key rotated: the key is not stored in clear."""

    user: User
    api_key: str


# --- customers and contacts ------------------------------------------------------------------


class CustomerIn(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    name: str = Field(min_length=1, max_length=300)
    uscc: Uscc = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    size_band: str | None = Field(None, description="e.g. 1-49, 50-199, 200-999, 1000+")
    owner_id: int | None = None
    department_id: int | None = None
    tags: list[str] = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "上海交通大学医学院附属瑞金医院",
                    "uscc": "12310000425006117P",
                    "province": "上海市",
                    "city": "上海市",
                    "industry": "医疗",
                    "phone": "021-64370045",
                }
            ]
        }
    )


class CustomerPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=300)
    uscc: Uscc = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    size_band: str | None = None
    owner_id: int | None = None
    department_id: int | None = None
    tags: list[str] | None = None


class Customer(Record, CustomerIn):
    id: int
    uscc: str | None = None  # stored values were checked on the way in
    created_at: datetime
    updated_at: datetime


class ContactIn(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    customer_id: int | None = None
    name: str = Field(min_length=1, max_length=120)
    title: str | None = None
    department: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    notes: str | None = None


class ContactPatch(BaseModel):
    customer_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=120)
    title: str | None = None
    department: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    notes: str | None = None


class Contact(Record, ContactIn):
    id: int
    created_at: datetime
    updated_at: datetime


# --- leads -----------------------------------------------------------------------------------


class LeadIn(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    source: str = Field(min_length=1, description="官网表单, 展会, amazon_us, 抖音直播 ...")
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    company: str | None = None
    uscc: Uscc = None
    contact_name: str | None = None
    contact_title: str | None = None
    phone: str | None = None
    email: str | None = None
    region: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    size_band: str | None = None
    budget: float | None = Field(None, ge=0, description="Budget in CNY.")
    decision_role: str | None = None
    purchase_timeline: str | None = None
    grade: str | None = None
    status: LeadStatus = LeadStatus.new
    owner_id: int | None = None
    department_id: int | None = None
    customer_id: int | None = None
    custom: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = Field(None, description="Arrival time; default now.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "amazon_us",
                    "company": "Acme Retail LLC",
                    "contact_name": "Jane Doe",
                    "email": "jane@acme-retail.com",
                    "region": "North America",
                    "industry": "跨境电商",
                    "budget": 300000,
                }
            ]
        }
    )


class LeadPatch(BaseModel):
    source: str | None = None
    company: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    phone: str | None = None
    email: str | None = None
    region: str | None = None
    province: str | None = None
    city: str | None = None
    industry: str | None = None
    size_band: str | None = None
    budget: float | None = Field(None, ge=0)
    decision_role: str | None = None
    purchase_timeline: str | None = None
    grade: str | None = None
    status: LeadStatus | None = None
    invalid_reason: str | None = None
    owner_id: int | None = None
    department_id: int | None = None
    customer_id: int | None = None
    custom: dict[str, Any] | None = None


class Lead(Record, LeadIn):
    id: int
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None = None
    first_contact_at: datetime | None = None
    invalid_reason: str | None = None


# --- opportunities ---------------------------------------------------------------------------


class OpportunityIn(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    customer_id: int
    name: str = Field(min_length=1, max_length=300)
    amount: float = Field(0, ge=0, description="Amount in CNY.")
    currency: str = "CNY"
    product: str | None = None
    stage: str = "初步接触"
    status: OpportunityStatus = OpportunityStatus.open
    owner_id: int | None = None
    department_id: int | None = None
    expected_close: date | None = None
    lost_reason: str | None = None
    created_at: datetime | None = None


class OpportunityPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=300)
    amount: float | None = Field(None, ge=0)
    product: str | None = None
    owner_id: int | None = None
    department_id: int | None = None
    expected_close: date | None = None


class Opportunity(Record, OpportunityIn):
    id: int
    stage_entered_at: datetime
    created_at: datetime
    updated_at: datetime


class StageChange(Record):
    id: int
    opportunity_id: int
    from_stage: str | None
    to_stage: str
    actor_id: int | None
    at: datetime
    reason: str | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)


# --- activities, signals, contracts ----------------------------------------------------------


class ActivityIn(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    customer_id: int | None = None
    contact_id: int | None = None
    opportunity_id: int | None = None
    lead_id: int | None = None
    kind: ActivityKind
    subject: str | None = None
    text: str = ""
    occurred_at: datetime | None = None
    author_id: int | None = None
    participants: list[str] = Field(default_factory=list)


class Activity(Record, ActivityIn):
    id: int
    occurred_at: datetime
    created_at: datetime


class Signal(Record):
    id: int
    external_id: str | None = None
    customer_id: int | None = None
    source: str
    type: str
    title: str
    text: str = ""
    url: str | None = None
    occurred_at: datetime | None = None
    ingested_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)


class Contract(Record):
    id: int
    customer_id: int | None = None
    opportunity_id: int | None = None
    title: str
    file_name: str | None = None
    file_sha256: str | None = None
    status: ContractStatus
    uploaded_by: int | None = None
    created_at: datetime
    updated_at: datetime


class AuditEntry(Record):
    id: int
    actor_id: int | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class Todo(Record):
    id: int
    user_id: int
    kind: str
    title: str
    body: str = ""
    entity: str | None = None
    entity_id: str | None = None
    due_at: datetime | None = None
    status: str = "open"
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    created_at: datetime


# --- listing ---------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    """One page of a listing: the items and what is needed to ask for the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ImportRowError(BaseModel):
    line: int = Field(description="1-based line number in the file (the header is line 1 for CSV).")
    field: str | None
    reason: str
    value: str | None = None


class ImportSummary(BaseModel):
    entity: str
    dry_run: bool
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[ImportRowError] = Field(default_factory=list)
    encoding: str | None = None

    def line(self) -> str:
        prefix = "dry run: would have " if self.dry_run else ""
        return f"{prefix}imported {self.imported}, updated {self.updated}, rejected {self.rejected}"
