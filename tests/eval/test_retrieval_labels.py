"""The retrieval eval's labels match the demo they are evaluated on.

Why: the labels are signal external ids generated with the demo seed. When another area's demo
step changes what the generator draws, the same ids point at other signals and every figure
silently drops to ~0 (this happened once: `queries.jsonl` went stale after merges).
"""

from pathlib import Path

from eval.retrieval.build import QUERIES, build


def test_committed_labels_are_what_the_demo_generator_builds_today(tmp_path: Path) -> None:
    rebuilt = tmp_path / "queries.jsonl"
    build(rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == QUERIES.read_text(encoding="utf-8"), (
        "eval/retrieval/queries.jsonl is stale: run `python -m eval.retrieval.build` and re-run the eval"
    )
