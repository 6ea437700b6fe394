"""Every kind and every look-alike of the clause library, reviewed from real PDFs (CJK font)."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from copilot.contracts.samples import library
from extractors.pdf import read_pdf
from services.contract_playbook import KIND_IDS, default_playbook
from services.contract_review import review_document


def _variants(lang: str) -> list[tuple[str, dict]]:
    out = []
    for topic in library(lang)["topics"]:
        for v in topic["variants"]:
            out.append((topic["title"], v))
    return out


def _library_pdf(lang: str, path: Path) -> Path:
    """One contract holding every clause variant of the library, each as its own article."""
    clauses = []
    for n, (title, v) in enumerate(_variants(lang), start=1):
        heading = f"第{n}条 {title}" if lang == "zh" else f"Article {n} {title}"
        clauses.append(
            SourceClause(heading=heading, paragraphs=[p.replace("{amount}", "1,200,000") for p in v["text"]])
        )
    party = (
        ["甲方（买方）：华东精密制造有限公司", "乙方（卖方）：上海智联工业软件有限公司"]
        if lang == "zh"
        else [
            'This Agreement is made between Northwind Manufacturing Ltd (the "Customer") and Shanghai Zhilian Co., Ltd. (the "Supplier").'
        ]
    )
    render_pdf(
        ContractSource(
            title="测试合同" if lang == "zh" else "TEST AGREEMENT", lang=lang, preamble=party, clauses=clauses
        ),
        path,
    )
    return path


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("library")
    return {lang: review_document(read_pdf(_library_pdf(lang, d / f"{lang}.pdf"))) for lang in ("zh", "en")}


CASES = [
    (lang, n, title, v) for lang in ("zh", "en") for n, (title, v) in enumerate(_variants(lang), start=1)
]


@pytest.mark.parametrize(
    ("lang", "number", "title", "variant"), CASES, ids=[f"{c[0]}-{c[3]['id']}" for c in CASES]
)
def test_each_clause_raises_exactly_its_kinds(
    reviews, lang: str, number: int, title: str, variant: dict
) -> None:
    review = reviews[lang]
    got = sorted({f.category for f in review.flags if f.clause == str(number)})
    assert got == sorted(variant["kinds"]), (
        f"{variant['id']}: {[f.explanation for f in review.flags if f.clause == str(number)]}"
    )


def test_library_covers_every_clause_kind_and_the_issues_lookalikes() -> None:
    kinds = {k for lang in ("zh", "en") for _, v in _variants(lang) for k in v["kinds"]}
    clause_kinds = set(KIND_IDS) - {
        "late_payment_remedy_missing",
        "data_protection_missing",
        "force_majeure_missing",
    }
    assert clause_kinds <= kinds
    texts = " ".join(p for _, v in _variants("zh") if v.get("lookalike") for p in v["text"])
    for lookalike in (
        "验收合格后30日内付款",
        "违约金按日万分之五计算，且累计不超过合同总额5%",
        "双方均应对",
        "质保期为12个月",
        "上海国际仲裁中心",
        "中华人民共和国法律",
    ):
        assert lookalike in texts


def test_flags_carry_position_quote_explanation_and_redline(reviews) -> None:
    review = reviews["zh"]
    flag = next(
        f for f in review.flags if f.category == "payment_term_over_90_days" and "一百二十日" in f.quote
    )
    assert flag.explanation.startswith("付款周期120天，超过90天上限")
    assert flag.page is not None and flag.bbox is not None
    x0, top, x1, bottom = flag.bbox
    assert 0 < x0 < x1 and 0 < top < bottom
    assert flag.suggestion == default_playbook().kind("payment_term_over_90_days").fallback.zh
    assert flag.playbook_version == 1 and flag.severity == "high"
    assert flag.evidence[0].quote == flag.quote
    composite = next(f for f in review.flags if "月结90天+票到60天" in f.quote)
    assert "150天" in composite.explanation and "月结90天+票到60天" in composite.explanation
    penalty = next(f for f in review.flags if f.category == "penalty_excessive" and "千分之五" in f.quote)
    assert "未约定累计上限" in penalty.explanation


def test_quote_is_exact_text_of_the_clause(reviews, tmp_path: Path) -> None:
    from extractors.clauses import segment_clauses

    doc = read_pdf(_library_pdf("zh", tmp_path / "zh.pdf"))
    texts = {c.number: c.text for c in segment_clauses(doc)}
    for f in reviews["zh"].flags:
        assert texts[f.clause][f.start : f.start + len(f.quote)] == f.quote


def test_english_explanations_name_the_figure(reviews) -> None:
    review = reviews["en"]
    pay = next(f for f in review.flags if f.category == "payment_term_over_90_days" and "120" in f.quote)
    assert pay.explanation == "payment term of 120 days exceeds the 90-day limit"
    net = next(f for f in review.flags if "net 150" in f.quote)
    assert "150 days" in net.explanation


def test_missing_clauses_over_the_whole_contract(tmp_path: Path) -> None:
    src = ContractSource(
        title="技术服务合同",
        preamble=["甲方：青岛海湾化工有限公司", "乙方：上海智联工业软件有限公司"],
        clauses=[
            SourceClause(
                heading="第一条 服务内容",
                paragraphs=["乙方为甲方部署设备监控系统，系统将采集甲方的生产数据。"],
            ),
            SourceClause(
                heading="第二条 付款",
                paragraphs=["甲方于验收合格后30日内付款，乙方开具税率为6%的增值税专用发票。"],
            ),
        ],
    )
    review = review_document(read_pdf(render_pdf(src), name="m.pdf"))
    missing = {m.category for m in review.missing}
    assert missing == {
        "late_payment_remedy_missing",
        "data_protection_missing",
        "force_majeure_missing",
        "confidentiality_one_sided",
    }
    assert all(m.why and m.suggestion for m in review.missing)
    assert review.flags == []
    assert review.summary.customer == "青岛海湾化工有限公司" and review.summary.payment_terms_days == [30]
    assert review.summary.counts == {"high": 0, "medium": 4, "low": 0}
