"""All tables. Each domain adds a module here and imports it below, so metadata is complete."""

from copilot.db.schema.assignment import RoundRobinRow, RuleSetRow, RuleVersionRow, TraceRow
from copilot.db.schema.base import Base
from copilot.db.schema.brief import TriggerCardRow, TriggerRuleRow
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
from copilot.db.schema.handover import HandoverPackageRow, PracticeSessionRow
from copilot.db.schema.health import HealthReportRow, MarketingLeadRow
from copilot.db.schema.ingest import IndexDocumentRow, TranscriptRow
from copilot.db.schema.stages import StageEvidenceRow, StageHoldRow, StagePaymentRow, StagePipelineRow
from copilot.db.schema.voice import ProfileTagRow, VoiceNoteRow

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
    "HandoverPackageRow",
    "HealthReportRow",
    "IndexDocumentRow",
    "JobRow",
    "LeadRow",
    "MarketingLeadRow",
    "MergeRow",
    "OpportunityRow",
    "PracticeSessionRow",
    "ProfileTagRow",
    "SignalRow",
    "StageEvidenceRow",
    "StageHistoryRow",
    "StageHoldRow",
    "StagePaymentRow",
    "StagePipelineRow",
    "TodoRow",
    "TriggerCardRow",
    "TriggerRuleRow",
    "TranscriptRow",
    "UserRow",
    "VoiceNoteRow",
]
