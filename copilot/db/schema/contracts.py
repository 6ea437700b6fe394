"""Contract review tables: flags raised on a contract, legal's actions on them, playbook versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class ContractFlagRow(Base):
    """One flag of a contract's latest review, with legal's decision (open|accepted|dismissed)."""

    __tablename__ = "contract_flags"
    __table_args__ = (UniqueConstraint("contract_id", "flag_id"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(PK, ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(60), index=True)
    severity: Mapped[str] = mapped_column(String(10), index=True)
    clause: Mapped[str] = mapped_column(String(40), default="")
    page: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text, default="")
    playbook_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class FlagActionRow(Base):
    """Every accept / dismiss / comment / reopen on a flag, in order (the flag's history)."""

    __tablename__ = "contract_flag_actions"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    flag_pk: Mapped[int] = mapped_column(PK, ForeignKey("contract_flags.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int] = mapped_column(PK, ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ContractPlaybookRow(Base):
    """A published playbook version (the YAML as the admin sent it, validated before storing)."""

    __tablename__ = "contract_playbooks"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(PK, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
