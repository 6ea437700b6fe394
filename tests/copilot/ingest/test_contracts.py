"""Contract PDFs (built with reportlab here) into clauses with page and bbox; bad files rejected."""

from __future__ import annotations

from copilot.bootstrap import AppContext
from copilot.contracts.documents import ContractSource, SourceClause, render_pdf, render_scanned_pdf
from copilot.db.schema import CustomerRow
from copilot.ingest.contracts import ingest_contract_files
from retrieval.search import search

SOURCE = ContractSource(
    title="设备采购合同",
    preamble=["甲方：华东汽车集团有限公司", "乙方：智造科技有限公司"],
    clauses=[
        SourceClause(heading="第一条 合同标的", paragraphs=["乙方向甲方提供焊装线视觉检测系统一套。"]),
        SourceClause(heading="第二条 付款方式", paragraphs=["甲方在验收合格后120天内支付全部货款。"]),
        SourceClause(
            heading="第三条 违约责任", paragraphs=["任何一方违约，应向对方支付合同总额百分之二十的违约金。"]
        ),
    ],
)


def test_contract_clauses_are_indexed_with_page_and_bbox(context: AppContext) -> None:
    with context.db.transaction() as session:
        customer = CustomerRow(name="华东汽车集团有限公司", name_key="华东汽车")
        session.add(customer)
        session.flush()
        customer_id = customer.id
    pdf = render_pdf(SOURCE)
    report = ingest_contract_files(
        context,
        [
            ("buy.pdf", pdf),
            ("fake.pdf", b"this is a text file, not a PDF"),
            ("zero.pdf", b""),
            ("locked.pdf", render_pdf(SOURCE, password="s3cret")),
            ("scan.pdf", render_scanned_pdf(pdf)),
        ],
    )
    assert (report.new, report.linked) == (1, 1)
    reasons = {r.where: r.reason for r in report.rejected}
    assert set(reasons) == {"fake.pdf", "zero.pdf", "locked.pdf", "scan.pdf"}
    assert "empty" in reasons["zero.pdf"] and "scanned" in reasons["scan.pdf"]
    hit = search(context, "付款 120天", kinds=["contract"])[0]
    assert hit.customer_id == customer_id and hit.file == "buy.pdf"
    assert hit.page == 1 and hit.bbox and len(hit.bbox) == 4
    assert hit.label and "第二条" in hit.label
    assert hit.evidence().kind == "clause" and hit.evidence().page == 1
    assert ingest_contract_files(context, [("buy.pdf", pdf)]).unchanged == 1
