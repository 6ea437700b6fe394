"""Time, in one place, so that timeouts, SLAs and weekly reports can be tested with a pinned clock.

Everything is stored timezone-aware in UTC; `to_local` converts for display in Settings.timezone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo

_pinned: datetime | None = None


def now() -> datetime:
    """The current time in UTC, or the pinned time inside `pinned()`."""
    return _pinned if _pinned is not None else datetime.now(UTC)


@contextmanager
def pinned(at: datetime) -> Iterator[None]:
    """Freeze `now()` at `at` (tests, replaying a schedule)."""
    global _pinned
    previous = _pinned
    _pinned = ensure_utc(at)
    try:
        yield
    finally:
        _pinned = previous


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (the store's convention); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime | None, zone: tzinfo) -> datetime | None:
    return None if value is None else ensure_utc(value).astimezone(zone)
