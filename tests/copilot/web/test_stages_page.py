"""The stage health page in a real browser, on the demo data: heat map drawn, stuck list filled."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"


def test_stage_health_page_draws_the_heat_map(page, demo_server: str, demo_keys: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{demo_server}/app/stages")
    page.fill("#api-key", demo_keys["wang.min"])
    page.click("#signin-form button")
    page.wait_for_selector("#heatmap tbody td.heat")
    page.wait_for_selector("#stuck tbody tr td")
    assert page.locator("#heatmap tbody tr").count() >= 5  # 王敏's reps
    assert page.locator("#heatmap thead th").nth(1).inner_text().startswith("初步接触")
    assert page.locator("#stuck tbody tr").count() > 5
    assert "冻结" in page.locator("#stuck").inner_text()
    page.select_option("#dimension", "product")
    page.click("#controls button")
    page.wait_for_function("document.querySelector('#heatmap thead th').textContent === 'product'")
    page.select_option("#dimension", "rep")
    page.click("#controls button")
    page.wait_for_function("document.querySelector('#heatmap thead th').textContent === 'rep'")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "stages.png"), full_page=True)
