"""Fixtures for the brief's services: scenario-seeded stores and the fake chat endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def matcher():  # type: ignore[no-untyped-def]
    """The topic matcher with the bundled embedder, loaded once per session."""
    from retrieval.embedder import get_embedder
    from services.topics import TopicMatcher

    return TopicMatcher(embedder=get_embedder())
