"""Fixtures for the brief's services: scenario-seeded stores and the fake chat endpoint."""

from __future__ import annotations

import pytest

from tests.services.fake_openai import FakeOpenAI


@pytest.fixture
def chat(fake_openai: FakeOpenAI):  # type: ignore[no-untyped-def]
    """The real LLM adapter (LangChain + langchain-openai) pointed at the fake endpoint; a 1 s
    timeout and one retry keep the failure tests short."""
    from copilot.config import Settings
    from services.generation import ChatGenerator

    return ChatGenerator(
        Settings(
            llm="openai",
            llm_model="gpt-4o-mini",
            llm_timeout_seconds=1.0,
            llm_max_retries=1,
            **{"OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "test-key"},
        )
    )


@pytest.fixture(scope="session")
def matcher():  # type: ignore[no-untyped-def]
    """The topic matcher with the bundled embedder, loaded once per session."""
    from retrieval.embedder import get_embedder
    from services.topics import TopicMatcher

    return TopicMatcher(embedder=get_embedder())
