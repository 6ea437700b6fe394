"""The HTML form of a scan report (`copilot dedup scan --html FILE`): one self-contained file a
data steward can open, with each cluster's members, pair scores, reasons and field diffs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_TEMPLATES = Path(__file__).with_name("templates")


def render_html(report: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    columns = ["id", "external_id", "name", "uscc", "city", "phone", "email", "owner_id", "updated_at"]
    present = [c for c in columns if any(c in m for cl in report["clusters"] for m in cl["members"])]
    if not present and report["clusters"]:
        present = sorted({k for cl in report["clusters"] for m in cl["members"] for k in m})
    return env.get_template("dedup_report.html").render(report=report, columns=present)


def write_html(report: dict[str, Any], path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
