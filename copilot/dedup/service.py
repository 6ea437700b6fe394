"""Dedup services the API, CLI, eval and worker call: scan the store or a file, and the check
every writer passes through at creation (registered as a before-create hook)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from copilot import auth
from copilot.dedup import store
from copilot.dedup.creation import CreationCheck
from copilot.dedup.rules import Rules, default_rules, load_rules_file
from copilot.dedup.scan import ScanResult, scan_file, scan_records
from copilot.models import ContactIn, CustomerIn
from copilot.records.service import CreateOptions


def scan_store(
    session: Session,
    caller: auth.Caller,
    entity: str = "customers",
    *,
    rules: Rules | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Scan the live records the caller may see; the report of `copilot dedup scan` and POST /dedup/scan."""
    store.table_for(entity)
    result = scan_records(store.iter_records(session, caller, entity), rules or default_rules(entity))
    return result.report(_describer(session, entity, result), limit=limit)


def scan_store_result(
    session: Session, caller: auth.Caller, entity: str, rules: Rules | None = None
) -> ScanResult:
    return scan_records(store.iter_records(session, caller, entity), rules or default_rules(entity))


def _describer(session: Session, entity: str, result: ScanResult) -> Any:
    def describe(indices: list[int]) -> dict[int, dict[str, Any]]:
        ids = [result.prepared.ids[i] for i in indices]
        rows = store.describe(session, entity, ids)
        return {i: rows.get(result.prepared.ids[i], {"id": result.prepared.ids[i]}) for i in indices}

    return describe


def scan_path(
    path: Path, rules_path: Path | None, entity: str = "customers", *, limit: int | None = None
) -> dict[str, Any]:
    """Standalone scan of a CSV/JSONL file with a rules file (default: the entity's bundled rules)."""
    rules = load_rules_file(rules_path) if rules_path else default_rules(entity)
    result, describe = scan_file(path, rules)
    report = result.report(describe, limit=limit)
    report["input"] = str(path)
    return report


# --- the creation check (copilot.dedup.creation) -------------------------------------------------


def check_new(
    session: Session, entity: str, data: CustomerIn | ContactIn, options: CreateOptions
) -> dict[str, Any] | None:
    """The creation check for one new record (the API's case): a batch of one."""
    return CreationCheck(session, entity, [data])(data, options)


def customer_check(session: Session, caller: auth.Caller, items: Sequence[BaseModel]) -> CreationCheck:
    return CreationCheck(session, "customers", items)


def contact_check(session: Session, caller: auth.Caller, items: Sequence[BaseModel]) -> CreationCheck:
    return CreationCheck(session, "contacts", items)


def register(context: Any) -> None:
    """Attach the creation checks to every writer (API, import, demo, worker) via records."""
    from copilot.records.service import register_before_create

    register_before_create("customer", customer_check)
    register_before_create("contact", contact_check)
