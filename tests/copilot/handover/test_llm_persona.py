"""Practice with COPILOT_LLM=openai over HTTP, against the loopback fake endpoint: each turn says
who worded the persona's reply and why the model's wording was not used; the score is the same
whoever words the replies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.clock import pinned
from copilot.config import Settings
from tests.copilot.handover.test_api import GOOD
from tests.services.fake_openai import FakeOpenAI


@pytest.fixture
def settings(data_dir: Path, fake_openai: FakeOpenAI) -> Settings:
    """The shared `context`, `client` and `seeded` fixtures, with the LLM switched on."""
    return Settings(
        data_dir=data_dir,
        llm="openai",
        llm_timeout_seconds=1.0,
        llm_max_retries=0,
        **{"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "test-key"},
    )


def _practise(client: TestClient, headers: dict[str, str], customer: int) -> tuple[list[dict], dict]:
    r = client.post(f"/handover/{customer}/sessions", json={"scenario": "introduce"}, headers=headers)
    assert r.status_code == 201, r.text
    session = r.json()
    replies = [session["turns"][0]]
    for text in GOOD:
        t = client.post(f"/sessions/{session['id']}/turns", json={"text": text}, headers=headers)
        assert t.status_code == 200, t.text
        replies.append(t.json()["reply"])
    with pinned(datetime(2026, 11, 24, tzinfo=UTC)):
        done = client.post(f"/sessions/{session['id']}/finish", headers=headers).json()
    return replies, done


def test_the_score_is_the_same_whoever_words_the_replies(
    client: TestClient, small_org, seeded: int, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.rep")
    fake_openai.reply = lambda prompt: {"text": "嗯，你接着说。", "evidence_ids": []}
    worded, with_llm = _practise(client, h, seeded)
    assert {r["generated_by"] for r in worded} == {"llm"}
    assert all(r["text"] == "嗯，你接着说。" and r["fallback_reason"] is None for r in worded)
    fake_openai.reply = None
    fake_openai.mode = "429"
    fake_openai.failures_before_success = -1
    offline, without = _practise(client, h, seeded)
    assert {r["generated_by"] for r in offline} == {"offline"}
    assert all("RateLimitError" in r["fallback_reason"] for r in offline)
    # the engine tracked the same concerns, and the rubric gave the same grades
    assert [r["addressed"] for r in worded] == [r["addressed"] for r in offline]
    assert with_llm["score"] == without["score"] and with_llm["passed"] == without["passed"] is True
    assert [(c["criterion"], c["grade"]) for c in with_llm["result"]["criteria"]] == [
        (c["criterion"], c["grade"]) for c in without["result"]["criteria"]
    ]


def test_an_invented_history_is_replaced_and_the_turn_says_why(
    client: TestClient, small_org, seeded: int, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.rep")
    fake_openai.reply = lambda prompt: {
        "text": "上次你们答应免费派人驻场三个月，结果一直没来。",
        "evidence_ids": [],
    }
    s = client.post(f"/handover/{seeded}/sessions", json={"scenario": "repair_conflict"}, headers=h).json()
    reply = client.post(f"/sessions/{s['id']}/turns", json={"text": GOOD[0]}, headers=h).json()["reply"]
    assert reply["generated_by"] == "offline"
    assert reply["fallback_reason"] == "rejected: claims history without citing the handover package"
    assert reply["text"] and "驻场" not in reply["text"]
    stored = client.get(f"/sessions/{s['id']}", headers=h).json()["turns"]
    assert stored[-1]["fallback_reason"] == reply["fallback_reason"]
    assert stored[0]["generated_by"] == "offline" and "驻场" not in stored[0]["text"]
