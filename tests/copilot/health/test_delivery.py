"""Schedule and mail: the Friday 16:00 slot in the configured zone, mailed to a local SMTP server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from copilot import clock, worker
from copilot.db.schema import HealthReportRow
from copilot.errors import InvalidInput
from copilot.health import delivery


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_schedule_parsing_and_slot(context) -> None:  # type: ignore[no-untyped-def]
    assert delivery.parse_schedule("fri 16:00")[0] == 4
    with pytest.raises(InvalidInput) as exc:
        delivery.parse_schedule("Friday 4pm")
    assert exc.value.details == {"field": "COPILOT_REPORT_SCHEDULE"}
    # Asia/Shanghai: Friday 2026-11-20 15:59 local = 07:59 UTC -> not yet; 16:00 -> week 47
    assert delivery.weekly_slot(datetime(2026, 11, 20, 7, 59, tzinfo=UTC), context) is None
    assert delivery.weekly_slot(datetime(2026, 11, 20, 8, 0, tzinfo=UTC), context) == "2026-W47"
    assert (
        delivery.weekly_slot(datetime(2026, 11, 22, 15, 0, tzinfo=UTC), context) == "2026-W47"
    )  # Sunday 23:00
    assert delivery.weekly_slot(datetime(2026, 11, 22, 16, 0, tzinfo=UTC), context) is None  # Monday 00:00


def test_worker_mails_the_report_once_per_week(context, world, smtp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    s = context.settings
    monkeypatch.setattr(s, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(s, "smtp_port", port)
    monkeypatch.setattr(s, "report_recipients", ["ops@example.cn", "ceo@example.cn"])
    monkeypatch.setattr(worker, "PERIODIC", {})
    delivery.register(context)
    friday = datetime(2026, 11, 20, 8, 0, 5, tzinfo=UTC)
    with clock.pinned(friday):
        worker.run_once(context, me="w1")
        worker.run_once(context, me="w2")  # same slot: nothing more
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert recipients == ["ops@example.cn", "ceo@example.cn"]
    message = email.message_from_bytes(raw)
    assert "2026-W47" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    names = [part.get_filename() for part in message.walk() if part.get_filename()]
    assert names == ["inspection-2026-W47.html", "inspection-2026-W47.pdf"]
    with context.db.read() as session:
        kept = [(r.trigger, r.mailed_at is not None) for r in session.scalars(select(HealthReportRow))]
    assert kept == [("schedule", True)]


def test_mail_failure_is_kept_with_the_report(context, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(context.settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(context.settings, "smtp_port", closed_port)
    monkeypatch.setattr(context.settings, "report_recipients", ["ops@example.cn"])
    result = delivery.produce(context, week="2026-W47", trigger="manual")
    assert result["mailed"] is False and "ConnectionRefused" in result["error"]
    with context.db.read() as session:
        row = session.get(HealthReportRow, result["report_id"])
        assert row.mail_error == result["error"] and row.mailed_at is None
