"""All tables. Each domain adds a module here and imports it below, so metadata is complete."""

from copilot.db.schema.assignment import RoundRobinRow, RuleSetRow, RuleVersionRow, TraceRow
from copilot.db.schema.base import Base
from copilot.db.schema.contracts import ContractFlagRow, ContractPlaybookRow, FlagActionRow
from copilot.db.schema.core import (
    ActivityRow,
    AuditRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    DepartmentRow,
    JobRow,
    LeadRow,
    OpportunityRow,
    SignalRow,
    StageHistoryRow,
    TodoRow,
    UserRow,
)
from copilot.db.schema.dedup import MergeRow
from copilot.db.schema.stages import StageEvidenceRow, StageHoldRow, StagePaymentRow, StagePipelineRow

__all__ = [
    "ActivityRow",
    "RoundRobinRow",
    "RuleSetRow",
    "RuleVersionRow",
    "TraceRow",
    "AuditRow",
    "Base",
    "ContactRow",
    "ContractFlagRow",
    "ContractPlaybookRow",
    "ContractRow",
    "CustomerRow",
    "DepartmentRow",
    "FlagActionRow",
    "JobRow",
    "LeadRow",
    "MergeRow",
    "OpportunityRow",
    "SignalRow",
    "StageEvidenceRow",
    "StageHistoryRow",
    "StageHoldRow",
    "StagePaymentRow",
    "StagePipelineRow",
    "TodoRow",
    "UserRow",
]
