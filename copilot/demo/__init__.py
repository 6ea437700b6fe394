"""`copilot demo load`: a deterministic zh-CN demo organisation, generated in code.

The foundation step builds the organisation, customers (with planted duplicates of the seeds'
kinds), contacts, leads, opportunities and activities. Domains append steps to `STEPS`
(signals, transcripts, contracts, rules ...); each step is `step(context, state) -> dict`
and reads what earlier steps produced from `state`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow


@dataclass
class DemoState:
    seed: int
    rng: random.Random
    users: dict[str, int] = field(default_factory=dict)  # login -> id
    departments: dict[str, int] = field(default_factory=dict)  # name -> id
    customers: list[int] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what later steps and evals need to know


DemoStep = Callable[[AppContext, DemoState], dict[str, Any]]


def _steps() -> list[tuple[str, DemoStep]]:
    from copilot.demo.core import load_core

    steps: list[tuple[str, DemoStep]] = [("core", load_core)]
    import importlib

    for name, path in EXTRA_STEPS:
        module_path, func_name = path.split(":")
        steps.append((name, getattr(importlib.import_module(module_path), func_name)))
    return steps


# Domains add (name, "module:function") here, in the order they must run.
EXTRA_STEPS: list[tuple[str, str]] = [
    ("assignment", "copilot.assignment.demo:load_assignment"),
    ("stages", "copilot.stages.demo:load_stages"),
    ("signals", "copilot.ingest.demo:load_signals_step"),
    ("handover", "copilot.handover.demo:load_handover_demo"),
    ("voice", "copilot.voice.demo:load_voice_demo"),
    ("contracts", "copilot.contracts.demo:load_contracts"),
    ("health", "copilot.health.demo:load_health"),
]


def load_demo(
    context: AppContext, *, seed: int = 20261124, if_empty: bool = False, progress: Any = None
) -> dict[str, Any]:
    with context.db.read() as session:
        existing = session.scalar(select(func.count()).select_from(CustomerRow)) or 0
    if existing and if_empty:
        return {"loaded": False, "message": f"the store already holds {existing} customers; demo not loaded"}
    if existing:
        from copilot.errors import Conflict

        raise Conflict(
            f"the store already holds {existing} customers; load the demo into an empty data dir",
            code="not_empty",
        )
    state = DemoState(seed=seed, rng=random.Random(seed))
    report: dict[str, Any] = {"loaded": True, "seed": seed, "steps": {}}
    for name, step in _steps():
        report["steps"][name] = step(context, state)
    counts = report["steps"]["core"]
    report["message"] = (
        f"demo loaded: {counts['users']} users in {counts['departments']} departments, {counts['customers']} customers "
        f"({counts['planted_duplicates']} planted duplicates), {counts['leads']} leads, {counts['opportunities']} opportunities, "
        f"{counts['activities']} activities"
    )
    return report
