"""The HTML file is self-contained with inline SVG; the PDF carries the same content in CJK text."""

from __future__ import annotations

import re

import pdfplumber

from copilot.auth import system_caller
from copilot.health import render, report


def build(context):  # type: ignore[no-untyped-def]
    with context.db.read() as session:
        return report.build(session, system_caller(), context.settings, "2026-W47")


def test_html_is_self_contained(context, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = render.html(build(context))
    assert text.count("<svg") >= 3  # funnel, two trends, heat map
    assert not re.search(r"<(script|link|img)\b", text)
    assert not re.search(r'src="http', text)
    assert 'id="rows-lead_latency"' in text and "T-W4" in text  # the rows behind the figure
    assert 'href="#rows-source_consistency"' in text


def test_pdf_has_the_same_figures_in_cjk(context, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    built = build(context)
    path = render.pdf(built, tmp_path / "r.pdf")
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "每周巡检" in text and "2026-W47" in text
    for check in built.checks:
        assert check.display in text, check.id
    assert "线索漏斗" in text and "T-W4" in text
