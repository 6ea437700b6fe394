"""Dedup services the API, CLI, eval and worker call: scan the store or a file, and the check
every writer passes through at creation (registered as a before-create hook)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.db.schema import ContactRow, CustomerRow
from copilot.dedup import store
from copilot.dedup.engine import Prepared, compare
from copilot.dedup.rules import Rules, default_rules, load_rules_file
from copilot.dedup.scan import ScanResult, scan_file, scan_records
from copilot.errors import Conflict, InvalidInput
from copilot.models import ContactIn, CustomerIn
from copilot.records.service import CreateOptions

CANDIDATE_LIMIT = 50  # rows a creation check compares at most, per blocking query


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


# --- the creation check ------------------------------------------------------------------------


def _candidates(session: Session, entity: str, data: Any, key: dict[str, str]) -> list[dict[str, Any]]:
    """Live records worth comparing with a new one, through indexed columns only (p95 ≤ 20 ms at 100k)."""
    row_cls, columns, _ = store.table_for(entity)
    conditions: list[Any] = []
    if entity == "customers":
        if data.uscc:
            conditions.append(CustomerRow.uscc == data.uscc)
        if key["name"]:
            conditions.append(CustomerRow.name_key == key["name"])
            prefix = key["name"][:2]
            # the name_key index answers a range: records whose core starts the same way
            conditions.append(
                and_(CustomerRow.name_key >= prefix, CustomerRow.name_key < prefix + "\U0010ffff")
            )
        if key["phone"]:
            conditions.append(CustomerRow.phone_key == key["phone"])
    else:
        if data.customer_id is not None:
            conditions.append(ContactRow.customer_id == data.customer_id)
        if data.wechat:
            conditions.append(ContactRow.wechat == data.wechat)
        if data.email:
            conditions.append(ContactRow.email == data.email)
    found: dict[int, dict[str, Any]] = {}
    selected = [getattr(row_cls, c) for c in columns] + [row_cls.merged_into_id]
    for condition in conditions:
        # merged rows are skipped here, not in SQL: with `merged_into_id IS NULL` in the query SQLite
        # walks that (nearly all-NULL) index instead of the selective key index
        stmt = select(*selected).where(condition).limit(CANDIDATE_LIMIT)
        for values in session.execute(stmt):
            if values[-1] is None:
                found[values[0]] = dict(zip(columns, values[:-1], strict=True))
    return list(found.values())


def check_new(
    session: Session, entity: str, data: CustomerIn | ContactIn, options: CreateOptions
) -> dict[str, Any] | None:
    """Refuse a creation that duplicates a live record; the note to audit when forced.

    A strong-key match (same valid uscc; same mobile or WeChat within one customer) is a 409
    `duplicate_customer` / `duplicate_contact` naming the existing record, whatever `force` says.
    Weak matches at or above the suspected threshold are a 409 `possible_duplicate` with each
    candidate's score and field-by-field diff, unless the writer forces it with a reason.
    """
    rules = default_rules(entity)
    row_cls, columns, _ = store.table_for(entity)
    record = {c: getattr(data, c, None) for c in columns if c != "id"}
    record["id"] = None
    prepared = Prepared(rules)
    prepared.add(record)
    key = {"name": prepared.column("name")[0], "phone": prepared.column("phone")[0]}
    for row in _candidates(session, entity, data, key):
        prepared.add(row)
    strong_code = "duplicate_customer" if entity == "customers" else "duplicate_contact"
    suspects = []
    for index in range(1, len(prepared)):
        pair = compare(prepared, 0, index)
        if pair.decided_by.startswith("strong_key:"):
            existing = store.describe(session, entity, [prepared.ids[index]])[prepared.ids[index]]
            name = entity.rstrip("s")
            raise Conflict(
                f"{name} {existing.get('name')!r} (id {existing['id']}) already has this "
                f"{pair.decided_by.split(':', 1)[1]}; update or merge it instead of creating a second record",
                code=strong_code,
                details={"existing": existing, "matched_on": pair.decided_by, "rules": rules.cite},
            )
        if pair.is_match and pair.score >= rules.thresholds.suspected:
            suspects.append((pair, prepared.ids[index]))
    if not suspects:
        return None
    suspects.sort(key=lambda s: -s[0].score)
    described = store.describe(session, entity, [i for _, i in suspects])
    candidates = [
        {
            "record": described.get(record_id, {"id": record_id}),
            "score": round(pair.score, 4),
            "reason": pair.reason(),
            "fields": [f.as_dict() for f in pair.fields],
        }
        for pair, record_id in suspects
    ]
    if options.force:
        if not (options.reason or "").strip():
            raise InvalidInput(
                "force=true needs a reason (it is kept in the audit log)", details={"field": "reason"}
            )
        return {"forced_despite_duplicates": candidates, "reason": options.reason, "rules": rules.cite}
    raise Conflict(
        f"{len(candidates)} existing record(s) look like the same {entity.rstrip('s')} "
        f"(best score {candidates[0]['score']:.2f}); merge, or create with force=true and a reason",
        code="possible_duplicate",
        details={"candidates": candidates, "threshold": rules.thresholds.suspected, "rules": rules.cite},
    )


def check_customer(
    session: Session, caller: auth.Caller, data: Any, options: CreateOptions
) -> dict[str, Any] | None:
    return check_new(session, "customers", data, options)


def check_contact(
    session: Session, caller: auth.Caller, data: Any, options: CreateOptions
) -> dict[str, Any] | None:
    return check_new(session, "contacts", data, options)


def register(context: Any) -> None:
    """Attach the creation checks to every writer (API, import, demo, worker) via records."""
    from copilot.records.service import register_before_create

    register_before_create("customer", check_customer)
    register_before_create("contact", check_contact)
