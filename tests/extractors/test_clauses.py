from __future__ import annotations

from pathlib import Path

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from extractors.clauses import cn_int, segment_clauses
from extractors.pdf import read_pdf


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百二十", 120),
        ("一百零五", 105),
        ("45", 45),
        ("天", None),
    ],
)
def test_cn_int(text: str, value: int | None) -> None:
    assert cn_int(text) == value


def test_zh_articles_and_subclauses(zh_pdf: Path) -> None:
    clauses = segment_clauses(read_pdf(zh_pdf))
    numbers = [c.number for c in clauses]
    assert numbers[0] == ""  # preamble: title and parties
    assert "甲方：华东精密制造有限公司" in clauses[0].text
    articles = [c for c in clauses if c.level == 1]
    assert [c.number for c in articles] == [str(n) for n in range(1, 13)]
    assert articles[0].label == "第一条" and articles[0].title == "条款1"
    subs = [c for c in clauses if c.level == 2]
    assert [c.number for c in subs[:4]] == ["1.1", "1.2", "2.1", "2.2"]
    assert subs[0].parent == "1" and subs[0].title == "条款1"
    # "1.5倍" inside a sentence never opens a clause, and page furniture never enters clause text
    assert all("页" not in c.text.replace("页面", "") for c in clauses)
    assert all("HT-2026-0042" not in c.text for c in clauses)


def test_clause_across_page_break_keeps_both_parts(zh_pdf: Path) -> None:
    clauses = segment_clauses(read_pdf(zh_pdf))
    split = [c for c in clauses if len(c.pages) > 1]
    assert split, "the fixture is long enough that some clause crosses a page"
    clause = split[0]
    assert len(clause.bboxes) == len(clause.pages) == 2
    assert "乙方应按照本合同附件一" in clause.text
    # the text reads on without the footer, and the second page's box starts near the top
    top_second = clause.bboxes[1].bbox[1]
    assert top_second < 120
    boxes = clause.locate(0, len(clause.text))
    assert [b.page for b in boxes] == clause.pages


def test_english_articles_and_sections(en_pdf: Path) -> None:
    clauses = segment_clauses(read_pdf(en_pdf))
    got = [(c.number, c.title) for c in clauses if c.number]
    assert got[:3] == [("1", "Definitions"), ("1.1", "Products"), ("1.2", "Services")]
    assert ("2", "Payment") in got and ("2.1", "Payment") in got and ("3", "Term") in got


def test_zh_enumerated_headings_and_plain_numbers(tmp_path: Path) -> None:
    src = ContractSource(
        title="技术服务协议",
        clauses=[
            SourceClause(
                heading="一、服务内容", paragraphs=["1、乙方提供系统运维服务。", "2、服务期限为一年。"]
            ),
            SourceClause(heading="二、付款", paragraphs=["甲方于验收合格后30日内付款。"]),
            SourceClause(heading="三、保密", paragraphs=["双方均应对对方的商业秘密承担保密义务。"]),
        ],
    )
    path = tmp_path / "enum.pdf"
    render_pdf(src, path)
    clauses = segment_clauses(read_pdf(path))
    assert [(c.number, c.title) for c in clauses if c.number] == [
        ("1", "服务内容"),
        ("2", "付款"),
        ("3", "保密"),
    ]
    assert "2、服务期限为一年。" in clauses[1].text


def test_quote_locates_its_line(zh_pdf: Path) -> None:
    clause = next(c for c in segment_clauses(read_pdf(zh_pdf)) if c.number == "3.2")
    start = clause.text.index("逾期交付")
    boxes = clause.locate(start, start + 6)
    assert len(boxes) == 1 and boxes[0].page == clause.pages[0]
    assert boxes[0].bbox[3] - boxes[0].bbox[1] < 20  # one line high
