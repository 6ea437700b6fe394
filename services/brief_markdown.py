"""The brief as Markdown: for the terminal, e-mail or a printed visit folder.

Each statement is followed by its citations as footnote-style links, so a printed brief keeps
the same evidence the page links to.
"""

from __future__ import annotations

from copilot.models import EvidenceRef
from services.brief import Brief

HEADINGS = {
    "zh": ("客户画像", "信号墙", "痛点触发", "拜访问题", "推荐话术", "证据", "通话与合同"),
    "en": (
        "Profile",
        "Signal wall",
        "Pain-point triggers",
        "Visit questions",
        "Talk tracks",
        "Evidence",
        "From calls and contracts",
    ),
}


class _Notes:
    def __init__(self) -> None:
        self.order: dict[str, tuple[int, EvidenceRef]] = {}

    def cite(self, refs: list[EvidenceRef]) -> str:
        marks = []
        for ref in refs:
            key = f"{ref.kind}:{ref.id}"
            if key not in self.order:
                self.order[key] = (len(self.order) + 1, ref)
            marks.append(f"[^{self.order[key][0]}]")
        return "".join(marks)


def _span(ref: EvidenceRef) -> str:
    """Where in the document: the page of a clause, mm:ss of a call or voice-note span."""
    if ref.page is not None:
        return f"p. {ref.page}"
    if ref.kind == "transcript_span" and ref.start is not None:
        end = ref.end if ref.end is not None else ref.start
        return f"{int(ref.start) // 60}:{int(ref.start) % 60:02d}–{int(end) // 60}:{int(end) % 60:02d}"
    return ""


def _ref_line(number: int, ref: EvidenceRef) -> str:
    where = ref.url or ref.file or ""
    when = ref.occurred_at.date().isoformat() if ref.occurred_at else ""
    bits = " · ".join(b for b in (f"{ref.kind}:{ref.id}", ref.source or "", when, where, _span(ref)) if b)
    return f"[^{number}]: {bits} — “{ref.quote}”"


def render_markdown(brief: Brief) -> str:
    h = HEADINGS.get(brief.language, HEADINGS["en"])
    notes = _Notes()
    p = brief.profile
    lines = [f"# {brief.customer_name}", ""]
    lines += [f"## {h[0]}", ""]
    if p.owner:
        lines.append(f"- owner: {p.owner}")
    for fact in p.facts:
        lines.append(f"- {fact.label}: {fact.value} {notes.cite(fact.evidence)}")
    for person in p.contacts:
        lines.append(f"- {person.name} — {person.role or ''} {notes.cite(person.evidence)}")
    for deal in p.opportunities:
        lines.append(
            f"- {deal.name}: {deal.stage}, {deal.amount:,.0f} {deal.currency}, {deal.days_in_stage} d {notes.cite(deal.evidence)}"
        )
    for tag in p.tags:
        lines.append(f"- #{tag.tag} {notes.cite(tag.evidence)}")
    lines += ["", f"## {h[1]}", ""]
    for s in brief.signals:
        flag = " ⚠ " + ",".join(s.flags) if s.flags else ""
        lines.append(f"- {s.occurred_at.date()} [{s.type}] {s.title}{flag} {notes.cite(s.evidence)}")
    lines += ["", f"## {h[2]}", ""]
    for t in brief.triggers:
        lines.append(f"- **{t.title}** ({t.severity}) — {t.why} → {t.action} {notes.cite(t.evidence)}")
    if not brief.triggers:
        lines.append("- —")
    if brief.from_calls_and_contracts:
        lines += ["", f"## {h[6]}", ""]
        for f in brief.from_calls_and_contracts:
            lines.append(f"- {f.text}: “{f.evidence[0].quote}” {notes.cite(f.evidence)}")
    lines += ["", f"## {h[3]}", ""]
    for i, q in enumerate(brief.questions, 1):
        lines.append(f"{i}. {q.text} {notes.cite(q.evidence)}")
    lines += ["", f"## {h[4]}", ""]
    for t in brief.talk_tracks:
        lines.append(f"- **{t.title}** — {t.text} {notes.cite(t.evidence)}")
    lines += ["", f"## {h[5]}", ""]
    lines += [_ref_line(n, ref) for n, ref in notes.order.values()]
    sections = brief.generation.get("sections", {})
    lines += [
        "",
        f"_generated {brief.generated_at:%Y-%m-%d %H:%M} UTC · "
        + ", ".join(f"{k}: {v}" for k, v in sections.items())
        + "_",
    ]
    return "\n".join(lines) + "\n"
