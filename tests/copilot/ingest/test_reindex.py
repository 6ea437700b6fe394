"""`copilot ingest reindex`: an index built by another embedder is refused, then rebuilt from the rows."""

from __future__ import annotations

import json

import pytest

from copilot.bootstrap import AppContext
from copilot.errors import Unavailable
from copilot.ingest.reindex import reindex
from copilot.ingest.service import ingest_signal_files
from retrieval.index import close_store, get_store
from retrieval.search import search
from retrieval.store import MARKER

SIGNALS = "\n".join(
    json.dumps(item, ensure_ascii=False)
    for item in [
        {
            "id": "r1",
            "type": "news",
            "title": "焊装车间节拍瓶颈",
            "text": "某汽车集团焊装车间节拍瓶颈严重，计划引入机器人。",
            "occurred_at": "2026-03-01",
        },
        {
            "id": "r2",
            "type": "news",
            "title": "Predictive maintenance pilot",
            "text": "A plant started a predictive maintenance pilot on its presses.",
            "occurred_at": "2026-03-02",
        },
    ]
).encode()


def test_an_index_from_another_embedder_is_refused_then_rebuilt(context: AppContext) -> None:
    report = ingest_signal_files(context, [("s.jsonl", SIGNALS)])
    assert report.new == 2 and not report.rejected
    close_store(context)
    marker = context.settings.resolved_qdrant_path / MARKER
    built = json.loads(marker.read_text())
    marker.write_text(json.dumps({"embedder": "some-older-model", "dimension": built["dimension"]}))

    with pytest.raises(Unavailable) as info:
        search(context, "焊装车间")
    assert info.value.code == "index_model_mismatch"
    assert "copilot ingest reindex" in info.value.message

    summary = reindex(context)
    assert (summary["signals"], summary["chunks"]) == (2, 2)
    assert json.loads(marker.read_text())["embedder"] == context.settings.embed_model
    assert search(context, "焊装车间")[0].title == "焊装车间节拍瓶颈"
    assert get_store(context).count() == 2


def test_init_rebuilds_an_index_left_by_another_embedder(context: AppContext, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An upgrade that changes the default embedder: `copilot init` (run by `make run`) notices
    from the shard's marker and rebuilds the index, so search works again without a manual step."""
    import sys

    from typer.testing import CliRunner

    from copilot.cli import app as cli
    from copilot.ingest.reindex import built_by_another_embedder

    ingest_signal_files(context, [("s.jsonl", SIGNALS)])
    close_store(context)
    assert built_by_another_embedder(context) is None
    marker = context.settings.resolved_qdrant_path / MARKER
    built = json.loads(marker.read_text())
    marker.write_text(json.dumps({"embedder": "some-older-model", "dimension": built["dimension"]}))
    assert "some-older-model" in (built_by_another_embedder(context) or "")

    monkeypatch.setattr(sys.modules["copilot.cli.app"], "context", lambda: context)
    result = CliRunner().invoke(cli, ["init", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["search_index"].startswith("rebuilt: 2 chunks")
    assert built_by_another_embedder(context) is None
    assert search(context, "焊装车间")[0].title == "焊装车间节拍瓶颈"
