from __future__ import annotations

from pathlib import Path

import pytest

from copilot.contracts.documents import render_pdf, render_scanned_pdf
from copilot.errors import InvalidInput
from extractors.pdf import read_pdf
from tests.extractors.conftest import zh_source


def test_reads_pages_lines_and_positions(zh_pdf: Path) -> None:
    doc = read_pdf(zh_pdf)
    assert doc.page_count >= 3
    assert not doc.scanned and doc.scanned_pages == []
    first = doc.pages[0]
    assert [ln.text for ln in first.lines[:2]] == ["合同编号 HT-2026-0042", "设备采购合同"]
    for line in doc.lines():
        x0, top, x1, bottom = line.bbox
        page = doc.pages[line.page - 1]
        assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height
    assert any(ln.text == "第 2 页" for ln in doc.pages[1].lines)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a zip", "not_pdf"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n", "truncated"),
    ],
)
def test_bad_bytes_raise_clear_reasons(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(InvalidInput) as err:
        read_pdf(path)
    assert err.value.details["reason"] == reason
    assert "bad.pdf" in err.value.message


def test_truncated_real_pdf(zh_pdf: Path) -> None:
    data = zh_pdf.read_bytes()
    with pytest.raises(InvalidInput) as err:
        read_pdf(data[: len(data) // 2], name="half.pdf")
    assert err.value.details["reason"] == "truncated"


def test_encrypted_needs_password(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    render_pdf(zh_source(3), path, password="s3cret")
    with pytest.raises(InvalidInput) as err:
        read_pdf(path)
    assert err.value.details["reason"] == "encrypted"
    assert "password" in err.value.message
    with pytest.raises(InvalidInput) as wrong:
        read_pdf(path, password="nope")
    assert wrong.value.details["reason"] == "wrong_password"
    doc = read_pdf(path, password="s3cret")
    assert doc.encrypted and "第一条" in doc.text


def test_scanned_pages_are_marked_not_empty(tmp_path: Path) -> None:
    scanned = render_scanned_pdf(render_pdf(zh_source(2)), dpi=60)
    doc = read_pdf(scanned, name="scan.pdf")
    assert doc.scanned
    assert doc.scanned_pages == list(range(1, doc.page_count + 1))
    assert all(not p.lines for p in doc.pages)
