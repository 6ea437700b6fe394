"""Produce the weekly report on schedule (COPILOT_REPORT_SCHEDULE, default 'FRI 16:00' in
COPILOT_TIMEZONE), keep it, and mail it (HTML body + PDF attachment) to COPILOT_REPORT_RECIPIENTS."""

from __future__ import annotations

import re
import smtplib
import tempfile
from datetime import datetime, time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.config import Settings
from copilot.db.schema import HealthReportRow
from copilot.errors import InvalidInput
from copilot.health import render, report

DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def parse_schedule(text: str) -> tuple[int, time]:
    """'FRI 16:00' -> (4, 16:00). Errors name the setting."""
    match = re.fullmatch(r"\s*([A-Za-z]{3})\s+(\d{1,2}):(\d{2})\s*", text or "")
    if not match or match[1].upper() not in DAYS or int(match[2]) > 23 or int(match[3]) > 59:
        raise InvalidInput(
            f"report_schedule must look like 'FRI 16:00' (day MON..SUN, 24-hour time), got {text!r}",
            details={"field": "COPILOT_REPORT_SCHEDULE"},
        )
    return DAYS.index(match[1].upper()), time(int(match[2]), int(match[3]))


def weekly_slot(at: datetime, context: AppContext) -> str | None:
    """The ISO week's label once its scheduled moment has passed (a slot runs once per week)."""
    day, moment = parse_schedule(context.settings.report_schedule)
    local = at.astimezone(context.settings.zone)
    if (local.weekday(), local.time()) < (day, moment):
        return None
    year, number, _ = local.isocalendar()
    return f"{year}-W{number:02d}"


def mail(settings: Settings, subject: str, html_body: str, attachments: list[tuple[str, bytes, str]]) -> None:
    """Send to every configured recipient; raises on SMTP errors (the caller records them)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(settings.report_recipients)
    message.set_content(
        "每周巡检报告见 HTML 正文与 PDF 附件。The weekly inspection report is in the HTML body and the PDF."
    )
    message.add_alternative(html_body, subtype="html")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP(settings.smtp_host or "localhost", settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_user:
            smtp.starttls()
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def produce(context: AppContext, *, week: str | None = None, trigger: str = "schedule") -> dict[str, Any]:
    """Build, keep and (when SMTP and recipients are configured) mail the report for `week`."""
    settings = context.settings
    with context.db.transaction() as session:
        built = report.build(session, system_caller(), settings, week)
        row = report.keep(session, built, trigger=trigger, recipients=list(settings.report_recipients))
        report_id = row.id
    outcome: dict[str, Any] = {
        "report_id": report_id,
        "week": built.week,
        "status": built.status,
        "mailed": False,
    }
    if not settings.smtp_host or not settings.report_recipients:
        outcome["note"] = "kept, not mailed: COPILOT_SMTP_HOST or COPILOT_REPORT_RECIPIENTS is not set"
        return outcome
    html_body = render.html(built)
    error = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pdf_path = render.pdf(built, Path(tmp) / f"inspection-{built.week}.pdf")
            mail(
                settings,
                f"每周巡检 {built.week}: {built.status}",
                html_body,
                [
                    (f"inspection-{built.week}.html", html_body.encode("utf-8"), "text/html"),
                    (pdf_path.name, pdf_path.read_bytes(), "application/pdf"),
                ],
            )
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    with context.db.transaction() as session:
        stored = session.get(HealthReportRow, report_id)
        if stored is not None:
            stored.mailed_at = None if error else now()
            stored.mail_error = error
    outcome.update(mailed=error is None, recipients=list(settings.report_recipients), error=error)
    return outcome


def scheduled(context: AppContext) -> dict[str, Any]:
    return produce(context, trigger="schedule")


def register(context: AppContext) -> None:
    """Attach the weekly report to `copilot worker` (listed in ENGINE_MODULES)."""
    from copilot import worker

    parse_schedule(context.settings.report_schedule)  # a bad setting fails at start, naming itself
    worker.register_periodic("health.weekly_report", weekly_slot, scheduled)
