"""From a file's header and cells to the fields of an entity: header aliases, cell conversion,
and resolution of human references (customer name, owner login) to ids."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.clock import ensure_utc
from copilot.db.schema import ContactRow, CustomerRow, DepartmentRow, UserRow
from copilot.dedup.normalise import fold_width

# columns that hold a human reference and the id field it resolves to
REFERENCE_COLUMNS = {
    "customer": "customer_id",
    "owner": "owner_id",
    "department": "department_id",
    "author": "author_id",
    "contact": "contact_id",
}
LIST_FIELDS = {"tags", "participants"}
NUMBER_FIELDS = {"budget", "amount"}
DATETIME_FIELDS = {"created_at", "occurred_at"}
DATE_FIELDS = {"expected_close"}
ID_FIELDS = {
    "customer_id",
    "owner_id",
    "department_id",
    "author_id",
    "contact_id",
    "opportunity_id",
    "lead_id",
}

_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y%m%d",
)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((Path(__file__).with_name("defaults") / "headers.yaml").read_text("utf-8"))
    table: dict[str, dict[str, str]] = {}
    for entity, fields in raw.items():
        if entity == "version":
            continue
        mapping: dict[str, str] = {}
        for field_name, spellings in fields.items():
            for spelling in [field_name, *spellings]:
                mapping[_header_key(spelling)] = field_name
        table[entity] = mapping
    return table


@lru_cache(maxsize=1)
def _value_aliases() -> dict[tuple[str, str], dict[str, str]]:
    """(entity, field) -> {spelling key -> canonical value}, from defaults/values.yaml."""
    raw = yaml.safe_load((Path(__file__).with_name("defaults") / "values.yaml").read_text("utf-8"))
    table: dict[tuple[str, str], dict[str, str]] = {}
    for entity, fields in raw.items():
        if entity == "version":
            continue
        for field_name, values in fields.items():
            mapping = table.setdefault((entity, field_name), {})
            for canonical, spellings in values.items():
                for spelling in [canonical, *spellings]:
                    mapping[_header_key(spelling).lower()] = canonical
    return table


def canonical_value(entity: str, field_name: str, value: Any) -> Any:
    """'拜访' -> 'visit' for activities.kind; values without an alias pass through unchanged."""
    aliases = _value_aliases().get((entity, field_name))
    if not aliases or not isinstance(value, str):
        return value
    return aliases.get(_header_key(value).lower(), value)


def _header_key(header: str) -> str:
    return re.sub(r"[\s*_\-]+", "", fold_width(header))


def map_header(entity: str, header: list[str], known_fields: set[str]) -> tuple[dict[str, str], list[str]]:
    """({column -> field}, ignored columns). Unknown columns of leads go to `custom` (routing can use them)."""
    aliases = _aliases().get(entity, {})
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for column in header:
        key = _header_key(column)
        field_name = aliases.get(key) or (key if key in known_fields or key in REFERENCE_COLUMNS else None)
        if field_name is None and column.strip().lower() in known_fields:
            field_name = column.strip().lower()
        if field_name:
            mapping[column] = field_name
        elif column:
            ignored.append(column)
    return mapping, ignored


def required_columns_present(entity: str, mapping: dict[str, str], required: tuple[str, ...]) -> list[str]:
    present = set(mapping.values())
    missing = []
    for field_name in required:
        if field_name in present:
            continue
        reference = {v: k for k, v in REFERENCE_COLUMNS.items()}.get(field_name)
        if reference and reference in present:
            continue
        missing.append(field_name)
    return missing


def header_hint(entity: str, field_name: str) -> str:
    spellings = [k for k, v in _aliases().get(entity, {}).items() if v == field_name and k != field_name]
    return f"{field_name} ({', '.join(spellings[:3])})" if spellings else field_name


class CellError(ValueError):
    def __init__(self, field: str, reason: str, value: Any) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.value = value


def parse_datetime(value: str, zone: ZoneInfo) -> datetime:
    text = fold_width(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("z", "+00:00"))
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(
                f"unparseable date {value!r}: use ISO 8601 (2026-11-03 or 2026-11-03T09:30:00+08:00)"
            ) from None
    # naive times in a file are the user's local time
    return ensure_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=zone))


def convert_cell(field_name: str, value: Any, zone: ZoneInfo) -> Any:
    """A cell's text (or JSON value) as the field's type; '' means absent."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    try:
        if field_name in LIST_FIELDS:
            if isinstance(value, list):
                return [str(v).strip() for v in value if str(v).strip()]
            return [part.strip() for part in re.split(r"[;;,,、|]", str(value)) if part.strip()]
        if field_name in NUMBER_FIELDS:
            if isinstance(value, int | float):
                return float(value)
            text = fold_width(str(value)).replace(",", "").replace("¥", "").replace("元", "").strip()
            multiplier = 1.0
            if text.endswith("万"):
                multiplier, text = 1e4, text[:-1]
            elif text.endswith("亿"):
                multiplier, text = 1e8, text[:-1]
            return float(text) * multiplier
        if field_name in DATETIME_FIELDS:
            return value if isinstance(value, datetime) else parse_datetime(str(value), zone)
        if field_name in DATE_FIELDS:
            return (
                value if isinstance(value, date) else parse_datetime(str(value), zone).astimezone(zone).date()
            )
        if field_name in ID_FIELDS:
            return int(value)
    except (ValueError, TypeError) as exc:
        reason = str(exc) if "unparseable" in str(exc) else f"not a valid {field_name}: {value!r}"
        raise CellError(field_name, reason, value) from None
    if isinstance(value, dict | list):
        return value
    return str(value)


class ReferenceResolver:
    """Resolves 'customer', 'owner', 'department', 'author', 'contact' cells to ids, with a cache.

    A customer is named by external_id, uscc or exact name (in that order), as users write it.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], int | None] = {}

    def resolve(self, column: str, value: str, values: dict[str, Any]) -> int:
        key = (column, value if column != "contact" else f"{values.get('customer_id')}|{value}")
        if key not in self._cache:
            self._cache[key] = self._lookup(column, value, values)
        found = self._cache[key]
        if found is None:
            raise CellError(column, f"no {column} matches {value!r}", value)
        return found

    def _lookup(self, column: str, value: str, values: dict[str, Any]) -> int | None:
        s = self.session
        if column == "customer":
            for condition in (
                CustomerRow.external_id == value,
                CustomerRow.uscc == value.upper(),
                CustomerRow.name == value,
            ):
                found = s.scalar(
                    select(CustomerRow.id).where(condition, CustomerRow.merged_into_id.is_(None)).limit(1)
                )
                if found is not None:
                    return found
            return None
        if column in ("owner", "author"):
            return s.scalar(
                select(UserRow.id).where((UserRow.login == value) | (UserRow.name == value)).limit(1)
            )
        if column == "department":
            return s.scalar(select(DepartmentRow.id).where(DepartmentRow.name == value))
        if column == "contact":
            stmt = select(ContactRow.id).where(ContactRow.name == value)
            if values.get("customer_id"):
                stmt = stmt.where(ContactRow.customer_id == values["customer_id"])
            return s.scalar(stmt.limit(1))
        return None
