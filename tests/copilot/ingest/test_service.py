"""Ingest files end to end: rows, customer links, index; re-ingest is idempotent; bad input reported."""

from __future__ import annotations

import json

from sqlalchemy import select

from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow, JobRow, SignalRow, TranscriptRow
from copilot.dedup.normalise import make_uscc
from copilot.ingest.service import ingest_signal_files, ingest_transcript_files
from retrieval.search import search

USCC = make_uscc("91310000MA1FL0AB1")


def _customers(context: AppContext) -> dict[str, int]:
    with context.db.transaction() as session:
        auto = CustomerRow(name="华东汽车集团有限公司", name_key="华东汽车集团", uscc=USCC)
        hospital = CustomerRow(name="瑞金医院", name_key="瑞金医院")
        session.add_all([auto, hospital])
        session.flush()
        return {"auto": auto.id, "hospital": hospital.id}


def _lines(*objs: object) -> bytes:
    return "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs).encode()


SIGNALS = _lines(
    {
        "id": "t1",
        "type": "tender",
        "title": "AI质检系统采购公告",
        "buyer": "上海交通大学医学院附属瑞金医院",
        "budget": "300万元",
        "published_at": "2026-06-01",
    },
    {
        "id": "n1",
        "type": "news",
        "title": "华东汽车焊装车间节拍瓶颈",
        "company": "某公司",
        "uscc": USCC,
        "text": "焊装车间节拍瓶颈严重。",
        "published_at": "2026-05-01",
    },
    {
        "id": "w1",
        "type": "web_event",
        "visitor_company": "华东汽车集团",
        "page": "预测性维护",
        "dwell_seconds": 80,
        "at": "2026-06-03T10:00:00+08:00",
    },
    {"id": "x1", "type": "news", "title": "无关公司新闻", "company": "不存在的公司"},
    "not json at all",
)


def test_signals_are_linked_stored_indexed_and_reingest_is_a_no_op(context: AppContext) -> None:
    ids = _customers(context)
    report = ingest_signal_files(context, [("s.jsonl", SIGNALS)])
    assert (report.new, report.unchanged, report.replaced, report.linked) == (4, 0, 0, 3)
    assert [r.where for r in report.rejected] == ["s.jsonl:5"]
    assert report.chunks == 4
    with context.db.read() as session:
        links = {
            r.external_id: (r.customer_id, r.payload["link"]) for r in session.scalars(select(SignalRow))
        }
    assert links == {
        "t1": (ids["hospital"], "name"),  # parent institution stripped by the shared normaliser
        "n1": (ids["auto"], "uscc"),  # uscc wins over the name
        "w1": (ids["auto"], "name"),
        "x1": (None, "none"),
    }
    hits = search(context, "焊装车间 节拍瓶颈", customer_id=ids["auto"])
    assert hits[0].record_id is not None and hits[0].customer_id == ids["auto"]

    again = ingest_signal_files(context, [("s.jsonl", SIGNALS)])
    assert (again.new, again.unchanged, again.replaced, again.chunks) == (0, 4, 0, 0)

    changed = SIGNALS.replace("300万元".encode(), "450万元".encode())
    third = ingest_signal_files(context, [("s.jsonl", changed)])
    assert (third.new, third.unchanged, third.replaced) == (0, 3, 1)
    assert "450万元" in search(context, "AI质检系统 预算", customer_id=ids["hospital"])[0].quote


def test_bad_files_are_rejected_and_the_rest_ingested(context: AppContext) -> None:
    _customers(context)
    rss = b"""<?xml version="1.0"?><rss><channel><title>T</title>
    <item><title>ok item</title><pubDate>Tue, 03 Mar 2026 08:00:00 +0000</pubDate></item>
    <item><title>bad</title><pubDate>32/13/2026</pubDate></item></channel></rss>"""
    report = ingest_signal_files(
        context,
        [("empty.jsonl", b""), ("feed.rss", rss), ("fake.html", b"\x00\x01\x02"), ("s.jsonl", SIGNALS)],
    )
    reasons = {r.where: r.reason for r in report.rejected}
    assert "empty" in reasons["empty.jsonl"]
    assert "not a date" in reasons["feed.rss#item2"]
    assert reasons["s.jsonl:5"].startswith("not JSON")
    assert report.new == 5  # 4 good JSONL lines + 1 good feed item


SRT = """1
00:00:01,000 --> 00:00:04,000
客户: 我们最关心能耗成本。

2
00:00:04,000 --> 00:00:08,000
销售: 我们的方案能降低两成能耗。
"""


def test_transcripts_with_header_link_to_their_customer(context: AppContext) -> None:
    ids = _customers(context)
    text = (
        "# customer: 华东汽车集团\n# date: 2026-03-05\n客户：焊装车间经常停机。\n销售：我们做预测性维护。\n"
    )
    report = ingest_transcript_files(
        context,
        [("visit.txt", text.encode()), ("call.srt", SRT.encode()), ("zero.txt", b"")],
        customer_id=None,
    )
    assert (report.new, report.linked) == (2, 1)
    assert [r.where for r in report.rejected] == ["zero.txt"]
    with context.db.read() as session:
        rows = {r.file_name: r for r in session.scalars(select(TranscriptRow))}
        assert rows["visit.txt"].customer_id == ids["auto"]
        assert rows["call.srt"].turns[1]["start"] == 4.0
    hit = search(context, "能耗成本", kinds=["transcript"])[0]
    assert hit.file == "call.srt" and (hit.start, hit.end) == (1.0, 8.0)
    assert ingest_transcript_files(context, [("call.srt", SRT.encode())]).unchanged == 1


def test_ingest_while_another_process_owns_the_index_defers_to_the_worker(context: AppContext) -> None:
    from copilot.bootstrap import build_context
    from retrieval.index import close_store, get_store

    owner = build_context(context.settings)  # stands in for `copilot serve`
    get_store(owner)
    try:
        report = ingest_signal_files(context, [("s.jsonl", SIGNALS)])
        assert report.index_deferred and report.new == 4 and report.chunks == 0
        with context.db.read() as session:
            job = session.scalar(select(JobRow).where(JobRow.kind == "ingest.index"))
            assert job is not None and len(job.payload["signals"]) == 4
        from copilot.worker import run_once

        run_once(owner)  # the owner's worker indexes them
        assert len(search(owner, "焊装车间")) > 0
    finally:
        close_store(owner)
        owner.db.dispose()
