"""`python -m eval retrieval [--data-dir DIR] [--limit N]`: recall@5, recall@10 and MRR of
dense-only, sparse-only and hybrid search on the labelled queries (queries.jsonl), per group
(zh, en, cross-language, all = those three; zh_para = Chinese documents asked about in
colloquial words, a separate group added later).

Without --data-dir the demo (with its signals and transcripts, indexed) is loaded into a
temporary data dir first (a few minutes: ~5,000 chunks are embedded). Relevant signal external
ids are resolved to the chunk ids the index holds for them. Exit status 1 when hybrid recall@10
is below 0.9 on zh or en, or hybrid does not beat both single modes on zh.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from copilot.bootstrap import AppContext, build_context
from copilot.config import Settings
from copilot.db.schema import IndexDocumentRow, SignalRow

QUERIES = Path(__file__).with_name("queries.jsonl")
MODES = ("dense", "sparse", "hybrid")
GROUPS = ("zh", "en", "cross", "all", "zh_para")
ORIGINAL = ("zh", "en", "cross")  # "all" sums these (the first 210 queries), so it stays comparable


def load_queries(path: Path = QUERIES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def relevant_chunks(context: AppContext, queries: list[dict]) -> dict[str, set[str]]:
    """external id -> the chunk ids the index holds for that signal."""
    wanted = {e for q in queries for e in q["relevant"]}
    with context.db.read() as session:
        ids = dict(
            session.execute(
                select(SignalRow.external_id, SignalRow.id).where(SignalRow.external_id.in_(wanted))
            ).all()
        )
        keys = {f"signal:{v}": k for k, v in ids.items()}
        rows = session.execute(
            select(IndexDocumentRow.doc_key, IndexDocumentRow.chunk_ids).where(
                IndexDocumentRow.doc_key.in_(list(keys))
            )
        ).all()
    found = {keys[doc_key]: set(chunk_ids) for doc_key, chunk_ids in rows}
    missing = wanted - set(found)
    if missing:
        raise SystemExit(
            f"{len(missing)} labelled signals are not in the index (e.g. {sorted(missing)[:3]}); load the demo first"
        )
    return found


def evaluate(
    context: AppContext, queries: list[dict], limit: int = 10
) -> dict[str, dict[str, dict[str, float]]]:
    from retrieval.search import search

    chunks = relevant_chunks(context, queries)
    sums: dict[str, dict[str, dict[str, float]]] = {m: defaultdict(lambda: defaultdict(float)) for m in MODES}
    for q in queries:
        relevant = set().union(*(chunks[e] for e in q["relevant"]))
        for mode in MODES:
            ranked = [h.id for h in search(context, q["query"], limit=limit, mode=mode)]
            first = next((i for i, cid in enumerate(ranked, 1) if cid in relevant), None)
            scores = {
                "recall@5": len(relevant & set(ranked[:5])) / len(relevant),
                "recall@10": len(relevant & set(ranked[:10])) / len(relevant),
                "mrr": 1 / first if first else 0.0,
                "n": 1,
            }
            for group in (q["group"], "all") if q["group"] in ORIGINAL else (q["group"],):
                for name, value in scores.items():
                    sums[mode][group][name] += value
    result: dict[str, dict[str, dict[str, float]]] = {}
    for mode in MODES:
        result[mode] = {}
        for group, values in sums[mode].items():
            n = values["n"]
            result[mode][group] = {k: round(v / n, 3) for k, v in values.items() if k != "n"} | {"n": int(n)}
    return result


def print_table(result: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"{'group':<7}{'n':>5}  {'mode':<8}{'recall@5':>10}{'recall@10':>11}{'MRR':>8}")
    for group in GROUPS:
        for mode in MODES:
            row = result[mode].get(group)
            if row:
                print(
                    f"{group:<7}{row['n']:>5}  {mode:<8}{row['recall@5']:>10.3f}{row['recall@10']:>11.3f}{row['mrr']:>8.3f}"
                )


def verdict(result: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    problems = []
    for group in ("zh", "en"):
        value = result["hybrid"][group]["recall@10"]
        if value < 0.9:
            problems.append(f"hybrid recall@10 on {group} is {value:.3f} < 0.9")
    zh = {m: result[m]["zh"] for m in MODES}
    for mode in ("dense", "sparse"):
        if (zh["hybrid"]["recall@10"], zh["hybrid"]["mrr"]) <= (zh[mode]["recall@10"], zh[mode]["mrr"]):
            problems.append(f"hybrid does not beat {mode} on zh (recall@10, MRR)")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval retrieval")
    parser.add_argument("--data-dir", type=Path, help="a data dir that already holds the indexed demo")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    queries = load_queries()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        context = build_context(Settings(data_dir=data_dir))
        if args.data_dir is None:
            from copilot.demo import load_demo

            print("loading the demo (embeds ~5,000 chunks) ...", file=sys.stderr, flush=True)
            load_demo(context)
        result = evaluate(context, queries)
        from retrieval.index import close_store

        close_store(context)
        context.db.dispose()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{len(queries)} labelled queries ({QUERIES.name})")
        print_table(result)
    problems = verdict(result)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0
