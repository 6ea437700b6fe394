"""Exports of a contract review: the issues list (CSV, Markdown) and a DOCX with Word comments.

The DOCX carries the contract's clauses as paragraphs; each flag becomes a Word comment anchored
on its quote, holding the kind, the explanation and the fallback wording legal proposes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "id",
    "category",
    "severity",
    "status",
    "clause",
    "page",
    "quote",
    "explanation",
    "suggestion",
    "reason",
    "playbook_version",
)


def issues_csv(view: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*COLUMNS])
    for f in view.get("flags", []):
        writer.writerow([f.get(c, "") if f.get(c) is not None else "" for c in COLUMNS])
    for m in view.get("missing", []):
        writer.writerow(
            [
                "",
                m["category"],
                m["severity"],
                "missing",
                "",
                "",
                "",
                m["why"],
                m["suggestion"],
                "",
                m["playbook_version"],
            ]
        )
    return "\ufeff" + buf.getvalue()  # BOM: Excel opens the Chinese text correctly


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def issues_markdown(view: dict[str, Any]) -> str:
    s = view.get("summary", {})
    lines = [
        f"# {view.get('title')} — contract review",
        "",
        f"Status: **{view.get('status')}** · playbook v{view.get('playbook_version')} · source {view.get('source')}"
        + (f" · {view['notice']}" if view.get("notice") else ""),
        "",
        f"Customer: {s.get('customer') or '-'} · Supplier: {s.get('supplier') or '-'} · Amount: {s.get('amount') or '-'} · "
        f"Term: {s.get('term') or '-'} · Payment days: {', '.join(f'{d:g}' for d in s.get('payment_terms_days', [])) or '-'}",
        "",
        "## Flags",
        "",
        "| severity | kind | clause | page | status | quote | why | suggested wording |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in view.get("flags", []):
        lines.append(
            f"| {f['severity']} | {f['category']} | {_cell(f['clause'])} | {_cell(f.get('page'))} | {f.get('status', 'open')}"
            f"{' (' + _cell(f['reason']) + ')' if f.get('reason') else ''} | {_cell(f['quote'])} | {_cell(f['explanation'])} | {_cell(f['suggestion'])} |"
        )
    lines += ["", "## Missing clauses", ""]
    for m in view.get("missing", []):
        lines.append(f"- **{m['category']}** ({m['severity']}): {m['why']} Suggested: {m['suggestion']}")
    if not view.get("missing"):
        lines.append("- none")
    return "\n".join(lines) + "\n"


def review_docx(view: dict[str, Any], clauses: list[Any]) -> bytes:
    """A DOCX of the clauses with one Word comment per flag on its quote (python-docx comments)."""
    import docx

    document = docx.Document()
    document.add_heading(str(view.get("title") or "Contract"), level=1)
    by_clause: dict[str, list[dict[str, Any]]] = {}
    for f in view.get("flags", []):
        by_clause.setdefault(f["clause"], []).append(f)
    for clause in clauses:
        flags = sorted(by_clause.get(clause.number, []), key=lambda f: f.get("start", 0))
        paragraph = document.add_paragraph()
        pos = 0
        text = clause.text
        for f in flags:
            start = text.find(f["quote"], pos)
            if start < 0:
                continue
            if start > pos:
                paragraph.add_run(text[pos:start])
            run = paragraph.add_run(f["quote"])
            body = f"[{f['severity']}] {f['category']}: {f['explanation']}\n建议/Suggested: {f['suggestion']}"
            if f.get("status") and f["status"] != "open":
                body += f"\n({f['status']}{': ' + f['reason'] if f.get('reason') else ''})"
            document.add_comment(run, text=body, author="Sales Copilot legal review", initials="SC")
            pos = start + len(f["quote"])
        if pos < len(text):
            paragraph.add_run(text[pos:])
    if view.get("missing"):
        document.add_heading("Missing clauses", level=2)
        for m in view["missing"]:
            p = document.add_paragraph()
            run = p.add_run(f"{m['category']}: {m['why']}")
            document.add_comment(
                run,
                text=f"Suggested clause: {m['suggestion']}",
                author="Sales Copilot legal review",
                initials="SC",
            )
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
