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


def test_pdf_falls_back_to_the_builtin_cid_font(context, world, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(render, "CJK_TTC", tmp_path / "missing.ttc")
    render.cjk_font.cache_clear()
    try:
        assert render.cjk_font() == "STSong-Light"
        path = render.pdf(build(context), tmp_path / "r.pdf")
        with pdfplumber.open(path) as pdf:
            fonts = {c["fontname"] for c in pdf.pages[0].chars}
            text = pdf.pages[0].extract_text()
        assert any("STSong" in f for f in fonts), fonts
        assert "2026-W47" in text
    finally:
        render.cjk_font.cache_clear()
