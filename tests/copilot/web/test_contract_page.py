"""The legal page in headless Chromium: rendered pages, flags highlighted on their boxes, one-click actions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from tests.conftest import serve_in_thread, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def server(context):  # type: ignore[no-untyped-def]
    url, srv = serve_in_thread(context)
    yield url
    srv.should_exit = True  # type: ignore[attr-defined]


def test_legal_reviews_a_contract_in_the_browser(page, server: str, client, small_org) -> None:  # type: ignore[no-untyped-def]
    source = ContractSource(
        title="设备采购合同",
        preamble=["甲方（买方）：华东精密制造有限公司", "乙方（卖方）：上海智联工业软件有限公司"],
        clauses=[
            SourceClause(
                heading="第一条 付款方式",
                paragraphs=["货款结算方式为月结90天+票到60天，乙方开具税率为13%的增值税专用发票。"],
            ),
            SourceClause(
                heading="第二条 违约责任",
                paragraphs=["乙方逾期交货的，每逾期一日，应按合同总价的千分之五向甲方支付违约金。"],
            ),
            SourceClause(heading="第三条 保密", paragraphs=["双方均应对对方的商业秘密承担保密义务。"]),
        ],
    )
    r = client.post(
        "/contracts",
        headers=small_org.headers("legal"),
        files={"file": ("设备采购合同.pdf", io.BytesIO(render_pdf(source)), "application/pdf")},
    )
    cid = r.json()["id"]
    sign_in(page, server, small_org.keys["legal"], "/app/contracts")
    page.wait_for_selector("#queue tbody tr")
    assert "设备采购合同" in page.inner_text("#queue")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "contract-queue.png"), full_page=True)

    page.goto(f"{server}/app/contracts/{cid}")
    page.wait_for_selector(".page img")
    page.wait_for_selector(".hl")
    highlights = page.query_selector_all(".hl")
    assert len(highlights) == 2
    # each highlight sits on the page image, inside it
    box = highlights[0].bounding_box()
    img = page.query_selector(".page img").bounding_box()
    assert (
        box
        and img
        and img["x"] < box["x"] < img["x"] + img["width"]
        and img["y"] < box["y"] < img["y"] + img["height"]
    )
    assert "付款周期150天" in page.inner_text("#flags")
    page.screenshot(path=str(SHOTS / "contract-review.png"), full_page=True)

    # accept in one click; dismiss needs the reason typed beside it
    page.query_selector_all(".flag")[0].query_selector("button.accept").click()
    page.wait_for_selector(".flag.status-accepted")
    second = page.query_selector(".flag.status-open")
    second.query_selector("button.dismiss").click()
    assert page.query_selector(".flag.status-dismissed") is None  # no reason: not dismissed
    second.query_selector("input.reason").fill("框架协议已约定")
    second.query_selector("button.dismiss").click()
    page.wait_for_selector(".flag.status-dismissed")
    assert "negotiating" in page.inner_text("#contract-meta")
    page.screenshot(path=str(SHOTS / "contract-review-decided.png"), full_page=True)
