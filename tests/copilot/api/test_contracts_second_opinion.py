"""The LLM second opinion over HTTP (COPILOT_LLM=openai against the loopback fake endpoint):
legal sees the model's flags marked as the model's and can work them like any flag; a failing
endpoint still gives an upload with the playbook's review and says why the opinion is missing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.bootstrap import AppContext, build_context
from copilot.config import Settings
from copilot.contracts.documents import ContractSource, SourceClause, render_pdf
from tests.conftest import Org, make_org
from tests.services.fake_openai import FakeOpenAI, evidence_blocks

IP = "本项目产生的全部知识产权归甲方所有，但乙方原有知识产权仍归乙方。"
SOURCE = ContractSource(
    title="软件开发合同",
    preamble=["甲方：华东精密制造有限公司", "乙方：上海智联工业软件有限公司"],
    clauses=[
        SourceClause(heading="第一条 知识产权", paragraphs=[IP]),
        SourceClause(
            heading="第二条 争议解决", paragraphs=["争议提交上海仲裁委员会仲裁，适用中华人民共和国法律。"]
        ),
    ],
)


@pytest.fixture
def llm_context(data_dir: Path, fake_openai: FakeOpenAI) -> Iterator[AppContext]:
    ctx = build_context(
        Settings(
            data_dir=data_dir,
            llm="openai",
            llm_timeout_seconds=1.0,
            llm_max_retries=0,
            **{"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "test-key"},
        )
    )
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def org(llm_context: AppContext) -> Org:
    return make_org(llm_context)


@pytest.fixture
def api(llm_context: AppContext) -> TestClient:
    from copilot.api.app import create_app

    return TestClient(create_app(llm_context))


def _upload(api: TestClient, org: Org) -> int:
    r = api.post(
        "/contracts",
        headers=org.headers("legal"),
        files={"file": ("dev.pdf", io.BytesIO(render_pdf(SOURCE)), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_the_models_flag_is_marked_and_worked_like_any_flag(
    api: TestClient, org: Org, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = lambda prompt: {
        "opinions": [
            {
                "clause": next(i for i, body in evidence_blocks(prompt).items() if "知识产权" in body),
                "category": "ip_ownership_unclear",
                "severity": "medium",
                "quote": "本项目产生的全部知识产权归甲方所有",
                "explanation": "原有知识产权的范围没有列明，交付物中的通用组件可能被视为项目成果。",
            }
        ]
    }
    cid = _upload(api, org)
    view = api.get(f"/contracts/{cid}/review", headers=org.headers("legal")).json()
    second = view["second_opinion"]
    assert second["status"] == "done" and second["model"] == "gpt-4o-mini"
    assert [k["category"] for k in second["kept"]] == ["ip_ownership_unclear"]
    llm_flags = [f for f in view["flags"] if f["source"] == "llm"]
    assert len(llm_flags) == 1 and llm_flags[0]["quote"] == "本项目产生的全部知识产权归甲方所有"
    r = api.post(
        f"/contracts/{cid}/flags/{llm_flags[0]['id']}/dismiss",
        headers=org.headers("legal"),
        json={"reason": "原有知识产权清单见附件三"},
    )
    assert r.status_code == 200, r.text


def test_a_rate_limited_endpoint_still_gives_the_playbook_review(
    api: TestClient, org: Org, fake_openai: FakeOpenAI
) -> None:
    fake_openai.mode = "429"
    fake_openai.failures_before_success = -1
    cid = _upload(api, org)
    view = api.get(f"/contracts/{cid}/review", headers=org.headers("legal")).json()
    assert view["status"] == "in_review" and view["missing"]
    assert all(f["source"] != "llm" for f in view["flags"])
    second = view["second_opinion"]
    assert second["status"] == "failed" and "RateLimitError" in second["reason"]
