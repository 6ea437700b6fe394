"""A long scan is kept and queued for OCR; the worker reviews it later. Nothing is lost or crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from copilot.auth import system_caller
from copilot.bootstrap import build_context
from copilot.config import Settings
from copilot.contracts.documents import (
    ContractSource,
    SourceClause,
    render_pdf,
    render_scanned_pdf,
    wqy_font_path,
)
from copilot.db.schema import ContractRow, JobRow
from services import contract_queue


@pytest.mark.slow
@pytest.mark.skipif(wqy_font_path() is None, reason="needs fonts-wqy-microhei for rendered CJK glyphs")
def test_long_scan_is_kept_and_reviewed_by_the_worker(data_dir) -> None:  # type: ignore[no-untyped-def]
    from copilot.worker import run_once

    ctx = build_context(Settings(data_dir=data_dir))
    try:
        scan = render_scanned_pdf(
            render_pdf(
                ContractSource(
                    title="质保协议",
                    clauses=[SourceClause(heading="第一条 质量保证", paragraphs=["设备质保期为五年。"])],
                )
            ),
            dpi=120,
        )
        with ctx.db.transaction() as session:
            view = contract_queue.submit_contract(
                session, ctx.settings, system_caller(), scan, "scan.pdf", ocr_inline_max_pages=0
            )
        assert view["status"] == "uploaded" and view["review_status"] == "queued_for_ocr"
        assert "OCR runs in the background" in view["message"]
        with ctx.db.read() as session:
            assert (
                session.scalars(select(JobRow).where(JobRow.kind == "contract_review")).one().status
                == "queued"
            )
            path = session.get(ContractRow, view["id"]).file_path
        assert path and Path(path).read_bytes() == scan  # the accepted upload is kept
        assert run_once(ctx) >= 1  # other areas' periodic jobs may run too
        with ctx.db.read() as session:
            assert (
                session.scalars(select(JobRow).where(JobRow.kind == "contract_review")).one().status == "done"
            )
        with ctx.db.transaction() as session:
            done = contract_queue.contract_view(session, system_caller(), view["id"])
        assert done["status"] == "in_review" and done["notice"] == "OCR, positions approximate"
        assert [f["category"] for f in done["flags"]] == ["warranty_excessive"]
    finally:
        ctx.db.dispose()


def test_a_reviewed_upload_becomes_searchable_once_the_worker_has_run(data_dir) -> None:  # type: ignore[no-untyped-def]
    """Uploading queues the contract's clauses for the index; after the worker, search cites the clause."""
    from copilot.worker import run_once
    from retrieval.index import close_store
    from retrieval.search import search

    ctx = build_context(Settings(data_dir=data_dir))
    try:
        source = ContractSource(
            title="设备采购合同",
            clauses=[
                SourceClause(
                    heading="第一条 付款", paragraphs=["买方应在验收合格后一百二十日内支付全部货款。"]
                ),
                SourceClause(heading="第二条 质量保证", paragraphs=["设备质保期为十二个月。"]),
            ],
        )
        with ctx.db.transaction() as session:
            view = contract_queue.submit_contract(
                session, ctx.settings, system_caller(), render_pdf(source), "purchase.pdf"
            )
        assert search(ctx, "付款期限", kinds=["contract"]) == []  # not indexed until the worker runs
        while run_once(ctx):
            pass
        hits = search(ctx, "付款期限", kinds=["contract"])
        assert hits and hits[0].doc_key == f"contract:{view['id']}"
        assert "一百二十日" in hits[0].quote and hits[0].page == 1
    finally:
        close_store(ctx)
        ctx.db.dispose()
