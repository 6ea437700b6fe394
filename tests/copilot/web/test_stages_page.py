"""The stage health page in a real browser, on the demo data: heat map drawn, stuck list filled."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is not installed")
def test_stage_health_page_draws_the_heat_map(demo_context, demo_keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import uvicorn
    from playwright.sync_api import sync_playwright

    from copilot.api.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(demo_context), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/app/stages")
            page.fill("#api-key", demo_keys["wang.min"])
            page.click("#signin-form button")
            page.wait_for_selector("#heatmap tbody td.heat")
            page.wait_for_selector("#stuck tbody tr td")
            rows = page.locator("#heatmap tbody tr").count()
            assert rows >= 5  # 王敏's reps
            assert page.locator("#heatmap thead th").nth(1).inner_text().startswith("初步接触")
            assert page.locator("#stuck tbody tr").count() > 5
            assert "冻结" in page.locator("#stuck").inner_text()
            page.select_option("#dimension", "product")
            page.click("#controls button")
            page.wait_for_function("document.querySelector('#heatmap thead th').textContent === 'product'")
            page.screenshot(path=str(tmp_path / "stages.png"), full_page=False)
            shot = Path("/tmp/issue7-stages.png")
            page.select_option("#dimension", "rep")
            page.click("#controls button")
            page.wait_for_function("document.querySelector('#heatmap thead th').textContent === 'rep'")
            page.screenshot(path=str(shot), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
