"""`python -m eval brief`: trigger precision/recall, citation validity, question specificity.

Each scenario is seeded into a fresh SQLite store and briefed offline at the scenario's `now`.
- precision/recall count (scenario, rule) pairs: a fired rule not in `expect_fire` is a false positive.
- citation validity: share of statements (profile lines, signal cards, trigger cards, questions,
  talk tracks) whose every evidence ref exists in the store for this customer (or in the
  talk-track library), quotes the stored record verbatim, and supports the statement (a quoted
  title is found in the cited evidence; figures come from the evidence or our own templates;
  a trigger's cited items match the rule's topic). Spans of calls, contracts and voice notes
  (`from_calls_and_contracts`, `TriggerCard.related`) must be chunks of this customer in the
  index whose stored text the quote reproduces verbatim.
The scenarios' signals are indexed as ingestion indexes them, so topic matching runs on the
vectors the index stored (`generation.signal_vectors`), as in production.
- question specificity: share of questions citing a signal or activity of this customer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from copilot import clock
from copilot.auth import system_caller
from copilot.bootstrap import build_context
from copilot.config import Settings
from copilot.db.schema import ActivityRow, ContactRow, CustomerRow, OpportunityRow, SignalRow
from copilot.models import EvidenceRef
from eval.brief.scenarios import load_scenarios, scenario_now, seed_scenario
from services.brief import Brief, build_brief
from services.facts import activity_ref, signal_ref
from services.generation import date_numbers
from services.talk_tracks import load_library
from services.topics import PROMPTS_DIR, default_matcher
from services.trigger_rules import load_defaults

TARGETS = {"precision": 0.9, "recall": 0.9, "citation_validity": 1.0}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"[「“]([^」”]+)[」”]")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _template_numbers() -> set[str]:
    text = (PROMPTS_DIR / "questions" / "templates.yaml").read_text(encoding="utf-8")
    text += " ".join(e.script + " ".join(e.proof_points) for e in load_library())
    return _numbers(text)


class Checker:
    def __init__(self, context: Any, customer_id: int) -> None:
        self.context = context
        self.customer_id = customer_id
        self.library = {e.id: e for e in load_library()}
        self.template_numbers = _template_numbers()

    def flag_problem(self, session: Any, ref: EvidenceRef) -> str | None:
        """A flagged clause of one of this customer's contracts, quoted verbatim."""
        from sqlalchemy import select

        from copilot.db.schema import ContractFlagRow, ContractRow

        found = session.execute(
            select(ContractFlagRow.id)
            .join(ContractRow, ContractRow.id == ContractFlagRow.contract_id)
            .where(
                ContractRow.customer_id == self.customer_id,
                ContractRow.file_name == ref.file,
                ContractFlagRow.quote == ref.quote,
            )
        ).first()
        return None if found else f"clause {ref.id} is not a flagged clause of this customer's contracts"

    def chunk_problem(self, ref: EvidenceRef) -> str | None:
        from retrieval.index import get_store

        stored = get_store(self.context).dense_vectors(ids=[ref.id])
        if not stored:
            return f"{ref.kind}:{ref.id} is not in the index"
        payload = stored[0].payload
        if payload.get("customer_id") != self.customer_id:
            return f"{ref.kind}:{ref.id} belongs to another customer"
        return None if payload.get("text") == ref.quote else "quote differs from the indexed chunk"

    def ref_problem(self, session: Any, ref: EvidenceRef) -> str | None:
        if ref.kind == "clause" and "#" in ref.id:  # a contract-review flag: `<file>#<clause>`
            return self.flag_problem(session, ref)
        if ref.kind in ("transcript_span", "clause", "chunk"):
            return self.chunk_problem(ref)
        if ref.kind == "talk_track":
            entry = self.library.get(ref.id)
            return None if entry and ref.quote == " ".join(entry.proof_points) else "unknown library entry"
        table = {
            "signal": SignalRow,
            "activity": ActivityRow,
            "opportunity": OpportunityRow,
            "contact": ContactRow,
            "customer": CustomerRow,
        }.get(ref.kind)
        if table is None:
            return f"unknown kind {ref.kind}"
        row = session.get(table, int(ref.id))
        if row is None:
            return f"{ref.kind}:{ref.id} does not exist"
        owner = row.id if table is CustomerRow else row.customer_id
        if owner != self.customer_id:
            return f"{ref.kind}:{ref.id} belongs to another customer"
        if table is SignalRow and signal_ref(row).quote != ref.quote:
            return "quote differs from the stored signal"
        if table is ActivityRow and activity_ref(row).quote != ref.quote:
            return "quote differs from the stored activity"
        return None

    def statement_problem(self, session: Any, text: str, refs: list[EvidenceRef], now: Any) -> str | None:
        if not refs:
            return "no evidence"
        for ref in refs:
            problem = self.ref_problem(session, ref)
            if problem:
                return problem
        quotes = " ".join(r.quote for r in refs)
        for quoted in _QUOTED.findall(text):
            quoted = quoted.rstrip("…")
            if quoted.rstrip("。.") not in quotes and quoted not in quotes:
                return f"quoted “{quoted}” is not in the cited evidence"
        derived = date_numbers(refs) | {str(len(refs))}
        derived |= {str((now - r.occurred_at).days) for r in refs if r.occurred_at}
        invented = _numbers(text) - _numbers(quotes) - self.template_numbers - derived
        if invented:
            return f"figures not in evidence: {sorted(invented)}"
        return None


def _trigger_support(brief: Brief, matcher: Any) -> list[str]:
    rules = {r.id: r for r in load_defaults().rules}
    problems = []
    for card in brief.triggers:
        topics = {c.topic for c in rules[card.rule_id].all if c.topic}
        for ref in card.evidence:
            if (
                ref.kind in ("signal", "activity")
                and topics
                and not any(matcher.match(t, ref.quote) for t in topics)
            ):
                problems.append(f"{card.rule_id}: {ref.kind}:{ref.id} is not about {sorted(topics)}")
    return problems


def _index_signals(ctx: Any, customer_id: int) -> None:
    """The scenario's signals into the search index, the way ingestion puts them there."""
    from sqlalchemy import select

    from copilot.ingest.service import signal_index_record
    from retrieval.index import index_records

    with ctx.db.read() as session:
        rows = session.scalars(select(SignalRow).where(SignalRow.customer_id == customer_id)).all()
        records = [signal_index_record(r, None) for r in rows]
    index_records(ctx, records)


def evaluate(verbose: bool = False) -> dict[str, Any]:
    ctx = build_context(Settings(data_dir=Path(tempfile.mkdtemp(prefix="eval-brief-"))))
    matcher = default_matcher(ctx)
    tp = fp = fn = 0
    statements = valid = 0
    questions = specific = 0
    from_index = signals_seen = 0  # signal texts matched on stored vectors / embedded at brief time
    failures: list[str] = []
    for scenario in load_scenarios():
        cid = seed_scenario(ctx, scenario)
        _index_signals(ctx, cid)
        with clock.pinned(scenario_now(scenario)):
            brief = build_brief(ctx, system_caller(), cid, mode="offline", record=False)
        fired = {t.rule_id for t in brief.triggers}
        from_index += brief.generation["signal_vectors"]["from_index"]
        signals_seen += brief.generation["signal_vectors"]["signals_embedded_now"]
        expected = set(scenario["expect_fire"])
        tp += len(fired & expected)
        fp += len(fired - expected)
        fn += len(expected - fired)
        if fired != expected:
            failures.append(f"{scenario['id']}: fired {sorted(fired)} expected {sorted(expected)}")
        checker = Checker(ctx, cid)
        items: list[tuple[str, str, list[EvidenceRef]]] = []
        p = brief.profile
        items += [("profile", f"{f.label}: {f.value}", f.evidence) for f in p.facts]
        items += [("profile", x.name, x.evidence) for x in p.contacts + p.tags]  # type: ignore[operator]
        items += [("profile", d.name, d.evidence) for d in p.opportunities]
        items += [("profile", t.summary, t.evidence) for t in p.last_touches]
        items += [("signal", s.title, s.evidence) for s in brief.signals]
        items += [("trigger", t.why, t.evidence) for t in brief.triggers]
        items += [("question", q.text, q.evidence) for q in brief.questions]
        items += [("talk_track", t.text, t.evidence) for t in brief.talk_tracks]
        items += [("indexed", f.text, f.evidence) for f in brief.from_calls_and_contracts]
        items += [("indexed", t.title, t.related) for t in brief.triggers if t.related]
        support = _trigger_support(brief, matcher)
        failures += [f"{scenario['id']}: {s}" for s in support]
        with ctx.db.read() as session:
            for section, text, refs in items:
                statements += 1
                problem = checker.statement_problem(
                    session,
                    text if section in ("trigger", "question", "talk_track") else "",
                    refs,
                    brief.generated_at,
                )
                if problem is None:
                    valid += 1
                else:
                    failures.append(f"{scenario['id']} {section}: {problem}: {text[:80]}")
        valid -= len(support)
        questions += len(brief.questions)
        specific += sum(q.specific for q in brief.questions)
        if len(brief.questions) != 3:
            failures.append(f"{scenario['id']}: {len(brief.questions)} questions, not 3")
    from retrieval.index import close_store

    close_store(ctx)
    ctx.db.dispose()
    return {
        "scenarios": len(load_scenarios()),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "citation_validity": round(valid / statements, 4) if statements else 1.0,
        "statements": statements,
        "question_specificity": round(specific / questions, 4) if questions else 0.0,
        "questions": questions,
        "signal_vectors": {"from_index": from_index, "signals_embedded": signals_seen},
        "failures": failures,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval brief")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args(argv)
    result = evaluate()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"scenarios             {result['scenarios']}")
        print(f"trigger precision     {result['precision']:.3f}   (target ≥ {TARGETS['precision']})")
        print(f"trigger recall        {result['recall']:.3f}   (target ≥ {TARGETS['recall']})")
        print(
            f"citation validity     {result['citation_validity']:.3f}   ({result['statements']} statements; target 1.0)"
        )
        print(
            f"question specificity  {result['question_specificity']:.3f}   ({result['questions']} questions)"
        )
        v = result["signal_vectors"]
        print(
            f"signal vectors        {v['from_index']} from the index, {v['signals_embedded']} signals embedded"
        )
        for failure in result["failures"]:
            print(f"  ! {failure}")
    ok = all(result[k] >= v for k, v in TARGETS.items())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
