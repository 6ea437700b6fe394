"""The brief's tables: admin overrides of trigger rules, and the trigger cards that fired.

Default rules ship as YAML in `prompts/triggers/`; a row here replaces (or disables) one of them
by id, so an admin's edit survives upgrades of the defaults and is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class TriggerRuleRow(Base):
    """An admin's version of a trigger rule (new, or overriding the default with the same id)."""

    __tablename__ = "trigger_rules"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(80), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class TriggerCardRow(Base):
    """A trigger that fired for a customer on a given set of evidence (`dedupe_key` = rule + evidence)."""

    __tablename__ = "trigger_cards"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(PK, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(80), index=True)
    rule_version: Mapped[int] = mapped_column(Integer, default=1)
    severity: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    why: Mapped[str] = mapped_column(String(2000), default="")
    action: Mapped[str] = mapped_column(String(1000), default="")
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
