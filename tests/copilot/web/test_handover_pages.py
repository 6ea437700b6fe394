"""The relationship map and practice pages in headless Chromium, against a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.copilot.handover.conftest import seed_account

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (make browser-deps)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(context, small_org, tmp_path: Path) -> Iterator[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    import uvicorn

    from copilot.api.app import create_app

    customer_id = seed_account(context, tmp_path)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(context), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", small_org.keys["east.rep"], customer_id
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(live):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, key, _ = live
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.goto(f"{base}/app")
        pg.evaluate("k => localStorage.setItem('copilot_api_key', k)", key)
        yield pg
        browser.close()


def _shot(page, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("COPILOT_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(folder / name), full_page=True)


def test_relationship_map_draws_the_graph_and_lists(page, live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, customer_id = live
    page.goto(f"{base}/app/handover/{customer_id}")
    page.wait_for_selector("#people li.person")
    nodes = page.locator("svg#graph circle.node")
    assert nodes.count() == 4
    sizes = {n.get_attribute("data-name"): float(n.get_attribute("r")) for n in nodes.all()}
    assert sizes["王建国"] > sizes["陈志远"]  # size follows influence
    edges = page.locator("svg#graph line.edge")
    assert (
        edges.count() == 4 and page.locator("line.edge[stroke-dasharray='4 4']").count() == 1
    )  # 孙涛, never met
    assert "备件延迟交货" in page.inner_text("#conflicts")
    assert "48小时" in page.inner_text("#promises") and "kept" in page.inner_text("#promises")
    assert "二期产线节能改造" in page.inner_text("#opportunities")
    _shot(page, tmp_path, "handover_map.png")


def test_practice_chat_then_feedback(page, live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, customer_id = live
    page.goto(f"{base}/app/handover/{customer_id}/practice?scenario=repair_conflict")
    page.wait_for_selector("#chat .bubble.customer")
    assert "备件延迟交货" in page.inner_text("#chat")
    for text in [
        "王总您好,我是接替同事的新负责人。",
        "备件延迟交货是我们的责任,非常抱歉。",
        "备件48小时到货,我12月1日前落实。",
        "您最担心哪些问题?",
        "我们下周三上门,可以吗?",
    ]:
        before = page.locator("#chat .bubble").count()
        page.fill("#turn", text)
        page.click("#send")
        page.wait_for_function(f"document.querySelectorAll('#chat .bubble').length >= {before + 2}")
    page.fill("#turn", "   ")
    page.click("#send")
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert "empty" in page.inner_text("#error")
    page.click("#finish")
    page.wait_for_selector("#feedback:not([hidden])")
    assert "passed" in page.inner_text("#score")
    assert page.locator("#criteria tr").count() >= 5
    assert "turn 2" in page.inner_text("#criteria")
    page.wait_for_function("document.getElementById('progress').textContent.length > 0")
    _shot(page, tmp_path, "handover_practice.png")
