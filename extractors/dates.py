"""Dates as sources write them (ISO 8601, RFC 822 feed dates, 2026年3月5日, 2026/03/05 10:00).

Naive times are taken as Asia/Shanghai wall time (the sources are Chinese sites unless they say
otherwise) and returned in UTC; anything unreadable is an InvalidInput naming the field.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from copilot.errors import InvalidInput

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时](\d{2})分?)?$")
_NUMERIC = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_datetime(value: str, *, field: str = "date", zone: ZoneInfo = DEFAULT_ZONE) -> datetime:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field} is empty", details={"field": field})
    parsed: datetime | None = None
    with contextlib.suppress(ValueError):
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed is None:
        for pattern in (_ZH, _NUMERIC):
            match = pattern.match(text)
            if match:
                parts = [int(p) if p else 0 for p in match.groups()]
                try:
                    parsed = datetime(*parts[:3], *parts[3:6])  # type: ignore[misc]
                except ValueError as exc:
                    raise InvalidInput(
                        f"{field} {text!r} is not a real date: {exc}", details={"field": field}
                    ) from exc
                break
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        raise InvalidInput(
            f"{field} {text!r} is not a date (expected ISO 8601, RFC 822 or 2026年3月5日)",
            details={"field": field, "value": text},
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)
