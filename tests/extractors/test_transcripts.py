"""Transcripts in every accepted format become speaker turns with times (or offsets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from copilot.errors import InvalidInput
from extractors.transcripts import parse_transcript, transcript_from_json

SRT = """1
00:00:01,000 --> 00:00:04,500
客户: 我们焊装车间的节拍是瓶颈。

2
00:00:04,500 --> 00:00:07,000
客户: 每天停机两次。

3
00:00:07,200 --> 00:00:10,000
销售: 我们的预测性维护能解决。
"""

VTT = """WEBVTT

00:01.000 --> 00:03.000
<v Alice>We care about energy cost.</v>

00:03.500 --> 00:06.000
<v Bob>Our system cuts it by 20%.
"""


def test_srt_cues_become_turns_and_one_speakers_cues_merge() -> None:
    t = parse_transcript(SRT, file_name="call.srt")
    assert t.format == "srt" and t.time_unit == "seconds"
    assert [(x.speaker, x.start, x.end) for x in t.turns] == [("客户", 1.0, 7.0), ("销售", 7.2, 10.0)]
    assert t.turns[0].text == "我们焊装车间的节拍是瓶颈。 每天停机两次。"
    assert t.participants == ["客户", "销售"]


def test_vtt_voice_tags() -> None:
    t = parse_transcript(VTT, file_name="m.vtt")
    assert [(x.speaker, x.text, x.start) for x in t.turns] == [
        ("Alice", "We care about energy cost.", 1.0),
        ("Bob", "Our system cuts it by 20%.", 3.5),
    ]


def test_speaker_lines_with_header_and_stamps() -> None:
    text = "# customer: 华东汽车集团\n# date: 2026-03-05 14:00\n# title: 首次拜访\n[00:00:05] 张经理：我们关注能耗成本。\n[00:01:10] Rep: 明白。\n继续补充一句。\n"
    t = parse_transcript(text, file_name="visit.txt")
    assert t.customer == "华东汽车集团" and t.title == "首次拜访"
    assert t.occurred_at == datetime(2026, 3, 5, 6, tzinfo=UTC)
    assert [(x.speaker, x.start, x.end) for x in t.turns] == [("张经理", 5.0, 70.0), ("Rep", 70.0, None)]
    assert t.turns[1].text == "明白。\n继续补充一句。"


def test_plain_text_paragraphs_carry_character_offsets() -> None:
    text = "第一段，客户介绍了产线情况。\n\n第二段，讨论了预算。"
    t = parse_transcript(text, file_name="notes.txt")
    assert t.format == "plain" and t.time_unit == "chars"
    assert [text[int(x.start) : int(x.end)] for x in t.turns] == [x.text for x in t.turns]


def test_bad_transcripts_are_rejected_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        parse_transcript("# customer: x\n", file_name="e.txt")
    with pytest.raises(InvalidInput, match="ends before it starts"):
        parse_transcript("1\n00:00:05,000 --> 00:00:01,000\nA: hi\n", file_name="bad.srt")
    with pytest.raises(InvalidInput) as info:
        transcript_from_json({"id": "x"}, where="t.jsonl:1")
    assert info.value.details["field"] == "turns"


def test_json_transcript() -> None:
    t = transcript_from_json(
        {
            "id": "c1",
            "customer": "瑞金医院",
            "occurred_at": "2026-01-02T03:00:00Z",
            "turns": [{"speaker": "客户", "text": "预算紧张", "start": 0, "end": 3}],
        },
        where="t.jsonl:1",
    )
    assert (t.external_id, t.customer, t.turns[0].end) == ("c1", "瑞金医院", 3)
