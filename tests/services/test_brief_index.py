"""The brief reads the retrieval index: cited call/contract spans, stored signal vectors, visibility,
and a brief that still works (and says so) when the index is empty or held by another process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from copilot import clock
from copilot.auth import caller_from_row
from copilot.bootstrap import AppContext
from copilot.db.schema import SignalRow, UserRow
from copilot.errors import NotFound
from copilot.ingest.service import signal_index_record
from eval.brief.scenarios import load_scenarios, seed_scenario
from retrieval.chunking import Segment
from retrieval.index import IndexRecord, close_store, embedder_for, index_records
from retrieval.store import EdgeStore
from services.brief import build_brief
from services.brief_markdown import render_markdown

CALL = "张工：我们最担心设备故障导致停线，今年想把预测性维护做起来，先从冲压线试点。"
CLAUSE = "乙方须在设备停机后4小时内到场，每超时1小时按合同金额千分之一支付违约金。"


def _caller(ctx: AppContext, org, login: str):  # type: ignore[no-untyped-def]
    with ctx.db.read() as session:
        return caller_from_row(session.get(UserRow, org.ids[login]))


def _seed(ctx: AppContext, sid: str, owner_id: int | None) -> int:
    scenario = dict(next(s for s in load_scenarios() if s["id"] == sid))
    scenario["now"] = clock.now().isoformat()
    return seed_scenario(ctx, scenario, owner_id=owner_id)


def _index_signals(ctx: AppContext, customer_id: int) -> int:
    with ctx.db.read() as session:
        rows = session.scalars(select(SignalRow).where(SignalRow.customer_id == customer_id)).all()
        records = [signal_index_record(r, None) for r in rows]
    index_records(ctx, records)
    return len(records)


def index_call_and_contract(ctx: AppContext, customer_id: int, *, key: int, call: str = CALL) -> None:
    """A call transcript turn (30.0–41.5 s) and a contract clause (p. 3) of the customer, indexed."""
    when = clock.now() - timedelta(days=5)
    index_records(
        ctx,
        [
            IndexRecord(
                doc_key=f"transcript:{key}",
                kind="transcript",
                source="call",
                title="与张工的电话",
                segments=[Segment(call, 30.0, 41.5, speaker="张工")],
                record_id=str(key),
                customer_id=customer_id,
                occurred_at=when,
                file=f"call-{key}.srt",
            ),
            IndexRecord(
                doc_key=f"contract:{key}",
                kind="contract",
                source="contract",
                title="设备维保服务合同",
                segments=[Segment(CLAUSE, page=3, label="第七条 响应时间")],
                merge_segments=False,
                record_id=str(key),
                customer_id=customer_id,
                occurred_at=when,
                file=f"contract-{key}.pdf",
            ),
        ],
    )


@pytest.fixture
def indexed(context: AppContext, small_org):  # type: ignore[no-untyped-def]
    """s01 (the seeds' automaker) for east.rep with its signals, a call and a contract indexed;
    another customer of another rep whose call says the same words."""
    own = _seed(context, "s01", small_org.ids["east.rep"])
    other = _seed(context, "s07", small_org.ids["na.rep"])
    _index_signals(context, own)
    index_call_and_contract(context, own, key=101)
    index_call_and_contract(context, other, key=202, call=CALL.replace("张工", "李总"))
    yield {"own": own, "other": other}
    close_store(context)


def test_brief_cites_call_and_contract_spans_with_provenance(context: AppContext, small_org, indexed) -> None:  # type: ignore[no-untyped-def]
    brief = build_brief(
        context, _caller(context, small_org, "east.rep"), indexed["own"], mode="offline", record=False
    )
    refs = [ref for f in brief.from_calls_and_contracts for ref in f.evidence]
    call = next(r for r in refs if r.kind == "transcript_span")
    assert call.quote == f"张工：{CALL}" or CALL in call.quote
    assert (call.start, call.end, call.source, call.file) == (30.0, 41.5, "call", "call-101.srt")
    assert call.occurred_at is not None and call.ingested_at is not None
    clause = next(r for r in refs if r.kind == "clause")
    assert CLAUSE in clause.quote and clause.page == 3 and clause.url == "/app/contracts/101"
    finding = next(f for f in brief.from_calls_and_contracts if f.evidence[0].kind == "transcript_span")
    assert finding.topic in {"predictive_maintenance", "equipment_failure"} and "与张工的电话" in finding.text
    # the downtime card shows what was said on the call, and still fired on the signals alone
    card = next(c for c in brief.triggers if c.rule_id == "downtime_risk")
    assert call.id in {r.id for r in card.related}
    assert {r.kind for r in card.evidence} == {"signal"}
    assert brief.generation["index"]["status"] == "ok"
    # the printed brief keeps them, with the moment of the call and the page of the clause
    markdown = render_markdown(brief)
    assert "## 通话与合同" in markdown and "0:30–0:41" in markdown and "p. 3" in markdown


def test_another_customers_chunks_never_appear(context: AppContext, small_org, indexed) -> None:  # type: ignore[no-untyped-def]
    for caller in (_caller(context, small_org, "east.rep"), _caller(context, small_org, "admin")):
        brief = build_brief(context, caller, indexed["own"], mode="offline", record=False)
        quotes = [r.quote for f in brief.from_calls_and_contracts for r in f.evidence]
        quotes += [r.quote for c in brief.triggers for r in c.related]
        assert quotes and not any("李总" in q or "contract-202" in q for q in quotes)
        files = {r.file for f in brief.from_calls_and_contracts for r in f.evidence}
        assert files <= {"call-101.srt", "contract-101.pdf"}
    with pytest.raises(NotFound):
        build_brief(
            context, _caller(context, small_org, "east.rep"), indexed["other"], mode="offline", record=False
        )


def test_signal_vectors_come_from_the_index(context: AppContext, small_org, indexed) -> None:  # type: ignore[no-untyped-def]
    brief = build_brief(
        context, _caller(context, small_org, "east.rep"), indexed["own"], mode="offline", record=False
    )
    vectors = brief.generation["signal_vectors"]
    assert vectors["from_index"] == len(brief.signals) and vectors["index"] == "ok"
    assert vectors["signals_embedded_now"] == 0 and vectors["embedded_now"] <= 3  # activities only
    # an edited signal is embedded again rather than matched on its stale indexed vector
    with context.db.transaction() as session:
        row = session.scalars(select(SignalRow).where(SignalRow.customer_id == indexed["own"])).first()
        row.title = row.title + "（更新）"
    again = build_brief(
        context, _caller(context, small_org, "east.rep"), indexed["own"], mode="offline", record=False
    )
    assert again.generation["signal_vectors"]["signals_embedded_now"] == 1


def test_brief_works_on_an_empty_index_and_says_so(context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = _seed(context, "s01", small_org.ids["east.rep"])
    brief = build_brief(context, _caller(context, small_org, "east.rep"), cid, mode="offline", record=False)
    close_store(context)
    assert "downtime_risk" in {c.rule_id for c in brief.triggers}
    assert brief.from_calls_and_contracts == [] and len(brief.questions) == 3
    assert brief.generation["index"]["status"].startswith("empty")
    assert brief.generation["signal_vectors"]["from_index"] == 0
    assert brief.generation["signal_vectors"]["embedded_now"] > 0


def test_brief_works_when_the_index_is_held_by_another_process(context: AppContext, small_org) -> None:  # type: ignore[no-untyped-def]
    cid = _seed(context, "s01", small_org.ids["east.rep"])
    close_store(context)
    holder = EdgeStore(Path(context.settings.resolved_qdrant_path), embedder_for(context).dimension)
    try:
        brief = build_brief(
            context, _caller(context, small_org, "east.rep"), cid, mode="offline", record=False
        )
    finally:
        holder.close()
    assert "downtime_risk" in {c.rule_id for c in brief.triggers}
    assert brief.from_calls_and_contracts == [] and all(not c.related for c in brief.triggers)
    assert brief.generation["index"]["status"].startswith("unavailable")
    assert brief.generation["signal_vectors"]["index"].startswith("unavailable")
    assert brief.generation["topic_matching"] == "keywords+embeddings"
