"""Shared fixtures: a temp data dir, a database (SQLite, and PostgreSQL when it answers),
the application context, an API client, a small organisation with keys, and the demo dataset.

PostgreSQL tests get a database of their own (created and dropped here), so parallel runs on
one server never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from copilot.bootstrap import AppContext, build_context
from copilot.config import Settings

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at 127.0.0.1:5432 does not answer ({exc.__class__.__name__}: {exc})"


_PG_PROBLEM = _postgres_problem()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    import psycopg

    name = f"copilot_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_settings(request: pytest.FixtureRequest, data_dir: Path) -> Settings:
    """Settings for SQLite and for PostgreSQL: tests using this run on both."""
    if request.param == "sqlite":
        return Settings(data_dir=data_dir)
    return Settings(data_dir=data_dir, database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    ctx = build_context(settings)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def any_context(any_settings: Settings) -> Iterator[AppContext]:
    ctx = build_context(any_settings)
    yield ctx
    ctx.db.dispose()


@dataclass
class Org:
    """A small organisation: login -> API key, and login -> user id."""

    keys: dict[str, str]
    ids: dict[str, int]

    def headers(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[login]}"}


def make_org(ctx: AppContext) -> Org:
    from copilot import org

    people = [
        ("admin", "admin", None),
        ("east.manager", "manager", "华东事业部"),
        ("east.rep", "rep", "华东事业部"),
        ("east.rep2", "rep", "华东事业部"),
        ("na.rep", "rep", "北美事业部"),
        ("sea.rep", "rep", "东南亚事业部"),
        ("legal", "legal", None),
    ]
    keys: dict[str, str] = {}
    ids: dict[str, int] = {}
    with ctx.db.transaction() as session:
        for login, role, dept in people:
            created = org.add_user(session, login=login, role=role, department=dept)
            keys[login] = created.api_key
            ids[login] = created.user.id
    return Org(keys=keys, ids=ids)


@pytest.fixture
def small_org(context: AppContext) -> Org:
    return make_org(context)


@pytest.fixture
def any_org(any_context: AppContext) -> Org:
    return make_org(any_context)


@pytest.fixture
def client(context: AppContext) -> TestClient:
    from copilot.api.app import create_app

    return TestClient(create_app(context))


@pytest.fixture
def any_client(any_context: AppContext) -> TestClient:
    from copilot.api.app import create_app

    return TestClient(create_app(any_context))


@pytest.fixture(scope="session")
def demo_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """The demo dataset loaded once per test session (read-only use, please)."""
    from copilot.demo import load_demo

    ctx = build_context(Settings(data_dir=tmp_path_factory.mktemp("demo") / "data"))
    load_demo(ctx)
    yield ctx
    ctx.db.dispose()


@pytest.fixture(scope="session")
def demo_client(demo_context: AppContext) -> TestClient:
    from copilot.api.app import create_app

    return TestClient(create_app(demo_context))


@pytest.fixture(scope="session")
def demo_keys(demo_context: AppContext) -> dict[str, str]:
    import yaml

    return yaml.safe_load((demo_context.settings.data_dir / "demo-keys.yaml").read_text())


# --- browser tests ---------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def serve_in_thread(ctx: AppContext) -> tuple[str, object]:
    """Serve the app for `ctx` with uvicorn on a free loopback port; returns (base URL, server)."""
    import socket
    import threading
    import time

    import uvicorn

    from copilot.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


@pytest.fixture(scope="session")
def demo_server(demo_context: AppContext) -> Iterator[str]:
    """The demo dataset served on a free port for browser tests; yields the base URL."""
    url, server = serve_in_thread(demo_context)
    yield url
    server.should_exit = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(tab, base_url: str, api_key: str, path: str = "/app") -> None:  # type: ignore[no-untyped-def]
    """Open a page signed in with `api_key` (the key lives in localStorage, as for a person)."""
    tab.goto(base_url + "/app")
    tab.evaluate("key => localStorage.setItem('copilot_api_key', key)", api_key)
    tab.goto(base_url + path)


@pytest.fixture
def fake_openai() -> Iterator[Any]:
    """A local OpenAI-compatible endpoint (loopback) for the LLM paths; tests set its replies."""
    from tests.services.fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()
