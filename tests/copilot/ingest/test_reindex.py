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
