"""Import marketing's own lead export (CSV/JSONL) to check lead counts per utm source against.

Columns (Chinese or English headers): utm_source/来源, received_at/留资时间, and any of
external_id/线索编号, company/公司, phone/电话, email/邮箱. Every bad row is named by its line and
field; nothing is written when any row is bad (an export is compared whole or not at all).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.db.schema import MarketingLeadRow
from copilot.errors import InvalidInput

HEADERS = {
    "utm_source": ["utm_source", "来源", "渠道", "source"],
    "received_at": ["received_at", "留资时间", "created_at", "时间"],
    "external_id": ["external_id", "线索编号", "lead_id", "id"],
    "company": ["company", "公司", "公司名称"],
    "phone": ["phone", "电话", "手机"],
    "email": ["email", "邮箱"],
}


def _read(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(f"{path.name}: not UTF-8 or GB18030 text", details={"field": "file"})
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return list(csv.DictReader(io.StringIO(text)))


def _column(record: dict[str, Any], field: str) -> Any:
    for name in HEADERS[field]:
        if name in record and record[name] not in (None, ""):
            return record[name]
    return None


def _when(value: Any, zone: ZoneInfo) -> datetime:
    parsed = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def import_marketing(
    session: Session, path: Path, zone: ZoneInfo, *, batch: str | None = None
) -> dict[str, Any]:
    """Store the export as batch `batch` (default: the file name), replacing an earlier import of it."""
    records = _read(path)
    batch = batch or path.name
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for line, record in enumerate(records, start=2 if path.suffix.lower() == ".csv" else 1):
        source = _column(record, "utm_source")
        received = _column(record, "received_at")
        if not source:
            errors.append({"line": line, "field": "utm_source", "reason": "missing"})
            continue
        try:
            received_at = _when(received, zone)
        except (TypeError, ValueError):
            errors.append({"line": line, "field": "received_at", "reason": f"not a date/time: {received!r}"})
            continue
        rows.append(
            {
                "batch": batch,
                "line": line,
                "external_id": _column(record, "external_id"),
                "utm_source": str(source).strip(),
                "company": _column(record, "company"),
                "phone": None if _column(record, "phone") is None else str(_column(record, "phone")),
                "email": _column(record, "email"),
                "received_at": received_at,
                "imported_at": now(),
            }
        )
    if errors:
        raise InvalidInput(
            f"{path.name}: {len(errors)} bad row(s), nothing imported; first: line {errors[0]['line']} "
            f"{errors[0]['field']}: {errors[0]['reason']}",
            details={"field": "file", "errors": errors[:200]},
        )
    replaced = (
        session.scalar(
            select(func.count()).select_from(MarketingLeadRow).where(MarketingLeadRow.batch == batch)
        )
        or 0
    )
    session.execute(delete(MarketingLeadRow).where(MarketingLeadRow.batch == batch))
    if rows:
        session.execute(MarketingLeadRow.__table__.insert(), rows)
    span = (
        [min(r["received_at"] for r in rows).isoformat(), max(r["received_at"] for r in rows).isoformat()]
        if rows
        else []
    )
    return {"batch": batch, "imported": len(rows), "replaced": replaced, "span": span}


def import_cli(file: Path, *, as_json: bool = False) -> None:
    """`copilot import marketing-leads FILE` (registered in copilot.cli.app.EXTRA_IMPORTERS)."""
    from copilot.cli.common import context, emit, out

    ctx = context()
    with ctx.db.transaction() as session:
        result = import_marketing(session, file, ctx.settings.zone)
    emit(
        result,
        as_json,
        lambda r: out.print(
            f"imported {r['imported']} marketing lead rows as batch {r['batch']} (replaced {r['replaced']})"
        ),
    )
