"""`python -m eval dedup`: pair precision, recall and F1 of the duplicate scan.

Two datasets: the demo's planted duplicates (customers and contacts, truth read from external
ids: `X~dN` is a copy of `X`, the three DEMO-P-LIZONG-* are one person), and the labelled set
eval/dedup/companies.jsonl (truth in `entity`). Pairs are counted over clusters (a cluster of n
records states n(n-1)/2 pairs), so a wrong transitive link costs what it would cost a user.
Targets: precision ≥ 0.97, recall ≥ 0.9.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PRECISION_TARGET = 0.97
RECALL_TARGET = 0.9


def _pairs(groups: Iterable[Iterable[Any]]) -> set[tuple[Any, Any]]:
    out: set[tuple[Any, Any]] = set()
    for group in groups:
        out.update(tuple(sorted(p)) for p in combinations(sorted(set(group)), 2))
    return out


def score(predicted: set[tuple[Any, Any]], truth: set[tuple[Any, Any]]) -> dict[str, Any]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_predicted": len(predicted),
        "pairs_true": len(truth),
        "true_positives": tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "ok": precision >= PRECISION_TARGET and recall >= RECALL_TARGET,
    }


def labelled(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from copilot.dedup.rules import default_rules
    from copilot.dedup.scan import read_records, scan_records

    rows = read_records(path)
    result = scan_records(rows, default_rules("customers"))
    by_id = {r["id"]: r for r in rows}
    truth_groups: dict[str, list[str]] = {}
    for row in rows:
        truth_groups.setdefault(row["entity"], []).append(row["id"])
    predicted = _pairs(result.id_clusters())
    truth = _pairs(truth_groups.values())
    errors = [
        {"kind": "false positive", "pair": [by_id[a]["name"], by_id[b]["name"]], "ids": [a, b]}
        for a, b in sorted(predicted - truth)
    ] + [
        {"kind": "missed", "pair": [by_id[a]["name"], by_id[b]["name"]], "ids": [a, b]}
        for a, b in sorted(truth - predicted)
    ]
    return {"records": len(rows), **score(predicted, truth)}, errors


def demo() -> dict[str, Any]:
    from copilot.auth import system_caller
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.dedup import service
    from copilot.demo import load_demo

    with tempfile.TemporaryDirectory(prefix="eval-dedup-") as tmp:
        context = build_context(Settings(data_dir=Path(tmp), log_level="WARNING"))
        try:
            load_demo(context)
            out: dict[str, Any] = {}
            with context.db.read() as session:
                for entity in ("customers", "contacts"):
                    result = service.scan_store_result(session, system_caller(), entity)
                    externals = {
                        rid: rec["external_id"]
                        for rid, rec in service.store.describe(session, entity, result.prepared.ids).items()
                    }
                    truth_groups: dict[str, list[int]] = {}
                    for rid, ext in externals.items():
                        if ext is None:  # written by another demo step without a planted twin
                            truth_groups[f"id:{rid}"] = [rid]
                            continue
                        base = ext.split("~")[0] if entity == "customers" else ext
                        if ext.startswith("DEMO-P-LIZONG-"):
                            base = "DEMO-P-LIZONG"
                        truth_groups.setdefault(base, []).append(rid)
                    predicted = _pairs(result.id_clusters())
                    truth = _pairs(truth_groups.values())
                    out[entity] = {
                        "records": result.total,
                        "duplicate_rate": round(result.duplicate_rate, 4),
                        **score(predicted, truth),
                        "false_positives": [
                            [externals[a], externals[b]] for a, b in sorted(predicted - truth)
                        ][:20],
                        "missed": [[externals[a], externals[b]] for a, b in sorted(truth - predicted)][:20],
                    }
            return out
        finally:
            context.db.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval dedup")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--errors", action="store_true", help="list the labelled set's misses and false positives"
    )
    parser.add_argument("--skip-demo", action="store_true", help="only the labelled set (fast)")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    figures["labelled"], errors = labelled(HERE / "companies.jsonl")
    if not args.skip_demo:
        figures.update({f"demo_{k}": v for k, v in demo().items()})
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(
            f"{'dataset':<16}{'records':>8}{'pairs':>7}{'P':>8}{'R':>8}{'F1':>8}  target P≥{PRECISION_TARGET} R≥{RECALL_TARGET}"
        )
        for name, f in figures.items():
            print(
                f"{name:<16}{f['records']:>8}{f['pairs_true']:>7}{f['precision']:>8.3f}{f['recall']:>8.3f}{f['f1']:>8.3f}  "
                + ("ok" if f["ok"] else "MISSED")
            )
    if args.errors:
        for e in errors:
            print(
                f"{e['kind']}: {e['pair'][0]} ~ {e['pair'][1]} ({e['ids'][0]}, {e['ids'][1]})",
                file=sys.stderr,
            )
    return 0 if all(f["ok"] for f in figures.values()) else 1
