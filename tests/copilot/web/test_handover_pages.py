"""The relationship map and practice pages in headless Chromium, against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import serve_in_thread, sign_in
from tests.copilot.handover.conftest import seed_account

pytestmark = pytest.mark.browser


@pytest.fixture
def live(context, small_org, tmp_path: Path) -> Iterator[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    """A seeded account served on a free port; yields (base URL, east.rep's key, customer id)."""
    customer_id = seed_account(context, tmp_path)
    url, server = serve_in_thread(context)
    yield url, small_org.keys["east.rep"], customer_id
    server.should_exit = True  # type: ignore[attr-defined]


def _shot(page, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("COPILOT_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(folder / name), full_page=True)


def test_relationship_map_draws_the_graph_and_lists(page, live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, key, customer_id = live
    sign_in(page, base, key, f"/app/handover/{customer_id}")
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
    base, key, customer_id = live
    sign_in(page, base, key, f"/app/handover/{customer_id}/practice?scenario=repair_conflict")
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
