"""The inspection and lead-flow pages in headless Chromium: charts drawn, figures drill down."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"


def test_inspection_page_drills_into_rows(page, demo_server: str, demo_keys: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_server, demo_keys["admin"], "/app/inspection")
    page.wait_for_selector("#report table.checks tbody tr")
    assert page.locator("#report svg.funnel").count() == 1
    assert page.locator("#report svg.trend").count() == 2
    assert page.locator("#report svg.heat").count() == 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "inspection.png"), full_page=False)
    page.click("#check-stages td.figure a")
    page.wait_for_selector("#drill-table tbody tr")
    assert "stuck" in page.inner_text("#drill-title") or "Stage" in page.inner_text("#drill-title")
    assert page.locator("#drill-table tbody tr").count() > 100
    page.screenshot(path=str(SHOTS / "inspection_drill.png"), full_page=False)


def test_lead_flow_page_opens_a_drop(page, demo_server: str, demo_keys: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_server, demo_keys["admin"], "/app/leads/flow")
    page.wait_for_selector("#drops tbody tr a.drop")
    page.screenshot(path=str(SHOTS / "lead_flow.png"), full_page=True)
    page.click("#drops tbody tr:first-child a.drop")
    page.wait_for_selector("#drill-table tbody tr")
    assert "leads" in page.inner_text("#drill-title")
