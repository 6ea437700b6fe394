"""`copilot ingest` and `copilot search` as a script sees them, including the busy-index case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from copilot.bootstrap import build_context
from copilot.config import Settings

COPILOT = [sys.executable, "-c", "from copilot.cli import main; main()"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    env.pop("COPILOT_DATABASE_URL", None)
    return subprocess.run([*COPILOT, *args], capture_output=True, text=True, env=env, timeout=600)


def test_ingest_then_search_json_and_busy_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    feed = tmp_path / "in"
    feed.mkdir()
    (feed / "a.jsonl").write_text(
        json.dumps(
            {"id": "n1", "type": "news", "title": "焊装车间节拍瓶颈", "text": "某车企焊装车间节拍瓶颈。"},
            ensure_ascii=False,
        )
        + "\n{broken\n",
        encoding="utf-8",
    )
    (feed / "empty.jsonl").write_text("")
    ingested = run(data, "ingest", "signals", str(feed), "--json")
    assert ingested.returncode == 0, ingested.stderr
    body = json.loads(ingested.stdout)
    assert (body["new"], body["files"]) == (1, 2)
    assert {r["where"].rsplit("/", 1)[-1] for r in body["rejected"]} == {"a.jsonl:2", "empty.jsonl"}

    found = run(data, "search", "焊装 节拍", "--json")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert "某车企" in results[0]["quote"] and results[0]["source"] == "news"

    owner = build_context(Settings(data_dir=data))  # a running `copilot serve` owns the index
    from retrieval.index import close_store, get_store

    get_store(owner)
    try:
        busy = run(data, "search", "焊装", "--json")
        assert busy.returncode == 6 and "Traceback" not in busy.stderr
        assert "copilot serve" in busy.stderr and "GET /search" in busy.stderr
        deferred = run(data, "ingest", "signals", str(feed / "a.jsonl"), "--json")
        assert deferred.returncode == 0 and json.loads(deferred.stdout)["index_deferred"] in (False, True)
    finally:
        close_store(owner)
        owner.db.dispose()
    missing = run(data, "ingest", "transcripts", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
