"""The report as a self-contained HTML file (inline SVG, no script or external file) and as a
PDF with the same content and CJK text (reportlab; WenQuanYi Micro Hei, else STSong-Light)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from copilot.health import svg
from copilot.health.models import Report

TEMPLATES = Path(__file__).parent / "templates"
CJK_TTC = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _cls(status: str) -> str:
    return "na" if status == "n/a" else status


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows[:20]:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value[:12]) + (f" … (+{len(value) - 12})" if len(value) > 12 else "")
    return str(value)


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def charts(report: Report) -> dict[str, str]:
    stage = next((c for c in report.checks if c.id == "stages"), None)
    heat = stage.details.get("heat_map", {}).get("rep") if stage else None
    return {
        "funnel_svg": svg.funnel(report.funnel),
        "success_svg": svg.trend(report.trends.get("assignment_success", []), "assignment success"),
        "duplicate_svg": svg.trend(report.trends.get("duplicate_rate", []), "duplicate rate"),
        "heat_svg": svg.heat_map(heat) if heat else "",
    }


def html(report: Report, *, api: str = "") -> str:
    """The report page; `api` prefixes drill-down links (empty = relative, as served by the app)."""
    return (
        _env()
        .get_template("report.html")
        .render(r=report, api=api, cls=_cls, columns=_columns, cell=_cell, **charts(report))
    )


# --- PDF ---------------------------------------------------------------------------------------


@cache
def cjk_font() -> str:
    """Register a CJK font once: the TrueType WenQuanYi Micro Hei when installed, else STSong-Light."""
    from reportlab.pdfbase import pdfmetrics

    if CJK_TTC.exists():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("WQYMicroHei", str(CJK_TTC), subfontIndex=0))
        return "WQYMicroHei"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def pdf(report: Report, path: Path, *, rows_per_check: int = 40) -> Path:
    """The same content as the HTML: header, checks table, funnel and drops, trends, each check's rows."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=19, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
    status_colour = {
        "ok": colors.HexColor("#2e8b57"),
        "warn": colors.HexColor("#d4a017"),
        "fail": colors.HexColor("#c0392b"),
        "n/a": colors.grey,
    }

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(_cell(text)), style)

    def table(data: list[list[Any]], widths: list[float] | None = None) -> Table:
        t = Table([[p(c) for c in row] for row in data], colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(f"每周巡检 Weekly inspection · {report.week} · {report.status}", h1),
        p(
            f"{report.window['start'][:10]} – {report.window['end'][:16]} ({report.timezone}) · as of {report.as_of[:19]}"
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [["检查 Check", "状态", "数值 Figure", "说明"]]
    for c in report.checks:
        rows.append([c.title, c.status, c.display, c.summary + "".join(f"\n· {r}" for r in c.reasons)])
    t = table(rows, [55 * mm, 15 * mm, 45 * mm, 150 * mm])
    for i, c in enumerate(report.checks, start=1):
        t.setStyle(TableStyle([("BACKGROUND", (1, i), (1, i), status_colour[c.status])]))
    story += [t, p("线索漏斗 Lead funnel", h2)]
    funnel_rows = [["步骤 Step", "数量", "流失原因 Drop reason", "规则 Rule", "流失", "之后恢复"]]
    for s in report.funnel:
        funnel_rows.append([s["label"], s["count"], "", "", "", ""])
        for d in s["drops"]:
            funnel_rows.append(["", "", d["reason"], d["rule"] or "—", d["count"], d["recovered_later"]])
    story.append(table(funnel_rows, [45 * mm, 18 * mm, 120 * mm, 35 * mm, 15 * mm, 20 * mm]))
    story.append(p("趋势 Trends (week over week)", h2))
    trend_rows = [["week", "分配成功率 assignment success", "重复率 duplicate rate"]]
    dup = {t["week"]: t["value"] for t in report.trends.get("duplicate_rate", [])}
    for point in report.trends.get("assignment_success", []) or [{"week": w, "value": None} for w in dup]:
        value, d = point.get("value"), dup.get(point["week"])
        trend_rows.append(
            [
                point["week"],
                "—" if value is None else f"{value * 100:.1f}%",
                "—" if d is None else f"{d * 100:.2f}%",
            ]
        )
    story.append(table(trend_rows))
    stage = next((c for c in report.checks if c.id == "stages"), None)
    heat = stage.details.get("heat_map", {}).get("rep") if stage else None
    if heat:
        story.append(p("阶段停留热力图 Time in stage by rep (avg days / count)", h2))
        heat_rows = [["rep", *heat["stages"]]]
        for row in heat["rows"][:25]:
            heat_rows.append(
                [
                    row["label"],
                    *[
                        f"{row['cells'][s]['avg_days']:.0f}d/{row['cells'][s]['count']}"
                        if s in row["cells"]
                        else ""
                        for s in heat["stages"]
                    ],
                ]
            )
        story.append(table(heat_rows))
    for c in report.checks:
        story.append(p(f"{c.title} · {c.status} · {c.display}", h2))
        story.append(p(c.summary))
        if c.rows:
            cols = _columns(c.rows)[:8]
            story.append(
                p(
                    f"{min(len(c.rows), rows_per_check)} of {c.rows_total} rows (all: GET /inspection/report/checks/{c.id}/rows?week={report.week})"
                )
            )
            story.append(table([cols, *[[r.get(k) for k in cols] for r in c.rows[:rows_per_check]]]))
    path = Path(path)
    SimpleDocTemplate(
        str(path),
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"每周巡检 {report.week}",
    ).build(story)
    return path
