"""Public-signal extraction from JSONL, RSS/Atom and saved HTML; bad input rejected per item."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from copilot.errors import InvalidInput
from extractors.public import read_feed, read_html, read_jsonl, read_signals


def _jsonl(*objs: object) -> bytes:
    return "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs).encode()


def test_jsonl_types_render_as_text_and_bad_lines_are_rejected_alone() -> None:
    data = _jsonl(
        {
            "type": "tender",
            "title": "AI质检系统采购公告",
            "buyer": "华东汽车集团",
            "budget": "300万元",
            "deadline": "2026-07-01",
            "published_at": "2026-06-01",
            "url": "https://ggzy.example/1",
        },
        "{not json",
        {
            "type": "registry_change",
            "company": "华东汽车集团有限公司",
            "change_type": "法定代表人变更",
            "before": "张三",
            "after": "李四",
            "changed_at": "2026年5月3日",
            "uscc": "91310000MA1FL0XX1X",
        },
        {
            "type": "web_event",
            "visitor_company": "华东汽车集团",
            "page": "预测性维护",
            "document": "MES对接文档",
            "dwell_seconds": 95,
            "at": "2026-06-02T10:00:00+08:00",
        },
        {"type": "news", "text": "no title"},
        {"type": "unknown", "title": "x"},
        {"type": "news", "title": "bad date", "published_at": "yesterday-ish"},
    )
    result = read_jsonl(data, name="s.jsonl")
    assert [d.type for d in result.drafts] == ["tender", "registry_change", "web_event"]
    tender, change, event = result.drafts
    assert (
        tender.company == "华东汽车集团"
        and "预算：300万元" in tender.text
        and "截止时间：2026-07-01" in tender.text
    )
    assert tender.occurred_at == datetime(2026, 5, 31, 16, 0, tzinfo=UTC)  # Shanghai midnight in UTC
    assert change.title == "华东汽车集团有限公司 法定代表人变更" and "变更后：李四" in change.text
    assert "MES对接文档" in event.text and "95 秒" in event.text
    reasons = {r.where: r.reason for r in result.rejected}
    assert reasons["s.jsonl:2"].startswith("not JSON")
    assert "'title' is missing" in reasons["s.jsonl:5"]
    assert "type 'unknown'" in reasons["s.jsonl:6"]
    assert "not a date" in reasons["s.jsonl:7"]


def test_optional_fields_leave_no_empty_labels() -> None:
    draft = read_jsonl(
        _jsonl({"type": "tender", "title": "设备采购", "buyer": "某厂"}), name="t.jsonl"
    ).drafts[0]
    assert "预算" not in draft.text and "截止" not in draft.text


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Industry News</title>
<item><title>Automaker expands welding shop</title><link>https://n.example/1</link>
<description>&lt;p&gt;New line for &lt;b&gt;body shop&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Tue, 03 Mar 2026 08:00:00 +0000</pubDate></item>
<item><title>Bad date item</title><link>https://n.example/2</link><pubDate>someday</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tenders</title>
<entry><title>Hospital AI inspection tender</title><link href="https://t.example/9"/>
<id>urn:t:9</id><updated>2026-04-01T00:00:00Z</updated><summary>Budget 3M</summary></entry></feed>"""


def test_rss_item_with_bad_date_is_rejected_and_the_rest_kept() -> None:
    result = read_feed(RSS, name="news.rss")
    assert [d.title for d in result.drafts] == ["Automaker expands welding shop"]
    assert result.drafts[0].text.endswith("New line for body shop")
    assert result.drafts[0].occurred_at == datetime(2026, 3, 3, 8, tzinfo=UTC)
    assert result.drafts[0].source == "Industry News"
    assert len(result.rejected) == 1 and "not a date" in result.rejected[0].reason


def test_atom_entries() -> None:
    result = read_signals(ATOM, name="tenders.atom", default_type="tender")
    draft = result.drafts[0]
    assert (draft.type, draft.url, draft.external_id) == ("tender", "https://t.example/9", "urn:t:9")


def test_saved_html_page() -> None:
    page = """<html><head><title>ignored</title><meta property="og:title" content="某车企焊装车间扩产">
    <meta property="og:url" content="https://mp.example/a"><meta property="og:site_name" content="智造公众号">
    <meta property="article:published_time" content="2026-02-01T09:00:00+08:00"></head>
    <body><nav>menu</nav><article><p>焊装车间节拍瓶颈明显。</p><p>计划引入AI质检。</p></article>
    <script>var x=1;</script></body></html>""".encode()
    draft = read_html(page, name="a.html", default_type="wechat_article").drafts[0]
    assert draft.title == "某车企焊装车间扩产"
    assert "焊装车间节拍瓶颈明显。" in draft.text and "menu" not in draft.text and "var x" not in draft.text
    assert draft.url == "https://mp.example/a"
    assert draft.occurred_at == datetime(2026, 2, 1, 1, tzinfo=UTC)


def test_empty_and_unreadable_files_are_rejected_with_a_reason() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        read_signals(b"", name="empty.jsonl")
    with pytest.raises(InvalidInput, match="not a well-formed"):
        read_signals(b"<?xml version='1.0'?><rss><channel>", name="broken.rss")
    with pytest.raises(InvalidInput, match="unsupported"):
        read_signals(b"%PDF-1.4", name="x.pdf")
