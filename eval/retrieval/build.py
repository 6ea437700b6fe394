"""Build `queries.jsonl`, the labelled query set, from the demo corpus generator.

`python -m eval.retrieval.build` loads the demo's core step into a throwaway SQLite store (no
model, no index), regenerates the demo's public signals with the demo seed and writes one query
per sampled (customer, topic) group: its phrasing comes from the topic's `queries` in
copilot/ingest/defaults/demo.yaml, in the document's language or (cross-language) the other one.
Relevant items are the group's signal external ids; the runner resolves them to chunk ids.
A fifth group, `zh_para` (paraphrases.yaml), asks about Chinese documents in colloquial words.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from copilot.bootstrap import build_context
from copilot.config import Settings
from copilot.demo import DemoState
from copilot.demo.core import load_core
from copilot.ingest.demo import build_corpus, demo_customers, demo_spec

SEED = 20261124
QUERIES = Path(__file__).with_name("queries.jsonl")
TARGET = {"zh": 90, "en": 60, "cross": 60}
PARAPHRASES = Path(__file__).with_name("paraphrases.yaml")
PARAPHRASE_TARGET = 40  # group `zh_para`: Chinese documents asked about in other words


def build(path: Path = QUERIES) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        context = build_context(Settings(data_dir=Path(tmp)))
        state = DemoState(seed=SEED, rng=random.Random(SEED))
        load_core(context, state)
        with context.db.read() as session:
            customers = demo_customers(session)
        context.db.dispose()
    corpus = build_corpus(customers, SEED)
    topics = {t["id"]: t for t in demo_spec()["topics"]}
    rng = random.Random(SEED + 1)
    groups = sorted(corpus.groups.items())
    rng.shuffle(groups)
    counts = dict.fromkeys(TARGET, 0)
    rows = []
    for (customer_id, topic_id), external_ids in groups:
        customer = corpus.customers[customer_id]
        doc_lang = customer.lang
        bucket = "cross" if counts["cross"] < TARGET["cross"] and rng.random() < 0.3 else doc_lang
        if counts[bucket] >= TARGET[bucket]:
            continue
        query_lang = ("en" if doc_lang == "zh" else "zh") if bucket == "cross" else doc_lang
        template = rng.choice(topics[topic_id]["queries"][query_lang])
        query = template.format(
            brand=customer.brand, product=corpus.values[(customer_id, topic_id)]["product"]
        )
        rows.append(
            {
                "id": f"q{len(rows) + 1:03d}",
                "group": bucket,
                "query_lang": query_lang,
                "doc_lang": doc_lang,
                "topic": topic_id,
                "query": query,
                "relevant": external_ids,
            }
        )
        counts[bucket] += 1
        if counts == TARGET:
            break
    rows += _paraphrase_rows(corpus, groups, {(r["relevant"][0]) for r in rows}, start=len(rows))
    counts["zh_para"] = len(rows) - sum(TARGET.values())
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return counts


def _paraphrase_rows(corpus: Any, groups: list, used: set[str], *, start: int) -> list[dict]:
    """The `zh_para` group, drawn after the original groups with its own random stream (so the
    original 210 queries stay exactly as they were) from Chinese documents not labelled yet."""
    templates = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["zh"]
    rng = random.Random(SEED + 2)
    candidates = [
        (key, ids)
        for key, ids in groups
        if corpus.customers[key[0]].lang == "zh" and key[1] in templates and ids[0] not in used
    ]
    rng.shuffle(candidates)
    rows = []
    for (customer_id, topic_id), external_ids in candidates[:PARAPHRASE_TARGET]:
        template = rng.choice(templates[topic_id])
        query = template.format(
            brand=corpus.customers[customer_id].brand,
            product=corpus.values[(customer_id, topic_id)]["product"],
        )
        rows.append(
            {
                "id": f"q{start + len(rows) + 1:03d}",
                "group": "zh_para",
                "query_lang": "zh",
                "doc_lang": "zh",
                "topic": topic_id,
                "query": query,
                "relevant": external_ids,
            }
        )
    return rows


if __name__ == "__main__":
    print(build(), file=sys.stderr)
