"""Bulk merge: every cluster at or above the auto-merge threshold, previewed first, each cluster in
its own transaction (one failing cluster, e.g. merged meanwhile, leaves the others done)."""

from __future__ import annotations

from typing import Any

from copilot import auth
from copilot.dedup import service
from copilot.dedup.merge import merge
from copilot.dedup.rules import default_rules
from copilot.errors import CopilotError
from copilot.models import Role


def merge_clusters(
    context: Any, caller: auth.Caller, entity: str, *, min_score: float | None, apply: bool, reason: str
) -> dict[str, Any]:
    caller.require(Role.manager)
    rules = default_rules(entity)
    threshold = rules.thresholds.auto_merge if min_score is None else min_score
    with context.db.read() as session:
        report = service.scan_store(session, caller, entity, rules=rules)
    chosen = [c for c in report["clusters"] if c["score"] >= threshold]
    merged: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    if apply:
        for cluster in chosen:
            ids = [m["id"] for m in cluster["members"]]
            try:
                with context.db.transaction() as session:
                    merged.append(merge(session, caller, entity, ids, reason=reason, score=cluster["score"]))
            except CopilotError as exc:
                failed.append({"ids": ids, "error": exc.to_dict()["error"]})
    return {
        "applied": apply,
        "min_score": threshold,
        "clusters": [
            {
                "score": c["score"],
                "ids": [m["id"] for m in c["members"]],
                "names": [m.get("name") for m in c["members"]],
            }
            for c in chosen
        ],
        "merged": merged,
        "failed": failed,
    }
