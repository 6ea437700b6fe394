"""Real contract files built with reportlab / python-docx for the extractor tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf

LONG_ZH = (
    "乙方应按照本合同附件一所列的技术规格和数量向甲方交付设备，并负责设备的运输、安装和调试工作，"
    "安装调试完成后由双方共同进行验收，验收标准以附件二所列的技术指标为准。"
)


def zh_source(articles: int = 12) -> ContractSource:
    clauses = []
    for n in range(1, articles + 1):
        cn = "一二三四五六七八九十"
        label = cn[n - 1] if n <= 10 else "十" + cn[n - 11]
        paragraphs = [
            f"{n}.1 " + LONG_ZH * (2 + n % 4),
            f"{n}.2 逾期交付的，每逾期一日按1.5倍计算。" + LONG_ZH,
        ]
        clauses.append(SourceClause(heading=f"第{label}条 条款{n}", paragraphs=paragraphs))
    return ContractSource(
        title="设备采购合同",
        lang="zh",
        reference="合同编号 HT-2026-0042",
        preamble=["甲方：华东精密制造有限公司", "乙方：上海智联工业软件有限公司"],
        clauses=clauses,
        signature=["甲方（盖章）：", "乙方（盖章）："],
    )


def en_source() -> ContractSource:
    body = (
        "The Supplier shall deliver the Products described in Schedule 1 to the Customer's site "
        "and shall install and commission them in accordance with the specifications."
    )
    return ContractSource(
        title="MASTER SUPPLY AGREEMENT",
        lang="en",
        reference="MSA-2026-17",
        preamble=[
            "This Agreement is made between Northwind Trading Ltd (Customer) and Contoso Systems (Supplier)."
        ],
        clauses=[
            SourceClause(heading="Article 1 Definitions", paragraphs=[body]),
            SourceClause(heading="Section 1.1 Products", paragraphs=[body * 3]),
            SourceClause(heading="Section 1.2 Services", paragraphs=[body]),
            SourceClause(heading="Article 2 Payment", paragraphs=["Section 2.1 Invoices. " + body * 2]),
            SourceClause(heading="Article 3 Term", paragraphs=[body]),
        ],
    )


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture(scope="session")
def zh_pdf(pdf_dir: Path) -> Path:
    path = pdf_dir / "zh.pdf"
    render_pdf(zh_source(), path)
    return path


@pytest.fixture(scope="session")
def en_pdf(pdf_dir: Path) -> Path:
    path = pdf_dir / "en.pdf"
    render_pdf(en_source(), path)
    return path
