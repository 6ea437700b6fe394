"""Health scan: every record compared through the blocking keys, pairs clustered, the duplicate
rate computed, and a report whose every cluster shows its members, pair scores, field diffs
and reasons. Works on the store (customers, contacts) and on a CSV/JSONL file."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.dedup.cluster import Cluster, build_clusters
from copilot.dedup.engine import PairResult, Prepared, scored_pairs
from copilot.dedup.rules import Rules
from copilot.errors import InvalidInput

Describe = Callable[[list[int]], dict[int, dict[str, Any]]]


@dataclass
class ScanResult:
    rules: Rules
    prepared: Prepared
    clusters: list[Cluster]

    @property
    def total(self) -> int:
        return len(self.prepared)

    @property
    def duplicate_records(self) -> int:
        """Records that are redundant copies: every cluster member beyond the first."""
        return sum(len(c.members) - 1 for c in self.clusters)

    @property
    def duplicate_rate(self) -> float:
        return self.duplicate_records / self.total if self.total else 0.0

    def report(self, describe: Describe, *, limit: int | None = None) -> dict[str, Any]:
        """The JSON shape of `copilot dedup scan --json` and `POST /dedup/scan`."""
        clusters = self.clusters if limit is None else self.clusters[:limit]
        wanted = sorted({m for c in clusters for m in c.members})
        described = describe(wanted) if wanted else {}
        thresholds = self.rules.thresholds
        return {
            "rules": self.rules.cite,
            "records": self.total,
            "duplicate_records": self.duplicate_records,
            "duplicate_rate": round(self.duplicate_rate, 6),
            "thresholds": thresholds.model_dump(),
            "cluster_count": len(self.clusters),
            "clusters": [
                {
                    "score": round(c.score, 4),
                    "auto_merge": c.score >= thresholds.auto_merge,
                    "members": [described.get(m, {"id": self.prepared.ids[m]}) for m in c.members],
                    "pairs": [self._pair(p) for p in c.pairs],
                    "refused_links": [self._pair(p) for p in c.guarded],
                }
                for c in clusters
            ],
        }

    def _pair(self, pair: PairResult) -> dict[str, Any]:
        return {
            "left": self.prepared.ids[pair.left],
            "right": self.prepared.ids[pair.right],
            "score": round(pair.score, 4),
            "decided_by": pair.decided_by,
            "reason": pair.reason(),
            "fields": [f.as_dict() for f in pair.fields],
        }

    def id_clusters(self) -> list[list[Any]]:
        return [[self.prepared.ids[m] for m in c.members] for c in self.clusters]


def scan_records(records: Iterable[Mapping[str, Any]], rules: Rules, *, progress: Any = None) -> ScanResult:
    """Scan records (any iterable of mappings; only normalised columns are kept)."""
    prepared = Prepared(rules)
    for record in records:
        prepared.add(record)
        if progress is not None and len(prepared) % 10000 == 0:
            progress(len(prepared))
    pairs = scored_pairs(prepared)
    return ScanResult(rules=rules, prepared=prepared, clusters=build_clusters(prepared, pairs))


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records of a CSV (header line, UTF-8 with or without BOM) or JSONL file."""
    if not path.exists():
        raise InvalidInput(f"input file {path} does not exist", details={"field": "input"})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [dict(row) for row in reader]
    elif suffix in (".jsonl", ".ndjson"):
        rows = []
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(
                        f"{path}:{line_no} is not valid JSON: {exc.msg}",
                        details={"field": "input", "line": line_no},
                    ) from exc
                if not isinstance(item, dict):
                    raise InvalidInput(
                        f"{path}:{line_no} is not a JSON object", details={"field": "input", "line": line_no}
                    )
                rows.append(item)
    else:
        raise InvalidInput(
            f"input file must be .csv or .jsonl, got {path.name}",
            details={"field": "input", "value": str(path)},
        )
    for index, row in enumerate(rows):
        row.setdefault("_line", index + 2 if suffix == ".csv" else index + 1)
    return rows


def scan_file(path: Path, rules: Rules) -> tuple[ScanResult, Describe]:
    """Standalone mode: a file and a rules file, no store touched (clean an export before import)."""
    rows = read_records(path)
    missing = [f for f in rules.fields if rows and all(f not in r for r in rows[:50])]
    if rows and len(missing) == len(rules.fields):
        raise InvalidInput(
            f"none of the rules' fields ({', '.join(rules.fields)}) is a column of {path.name}",
            details={"field": "rules", "columns": sorted(rows[0])},
        )
    if rows and not any(rules.id_field in r for r in rows[:1]):
        for row in rows:
            row[rules.id_field] = row["_line"]
    result = scan_records(rows, rules)

    def describe(indices: list[int]) -> dict[int, dict[str, Any]]:
        return {i: {k: v for k, v in rows[i].items()} for i in indices}

    return result, describe
