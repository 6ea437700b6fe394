"""Hybrid search over a small corpus: zh, en, cross-language, filters and caller visibility."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from copilot.auth import Caller
from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow
from copilot.errors import InvalidInput
from copilot.models import Role
from retrieval.chunking import Segment
from retrieval.index import IndexRecord, index_records
from retrieval.search import search, search_many


@pytest.fixture
def corpus(context: AppContext) -> dict[str, int]:
    with context.db.transaction() as session:
        a = CustomerRow(name="华东汽车集团", name_key="华东汽车集团", department_id=None, owner_id=None)
        b = CustomerRow(name="瑞金医院", name_key="瑞金医院")
        session.add_all([a, b])
        session.flush()
        ids = {"auto": a.id, "hospital": b.id}
    index_records(
        context,
        [
            IndexRecord(
                doc_key="signal:1",
                kind="signal",
                source="news",
                title="华东汽车焊装车间节拍瓶颈",
                text="华东汽车集团焊装车间节拍瓶颈严重，计划引入机器人。",
                customer_id=ids["auto"],
                occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
                url="https://news.example/1",
            ),
            IndexRecord(
                doc_key="signal:2",
                kind="signal",
                source="tender",
                title="AI质检系统采购公告",
                text="瑞金医院发布AI质检系统采购公告，预算300万元。",
                customer_id=ids["hospital"],
                occurred_at=datetime(2026, 6, 1, tzinfo=UTC),
            ),
            IndexRecord(
                doc_key="signal:3",
                kind="signal",
                source="web",
                title="Predictive maintenance page viewed",
                text="A visitor viewed the predictive maintenance white paper three times.",
                public=True,
                occurred_at=datetime(2026, 7, 1, tzinfo=UTC),
            ),
            IndexRecord(
                doc_key="signal:4",
                kind="signal",
                source="news",
                title="季度财报",
                text="某公司发布季度财报，营收增长百分之十。",
                public=True,
            ),
            IndexRecord(
                doc_key="transcript:1",
                kind="transcript",
                source="call",
                title="拜访电话",
                customer_id=ids["auto"],
                segments=[
                    Segment("我们最关心能耗成本。", 12.0, 15.5, speaker="客户"),
                    Segment("明白，我们的方案能降低两成能耗。", 15.5, 20.0, speaker="销售"),
                ],
            ),
        ],
    )
    return ids


def test_chinese_query_finds_its_chunk_first(context: AppContext, corpus: dict[str, int]) -> None:
    hits = search(context, "焊装车间 节拍瓶颈")
    assert hits[0].doc_key == "signal:1"
    assert hits[0].url == "https://news.example/1"
    assert hits[0].occurred_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_cross_language_query_goes_through_the_glossary(context: AppContext, corpus: dict[str, int]) -> None:
    assert search(context, "预测性维护")[0].doc_key == "signal:3"
    assert search(context, "预测性维护", expand=False, mode="sparse") == []  # without the glossary: nothing


def test_hit_is_citable_evidence(context: AppContext, corpus: dict[str, int]) -> None:
    hit = search(context, "能耗成本", kinds=["transcript"])[0]
    evidence = hit.evidence()
    assert evidence.kind == "transcript_span"
    assert (evidence.start, evidence.end) == (12.0, 20.0)
    assert "能耗成本" in evidence.quote


def test_filters(context: AppContext, corpus: dict[str, int]) -> None:
    assert {h.doc_key for h in search(context, "采购", customer_id=corpus["hospital"])} == {"signal:2"}
    assert {h.doc_key for h in search(context, "采购 焊装 能耗", sources=["tender"])} == {"signal:2"}
    assert {h.doc_key for h in search(context, "能耗", kinds=["transcript"])} == {"transcript:1"}
    recent = search(context, "焊装 质检 维护", since=datetime(2026, 5, 1, tzinfo=UTC))
    assert {h.doc_key for h in recent} == {"signal:2", "signal:3"}


def test_caller_sees_own_customers_and_public_signals_only(
    context: AppContext, corpus: dict[str, int]
) -> None:
    from copilot import org

    with context.db.transaction() as session:
        rep = org.add_user(session, login="rep1", role="rep", department="华东事业部").user
        session.get(CustomerRow, corpus["auto"]).owner_id = rep.id
        caller = Caller(id=rep.id, login="rep1", name="rep1", role=Role.rep, department_id=rep.department_id)
    seen = {h.doc_key for h in search(context, "焊装 质检 维护 能耗 财报", caller=caller, limit=20)}
    assert seen == {"signal:1", "signal:3", "signal:4", "transcript:1"}  # not the hospital's tender
    # several queries at once obey the same visibility, and answer in query order
    many = search_many(context, ["采购 质检", "能耗"], caller=caller, limit=20)
    assert len(many) == 2 and "signal:2" not in {h.doc_key for hits in many for h in hits}
    assert many[1][0].doc_key == "transcript:1"
    assert [h.doc_key for h in search_many(context, ["能耗"], kinds=["transcript"])[0]] == ["transcript:1"]


def test_bad_queries_are_rejected_with_the_field(context: AppContext) -> None:
    with pytest.raises(InvalidInput) as info:
        search(context, "   ")
    assert info.value.details["field"] == "query"
    with pytest.raises(InvalidInput) as info:
        search(context, "x", limit=0)
    assert info.value.details["field"] == "limit"
    with pytest.raises(InvalidInput) as info:
        search(context, "x", since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC))
    assert info.value.details["field"] == "since"


def test_chinese_paraphrase_is_found_by_the_dense_side_where_bm25_shares_no_word(context: AppContext) -> None:
    index_records(
        context,
        [
            IndexRecord(
                doc_key="signal:10",
                kind="signal",
                source="registry",
                text="德润信息技术有限公司工商变更：法定代表人变更，变更前：马静，变更后：王磊。",
                public=True,
            ),
            IndexRecord(
                doc_key="signal:11",
                kind="signal",
                source="news",
                text="德润信息技术有限公司完成新一轮融资，资金将用于研发投入。",
                public=True,
            ),
        ],
    )
    question = "法人换成谁了"  # colloquial: 法人 for 法定代表人, 换成 for 变更
    assert search(context, question, mode="sparse") == []  # no word in common
    assert search(context, question)[0].doc_key == "signal:10"
    assert search(context, question, mode="dense")[0].doc_key == "signal:10"
