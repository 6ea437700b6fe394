"""The legal page in headless Chromium: rendered pages, flags highlighted on their boxes, one-click actions."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (make browser-deps)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(context, small_org):  # type: ignore[no-untyped-def]
    import uvicorn

    from copilot.api.app import create_app

    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(context), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)


def test_legal_reviews_a_contract_in_the_browser(server: str, client, small_org) -> None:  # type: ignore[no-untyped-def]
    import io

    from playwright.sync_api import sync_playwright

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
        files={"file": ("c.pdf", io.BytesIO(render_pdf(source)), "application/pdf")},
    )
    cid = r.json()["id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server}/app")
        page.evaluate(f"localStorage.setItem('copilot_api_key', '{small_org.keys['legal']}')")
        page.goto(f"{server}/app/contracts")
        page.wait_for_selector("#queue tbody tr")
        assert "设备采购合同" in page.inner_text("#queue") or "c" in page.inner_text("#queue")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "contract-queue.png"), full_page=True)
        page.goto(f"{server}/app/contracts/{cid}")
        page.wait_for_selector(".page img")
        page.wait_for_selector(".hl")
        highlights = page.query_selector_all(".hl")
        assert len(highlights) == 2
        # each highlight sits on the page image where its flag's box is
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
        first = page.query_selector_all(".flag")[0]
        first.query_selector("button.accept").click()
        page.wait_for_selector(".flag.status-accepted")
        second = page.query_selector(".flag.status-open")
        second.query_selector("button.dismiss").click()
        assert page.query_selector(".flag.status-dismissed") is None  # no reason: not dismissed
        second.query_selector("input.reason").fill("框架协议已约定")
        second.query_selector("button.dismiss").click()
        page.wait_for_selector(".flag.status-dismissed")
        assert "negotiating" in page.inner_text("#contract-meta")
        page.screenshot(path=str(SHOTS / "contract-review-decided.png"), full_page=True)
        browser.close()
