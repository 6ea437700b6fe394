"""Weekly inspection tables: an imported marketing export (to check lead counts against) and
the reports the worker produced (kept, listed, mailed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.clock import now
from copilot.db.schema.base import Base
from copilot.db.schema.core import PK
from copilot.db.types import JSONType, UTCDateTime


class MarketingLeadRow(Base):
    """One row of marketing's own lead spreadsheet, as imported; compared per utm source."""

    __tablename__ = "marketing_leads"
    __table_args__ = (Index("ix_marketing_leads_received", "received_at"),)
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    batch: Mapped[str] = mapped_column(String(120), index=True)
    line: Mapped[int] = mapped_column(PK)
    external_id: Mapped[str | None] = mapped_column(String(128), index=True)
    utm_source: Mapped[str] = mapped_column(String(120))
    company: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class HealthReportRow(Base):
    """A produced inspection report: the full JSON body, and where it was mailed."""

    __tablename__ = "health_reports"
    id: Mapped[int] = mapped_column(PK, primary_key=True)
    week: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(8))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
