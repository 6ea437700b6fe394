"""Report periods in the configured time zone: ISO weeks ('2026-W47') and months ('2026-11')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from copilot.clock import now
from copilot.errors import InvalidInput


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, with its label; `end` is capped at now for the running period."""

    label: str
    start: datetime
    end: datetime

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def week(label: str | None, zone: ZoneInfo, field: str = "week") -> Window:
    """The ISO week `label` (YYYY-Www) or, when None, the week running now."""
    if label is None:
        today = now().astimezone(zone).date()
        year, number, _ = today.isocalendar()
    else:
        match = re.fullmatch(r"(\d{4})-W(\d{1,2})", label.strip())
        if not match:
            raise InvalidInput(f"{field} must look like 2026-W47, got {label!r}", details={"field": field})
        year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {label!r} is not a week ({exc})", details={"field": field}) from exc
    start = _local_midnight(monday, zone)
    end = min(_local_midnight(monday + timedelta(days=7), zone), now().astimezone(zone))
    return Window(f"{year}-W{number:02d}", start, max(end, start))


def previous_weeks(window: Window, zone: ZoneInfo, count: int) -> list[Window]:
    """The `count` full weeks before `window` and `window` itself, oldest first."""
    monday = window.start.astimezone(zone).date()
    out = []
    for back in range(count, 0, -1):
        day = monday - timedelta(days=7 * back)
        year, number, _ = day.isocalendar()
        out.append(
            Window(
                f"{year}-W{number:02d}",
                _local_midnight(day, zone),
                _local_midnight(day + timedelta(days=7), zone),
            )
        )
    return [*out, window]


def month(label: str | None, zone: ZoneInfo, field: str = "month") -> Window:
    """The calendar month `label` (YYYY-MM) or, when None, the month running now."""
    if label is None:
        today = now().astimezone(zone).date()
        year, number = today.year, today.month
    else:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", label.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise InvalidInput(f"{field} must look like 2026-11, got {label!r}", details={"field": field})
        year, number = int(match[1]), int(match[2])
    first = date(year, number, 1)
    following = date(year + (number == 12), number % 12 + 1, 1)
    return Window(f"{year}-{number:02d}", _local_midnight(first, zone), _local_midnight(following, zone))


def since(value: str | None, zone: ZoneInfo, default_days: int = 30, field: str = "since") -> datetime:
    """A start instant from YYYY-MM-DD (local midnight) or an ISO timestamp; default N days ago."""
    if not value:
        return now() - timedelta(days=default_days)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return _local_midnight(date.fromisoformat(value), zone)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} must be YYYY-MM-DD or an ISO timestamp, got {value!r}", details={"field": field}
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
