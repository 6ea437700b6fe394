"""`copilot export`: every visible record of an entity to CSV (UTF-8 with BOM, opens in Excel) or JSONL, streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from copilot import auth
from copilot.db import Database
from copilot.errors import InvalidInput
from copilot.records.specs import SPECS


def export_file(
    db: Database,
    caller: auth.Caller,
    entity: str,
    path: Path,
    *,
    fmt: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write the file and return how many records it holds."""
    if entity not in SPECS:
        raise InvalidInput(
            f"cannot export {entity!r}: choose one of {', '.join(SPECS)}", details={"field": "entity"}
        )
    spec = SPECS[entity]
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput("export format must be csv or jsonl", details={"field": "format", "value": fmt})
    fields = list(spec.out.model_fields)
    count = 0
    with (
        db.read() as session,
        path.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as handle,
    ):
        writer = csv.DictWriter(handle, fieldnames=fields) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        stmt = (
            select(spec.row).where(spec.scope(caller)).order_by(spec.row.id).execution_options(yield_per=1000)
        )
        for row in session.scalars(stmt):
            record = spec.out.model_validate(row).model_dump(mode="json")
            if writer:
                writer.writerow({k: _cell(v) for k, v in record.items()})
            else:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
            if on_progress and count % 1000 == 0:
                on_progress(1000)
    return count


def count_visible(db: Database, caller: auth.Caller, entity: str) -> int:
    spec = SPECS[entity]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(spec.row).where(spec.scope(caller))) or 0


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return "" if value is None else value
