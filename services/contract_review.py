"""Contract review: run the playbook over a document's clauses -> flags, missing clauses, summary.

Deterministic and explainable: every flag names the playbook rule that fired, quotes the exact
sentence of the clause (a substring of the clause text), points at its page and box, and its
explanation names the figure found ("付款周期120天，超过90天上限"). `*_missing` kinds are decided
by absence over the whole contract. Patterns and thresholds live in the playbook, not here.

With an LLM (COPILOT_LLM=openai) the model gives a second opinion on borderline clauses under the
citation check (services.contract_second_opinion); offline, `second_opinion` says it was not asked.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from extractors.clauses import Clause, segment_clauses
from extractors.pdf import PdfDocument
from services import contract_numbers as numbers
from services.contract_flags import clause_flag
from services.contract_models import ContractReview, Flag, MissingClause, ReviewSummary
from services.contract_playbook import Kind, Playbook, Rule, default_playbook

OCR_NOTICE = "OCR, positions approximate"
# Sentence ends: Chinese full stops and semicolons, newlines, and an English full stop or
# semicolon followed by a space (not after a number like "1.5" or an abbreviation like "No.").
_SENTENCE_END = re.compile(r"[。；;！？!?\n]|(?<![A-Z][a-z])(?<!\bNo)(?<!\d)\.(?=\s+|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences of a clause text, trimmed, punctuation kept."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end() if m.group(0) != "\n" else m.start()
        _push(text, start, end, spans)
        start = m.end()
    _push(text, start, len(text), spans)
    return spans


def _push(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        spans.append((start, end))


def detect_language(text: str) -> str:
    cjk = sum(1 for ch in text[:4000] if "\u4e00" <= ch <= "\u9fff")
    return "zh" if cjk >= 0.15 * max(1, len(text[:4000].strip())) / 2 or cjk > 200 else "en"


class Matcher:
    """A playbook with compiled patterns, cached per version."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self._cache: dict[str, re.Pattern[str]] = {}

    def c(self, pattern: str) -> re.Pattern[str]:
        found = self._cache.get(pattern)
        if found is None:
            found = self._cache[pattern] = self.playbook.compiled(pattern)
        return found

    def all_match(self, patterns: list[str], text: str) -> bool:
        return all(self.c(p).search(text) for p in patterns)

    def any_match(self, patterns: list[str], text: str) -> bool:
        return any(self.c(p).search(text) for p in patterns)

    def none_match(self, patterns: list[str], text: str) -> bool:
        return not self.any_match(patterns, text)

    def clause_admits(self, rule: Rule, clause: Clause) -> bool:
        """Whether a sentence rule may look at this clause's sentences at all (its clause-level
        conditions: words the clause must hold, words that rule it out, words of its title)."""
        if rule.clause_all and not self.all_match(rule.clause_all, clause.text):
            return False
        if rule.clause_unless and not self.none_match(rule.clause_unless, clause.text):
            return False
        return not (rule.title_any and not self.any_match(rule.title_any, clause.title))


def _format(template: str, values: dict[str, object]) -> str:
    class Safe(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(Safe(values))


def extract_figure(
    kind: Kind, rule: Rule, m: Matcher, sentence: str, clause: Clause
) -> numbers.Figure | None:
    """The figure the rule's numeric extractor reads in a sentence (None when there is none)."""
    spec = rule.numeric
    assert spec is not None
    params = dict(kind.parameters)
    seg_unless = [m.c(p) for p in spec.segment_unless + rule.unless]
    context = [m.c(p) for p in rule.any + rule.all]
    if spec.extractor == "payment_days":
        return numbers.payment_days(
            sentence,
            context=context,
            segment_unless=seg_unless,
            business_day_factor=float(params.get("business_day_factor", 1.4)),
        )
    if spec.extractor == "penalty":
        return numbers.penalty(sentence, clause.text)
    if spec.extractor == "warranty_months":
        return numbers.warranty_months(sentence, segment_unless=seg_unless, context=context)
    return numbers.notice_days(sentence, clause.text)


def _figure(
    kind: Kind, rule: Rule, m: Matcher, sentence: str, clause: Clause
) -> tuple[bool, dict[str, object]]:
    """Apply the rule's numeric test; (fires, values for the explanation)."""
    spec = rule.numeric
    assert spec is not None
    params = dict(kind.parameters)
    fig = extract_figure(kind, rule, m, sentence, clause)
    values: dict[str, object] = {**params}
    if fig is None:
        if spec.missing_fires:
            values.update(value="", detail=_no_figure_detail(spec.extractor, params))
        return spec.missing_fires, values
    values.update(value=fig.display, detail=fig.detail)
    if spec.above:
        fires = fig.value > float(params[spec.above])
    else:
        fires = fig.value < float(params[spec.below or ""])
    if spec.extractor == "notice_days":
        values["detail"] = f"不续期通知期仅{fig.display}天，短于{params.get('min_notice_days')}天"
        values["detail_en"] = f"the non-renewal notice window is only {fig.display} days"
    return fires, values


def _no_figure_detail(extractor: str, params: dict[str, object]) -> str:
    if extractor == "notice_days":
        return "未约定不续期的提前通知期"
    return "未找到可核对的数字"


def _english_detail(values: dict[str, object]) -> dict[str, object]:
    """The extractors phrase details in Chinese; for English contracts give the figure plainly."""
    out = dict(values)
    detail = str(values.get("detail", ""))
    if "detail_en" in values:
        out["detail"] = values["detail_en"]
    elif detail == "未约定不续期的提前通知期":
        out["detail"] = "with no notice window for non-renewal"
    elif "未约定累计上限" in detail:
        out["detail"] = " with no overall cap"
    elif detail.startswith("，累计上限为"):
        out["detail"] = f" with an overall cap of {detail.removeprefix('，累计上限为')}"
    elif "合计" in detail:
        out["detail"] = f" (composite: {detail.strip('（）')})"
    elif "按" in detail and "自然日" in detail:
        out["detail"] = " (business days converted to calendar days)"
    else:
        out["detail"] = ""
    value = str(values.get("value", ""))
    value = value.replace("按日", "").replace("累计", " per day, accruing").replace("为合同总额的", "")
    value = value.replace("千分之", "").replace("个月", " months").replace("年", " years")
    out["value"] = value
    return out


def _flag(
    kind: Kind,
    rule_index: int,
    rule: Rule,
    clause: Clause,
    start: int,
    end: int,
    values: dict[str, object],
    playbook: Playbook,
    lang: str,
    file_name: str,
) -> Flag:
    if lang != "zh":
        values = _english_detail(values)
    return clause_flag(
        kind, clause, (start, end), playbook, lang, file_name,
        severity=kind.severity,
        explanation=_format(rule.explain.pick(lang), values).strip(),
        rule=f"{kind.id}.rules[{rule_index}]",
    )  # fmt: skip


def body_spans(clause: Clause) -> list[tuple[int, int]]:
    """Sentence spans without the heading line: a heading ("Article 9 Exclusivity") is not a term."""
    spans = sentences(clause.text)
    if not clause.label or not spans:
        return spans
    first_line = clause.text.split("\n", 1)[0]
    rest = first_line.strip()[len(clause.label) :].strip(" 　.:：、")
    if rest and rest != clause.title:
        return spans  # "5.1 甲方应于..." : the heading line carries the clause's first sentence
    if "\n" not in clause.text:
        return []  # the clause is its heading only (its body is in sub-clauses)
    return [sp for sp in spans if sp[0] > len(first_line) - 1]


def _clause_rule(
    kind: Kind, rule: Rule, m: Matcher, clause: Clause, group_text: str
) -> tuple[int, int] | None:
    """A clause-scope rule: the span it quotes when the whole article (with sub-clauses) satisfies it."""
    heading = clause.text.split("\n", 1)[0]
    body = body_spans(clause)
    if not body:
        return None
    if rule.title_any and not (
        m.any_match(rule.title_any, clause.title) or m.any_match(rule.title_any, heading)
    ):
        return None
    if not m.all_match(rule.clause_all, group_text) or not m.none_match(rule.clause_unless, group_text):
        return None
    pattern = rule.clause_all[0] if rule.clause_all else None
    for s, e in body:
        if pattern is None or m.c(pattern).search(clause.text[s:e]):
            return s, e
    return body[0] if body else None


def review_clauses(
    clauses: list[Clause], playbook: Playbook, *, lang: str, file_name: str
) -> tuple[list[Flag], list[MissingClause]]:
    m = Matcher(playbook)
    flags: list[Flag] = []
    seen: set[tuple[str, int | str]] = set()
    full_text = "\n".join(c.text for c in clauses)
    groups: dict[str, list[str]] = {}
    for c in clauses:
        groups.setdefault(c.parent or c.number, []).append(c.text)
    for clause in clauses:
        spans = body_spans(clause)
        group_key = clause.parent or clause.number
        group_text = "\n".join(groups.get(group_key, [clause.text]))
        for kind in playbook.kinds:
            if (kind.id, clause.index) in seen:
                continue
            for ri, rule in enumerate(kind.detection.rules):
                hit: tuple[int, int, dict[str, object]] | None = None
                if rule.scope == "clause":
                    if (kind.id, f"group:{group_key}") in seen:
                        continue
                    span = _clause_rule(kind, rule, m, clause, group_text)
                    if span:
                        seen.add((kind.id, f"group:{group_key}"))
                        hit = (span[0], span[1], dict(kind.parameters))
                else:
                    if not m.clause_admits(rule, clause):
                        continue
                    for s, e in spans:
                        sent = clause.text[s:e]
                        if rule.any and not m.any_match(rule.any, sent):
                            continue
                        if not m.all_match(rule.all, sent) or not m.none_match(rule.unless, sent):
                            continue
                        values: dict[str, object] = dict(kind.parameters)
                        if rule.numeric:
                            fires, values = _figure(kind, rule, m, sent, clause)
                            if not fires:
                                continue
                        hit = (s, e, values)
                        break
                if hit:
                    flags.append(
                        _flag(kind, ri, rule, clause, hit[0], hit[1], hit[2], playbook, lang, file_name)
                    )
                    seen.add((kind.id, clause.index))
                    break
    missing: list[MissingClause] = []
    for kind in playbook.kinds:
        spec = kind.detection.missing
        if spec is None:
            continue
        if spec.applies_if and not m.any_match(spec.applies_if, full_text):
            continue
        if m.any_match(spec.present_if, full_text):
            continue
        missing.append(
            MissingClause(
                category=kind.id,
                title=kind.title.pick(lang),
                severity=kind.severity,
                why=spec.why.pick(lang),
                suggestion=kind.fallback.pick(lang),
                playbook_version=playbook.version,
            )
        )
    return flags, missing


def _first_group(m: Matcher, patterns: list[str], text: str, group: str = "name") -> re.Match[str] | None:
    for p in patterns:
        found = m.c(p).search(text)
        if found and found.groupdict().get(group):
            return found
    return None


def summarise(
    clauses: list[Clause],
    flags: list[Flag],
    missing: list[MissingClause],
    playbook: Playbook,
    *,
    lang: str,
    pages: int,
) -> ReviewSummary:
    m = Matcher(playbook)
    text = "\n".join(c.text for c in clauses)
    spec = playbook.summary
    customer = _first_group(m, spec.customer_party, text)
    supplier = _first_group(m, spec.supplier_party, text)
    amount = _first_group(m, spec.amount, text, "value")
    term = _first_group(m, spec.term, text, "value")
    pay_kind = playbook.kind("payment_term_over_90_days")
    pay_rule = pay_kind.detection.rules[0]
    days: set[float] = set()
    renewal: str | None = None
    venue: list[str] = []
    for clause in clauses:
        for s, e in sentences(clause.text):
            sent = clause.text[s:e]
            if m.any_match(pay_rule.any, sent) and m.none_match(pay_rule.unless, sent):
                fig = numbers.payment_days(
                    sent,
                    context=[m.c(p) for p in pay_rule.any],
                    segment_unless=[m.c(p) for p in pay_rule.unless],
                    business_day_factor=float(pay_kind.parameters.get("business_day_factor", 1.4)),
                )
                if fig:
                    days.add(fig.value)
            about_law = m.any_match(spec.law_venue[:1], sent) or (
                m.any_match(spec.law_venue[1:], sent) and re.search(r"争议|纠纷|dispute|govern", sent, re.I)
            )
            if about_law and sent not in venue and len(venue) < 2:
                venue.append(sent)
            if renewal is None and re.search(r"续期|续约|续签|renew", sent, re.I):
                renewal = sent
    counts = Counter(f.severity for f in flags)
    counts.update(mc.severity for mc in missing)
    amount_text = None
    if amount:
        gd = amount.groupdict()
        amount_text = " ".join(x for x in (gd.get("currency"), gd.get("value"), gd.get("unit")) if x)
    term_text = f"{term.group('value')}{term.group('unit')}" if term else None
    return ReviewSummary(
        customer=customer.group("name").strip() if customer else None,
        supplier=supplier.group("name").strip() if supplier else None,
        amount=amount_text,
        term=term_text,
        payment_terms_days=sorted(days),
        governing_law_and_venue=venue,
        renewal=renewal,
        counts={s: counts.get(s, 0) for s in ("high", "medium", "low")},
        pages=pages,
        clauses=len(clauses),
        language=lang,
    )


def review_document(
    doc: PdfDocument, playbook: Playbook | None = None, *, llm: Any = "offline", embedder: Any = None
) -> ContractReview:
    """Review a read document (PDF, OCR'd scan or DOCX) against the playbook.

    With an `embedder` (or a zero-argument provider of one), English sentences that no rule flagged are also compared with the
    playbook's exemplars (services.contract_similarity): a secondary, low-severity signal.
    `llm` is the generator from `services.generation.make_generator` (or "offline"): a chat
    adapter gives the second opinion on borderline clauses; the offline one is never asked.
    """
    playbook = playbook or default_playbook()
    clauses = segment_clauses(doc)
    text = "\n".join(c.text for c in clauses)
    lang = detect_language(text)
    flags, missing = review_clauses(clauses, playbook, lang=lang, file_name=doc.name)
    if embedder is not None and lang in playbook.similarity.languages:
        from services.contract_similarity import similarity_flags

        if callable(embedder):  # a provider: the model is loaded only when a document needs it
            embedder = embedder()

        flagged = {(f.category, c.index) for f in flags for c in clauses if c.number == f.clause}
        spans = {c.index: body_spans(c) for c in clauses}
        flags += similarity_flags(clauses, spans, flagged, playbook, embedder, lang=lang, file_name=doc.name)
    opinion, llm_flags = _second_opinion(llm, clauses, flags, playbook, lang=lang, file_name=doc.name)
    flags += llm_flags
    summary = summarise(clauses, flags, missing, playbook, lang=lang, pages=doc.page_count)
    ocr = doc.approximate_positions
    return ContractReview(
        file=doc.name,
        source=doc.source,
        ocr=ocr,
        notice=OCR_NOTICE if ocr else None,
        playbook_version=playbook.version,
        flags=flags,
        missing=missing,
        summary=summary,
        second_opinion=opinion,
    )


def _second_opinion(
    llm: Any, clauses: list[Clause], flags: list[Flag], playbook: Playbook, *, lang: str, file_name: str
) -> tuple[Any, list[Flag]]:
    from services.contract_second_opinion import not_asked, second_opinion

    if not hasattr(llm, "structured"):
        name = llm if isinstance(llm, str) else getattr(llm, "name", "offline")
        if name == "offline":
            return not_asked("COPILOT_LLM=offline: the model is asked only when an LLM is configured"), []
        return not_asked(f"the {name!r} generator cannot give structured answers"), []
    return second_opinion(llm, clauses, flags, playbook, lang=lang, file_name=file_name)


def review_file(
    path: str | Path, *, password: str | None = None, playbook: Playbook | None = None, llm: Any = "offline"
) -> ContractReview:
    """Read a PDF or DOCX (OCR'ing scanned PDFs) and review it."""
    from extractors.documents import read_document

    return review_document(read_document(path, password=password), playbook, llm=llm)
