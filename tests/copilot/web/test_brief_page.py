"""The brief on the customer page, in headless Chromium: sections render, citations jump to their
evidence, and with an LLM the offline brief shows first and the LLM sections stream in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot import clock
from copilot.bootstrap import AppContext, build_context
from copilot.config import Settings
from eval.brief.scenarios import load_scenarios, seed_scenario
from retrieval.index import close_store
from tests.conftest import make_org, serve_in_thread, sign_in
from tests.services.fake_openai import FakeOpenAI
from tests.services.test_brief_index import CALL, index_call_and_contract

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def _serve(ctx: AppContext) -> Iterator[str]:
    url, server = serve_in_thread(ctx)
    yield url
    server.should_exit = True  # type: ignore[attr-defined]


def _seed(ctx: AppContext) -> tuple[str, int]:
    org = make_org(ctx)
    scenario = dict(next(s for s in load_scenarios() if s["id"] == "s01"))
    scenario["now"] = clock.now().isoformat()
    return org.keys["east.rep"], seed_scenario(ctx, scenario, owner_id=org.ids["east.rep"])


def _open(browser, base: str, key: str, cid: int, shot: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, key, f"/app/customers/{cid}")
    page.wait_for_selector("#brief[aria-busy='false']", timeout=60_000)
    result = {
        "triggers": page.locator("#brief-triggers li.trigger").all_inner_texts(),
        "questions": page.locator("#brief-questions li").all_inner_texts(),
        "tracks": page.locator("#brief-tracks li").count(),
        "signals": page.locator("#brief-signals li").count(),
        "badges": page.locator("#brief-questions .gen").all_inner_texts(),
        "material": page.locator("#brief-material li.finding").all_inner_texts(),
        "related": page.locator("#brief-triggers .related .cite").count(),
        "evidence": page.locator("#brief-evidence li").all_inner_texts(),
    }
    if result["material"]:
        cite = page.locator("#brief-material li.finding .cite").first
        cite.click()
        result["material_target"] = page.locator(cite.get_attribute("href")).inner_text()
    first_cite = page.locator("#brief-questions .cite").first
    target = first_cite.get_attribute("href")
    first_cite.click()
    result["target_text"] = page.locator(target).inner_text()
    result["hash"] = page.evaluate("location.hash")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    context.close()
    return result


def test_brief_on_the_customer_page(browser, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = build_context(Settings(data_dir=data_dir))
    key, cid = _seed(ctx)
    index_call_and_contract(ctx, cid, key=101)
    _upload_contract(ctx, cid)
    for base in _serve(ctx):
        seen = _open(browser, base, key, cid, "brief-offline.png")
    close_store(ctx)
    ctx.db.dispose()
    assert any("产线停机风险预警" in t for t in seen["triggers"])
    assert len(seen["questions"]) == 3 and seen["tracks"] == 3 and seen["signals"] >= 5
    assert seen["badges"] == ["offline"] * 3
    assert seen["hash"].startswith("#ev-")
    assert "·" in seen["target_text"]  # kind:id · source · dates — quote
    # the contract's flagged clause comes first, then the call and the clause from the index,
    # each quoted and linked to its evidence (page or time span)
    assert "付款周期" in seen["material"][0] and "150" in seen["material"][0]
    assert seen["material_target"].startswith("clause:HT-PAGE-001.pdf#") and "p. 1" in seen["material_target"]
    assert any(CALL[:12] in m for m in seen["material"]) and seen["related"] >= 1
    assert any("0:30–0:41" in e for e in seen["evidence"]) and any("p. 3" in e for e in seen["evidence"])


def _upload_contract(ctx: AppContext, customer_id: int) -> None:
    """A contract whose payment term the review flags (150 days against the 90-day limit)."""
    from copilot.auth import system_caller
    from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
    from services import contract_queue

    source = ContractSource(
        title="设备采购合同",
        clauses=[SourceClause(heading="第一条 付款", paragraphs=["买方应在验收合格后150日内支付全部货款。"])],
    )
    with ctx.db.transaction() as session:
        contract_queue.submit_contract(
            session,
            ctx.settings,
            system_caller(),
            render_pdf(source),
            "HT-PAGE-001.pdf",
            customer_id=customer_id,
        )


def test_llm_sections_stream_in(browser, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    fake = FakeOpenAI().start()
    try:
        settings = Settings(
            data_dir=data_dir,
            llm="openai",
            llm_timeout_seconds=5,
            llm_max_retries=0,
            **{"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "k"},
        )
        ctx = build_context(settings)
        key, cid = _seed(ctx)
        for base in _serve(ctx):
            seen = _open(browser, base, key, cid, "brief-llm.png")
        ctx.db.dispose()
    finally:
        fake.stop()
    assert seen["badges"] == ["LLM"] * 3
    assert all("LLM wrote this" in q for q in seen["questions"])
