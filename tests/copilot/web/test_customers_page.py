"""The first page in a real browser: sign in with a key, search customers, open one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"


def test_sign_in_search_and_open_customer(page, demo_server: str, demo_keys: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page.goto(demo_server + "/app")
    page.fill("#api-key", "sc_not_a_key")
    page.click("#signin-form button")
    page.wait_for_selector("#signin-error:has-text('unknown API key')")

    page.fill("#api-key", demo_keys["admin"])
    page.click("#signin-form button")
    page.wait_for_selector("#customers tbody tr")
    assert "系统管理员" in page.inner_text("#who")

    page.fill("#q", "瑞金")
    page.click("#search-form button")
    page.wait_for_selector("#count:has-text('17 customers')")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "customers.png"), full_page=True)

    page.click("#customers tbody tr:first-child a")
    page.wait_for_selector("#facts dd")
    assert "瑞金" in page.inner_text("#customer-name")
    page.wait_for_selector("#contacts li")
    page.screenshot(path=str(SHOTS / "customer.png"), full_page=True)


def test_rep_sees_only_their_customers(page, demo_server: str, demo_keys: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_server, demo_keys["li.qiang"])
    page.wait_for_selector("#customers tbody tr")
    rep_total = int(page.inner_text("#count").split()[0])
    sign_in(page, demo_server, demo_keys["admin"])
    page.wait_for_selector("#count:has-text('customers')")
    admin_total = int(page.inner_text("#count").split()[0])
    assert 0 < rep_total < admin_total
