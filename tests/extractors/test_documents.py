"""DOCX input, the pypdfium2 reader's parity with pdfplumber, and OCR of a scanned page."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.contracts.documents import (
    ContractSource,
    SourceClause,
    render_docx,
    render_pdf,
    render_scanned_pdf,
    wqy_font_path,
)
from copilot.errors import InvalidInput
from extractors.clauses import segment_clauses
from extractors.documents import read_document
from extractors.pdf import read_pdf
from services.contract_review import OCR_NOTICE, review_document
from tests.extractors.conftest import zh_source

ONE_PAGE = ContractSource(
    title="技术服务合同",
    preamble=["甲方：青岛海湾化工有限公司", "乙方：上海智联工业软件有限公司"],
    clauses=[
        SourceClause(
            heading="第一条 付款方式",
            paragraphs=["甲方在收到乙方开具的增值税专用发票（税率6%）后一百二十日内支付服务费。"],
        ),
        SourceClause(heading="第二条 质量保证", paragraphs=["设备质保期为五年，自验收合格之日起计算。"]),
    ],
)


def test_docx_paragraphs_become_clauses(tmp_path: Path) -> None:
    path = tmp_path / "c.docx"
    render_docx(zh_source(4), path)
    doc = read_document(path)
    assert doc.source == "docx" and all(
        line.bbox is None and line.paragraph is not None for line in doc.lines()
    )
    clauses = segment_clauses(doc)
    assert [c.number for c in clauses if c.level == 1] == ["1", "2", "3", "4"]
    assert clauses[1].paragraphs(0, len(clauses[1].text))


def test_docx_bad_files(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"")
    with pytest.raises(InvalidInput) as err:
        read_document(tmp_path / "x.docx")
    assert err.value.details["reason"] == "empty"
    (tmp_path / "y.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInput) as err:
        read_document(tmp_path / "y.docx")
    assert err.value.details["reason"] in ("not_docx", "damaged")


def test_pdfium_reader_gives_the_same_clauses_and_flags(zh_pdf: Path) -> None:
    a = read_pdf(zh_pdf, engine="pdfplumber")
    b = read_pdf(zh_pdf, engine="pdfium")
    assert [c.number for c in segment_clauses(a)] == [c.number for c in segment_clauses(b)]
    assert [ln.text for ln in a.lines()] == [ln.text for ln in b.lines()]
    for la, lb in zip(a.lines(), b.lines(), strict=True):
        assert all(abs(x - y) < 8 for x, y in zip(la.bbox, lb.bbox, strict=True))


def test_pdfium_reader_refuses_encrypted_without_password(tmp_path: Path) -> None:
    data = render_pdf(zh_source(2), password="pw")
    with pytest.raises(InvalidInput) as err:
        read_pdf(data, engine="pdfium")
    assert err.value.details["reason"] == "encrypted"
    assert "第一条" in read_pdf(data, "pw", engine="pdfium").text


@pytest.mark.slow
@pytest.mark.skipif(
    wqy_font_path() is None,
    reason="scanned fixtures need rendered CJK glyphs: apt-get install fonts-wqy-microhei",
)
def test_scanned_page_is_ocrd_and_reviewed_with_approximate_positions() -> None:
    scanned = render_scanned_pdf(render_pdf(ONE_PAGE), dpi=150)
    doc = read_document(scanned, name="scan.pdf")
    assert doc.source == "pdf_ocr" and doc.approximate_positions
    review = review_document(doc)
    assert review.ocr and review.notice == OCR_NOTICE
    kinds = {f.category for f in review.flags}
    assert {"payment_term_over_90_days", "warranty_excessive"} <= kinds
    pay = next(f for f in review.flags if f.category == "payment_term_over_90_days")
    assert pay.approximate_position and pay.page == 1 and pay.bbox is not None
    assert "120天" in pay.explanation
