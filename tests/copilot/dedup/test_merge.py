"""Merge moves every related row and unmerge restores them exactly; overlapping concurrent merges
cannot lose or double-move a row (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from copilot import clock
from copilot.auth import Caller, system_caller
from copilot.db.schema import (
    ActivityRow,
    Base,
    ContactRow,
    ContractRow,
    CustomerRow,
    LeadRow,
    OpportunityRow,
    SignalRow,
    TodoRow,
)
from copilot.dedup.merge import merge, referencing_columns, unmerge
from copilot.errors import Conflict, Forbidden
from copilot.models import CustomerIn, Role
from copilot.records.service import CreateOptions, insert_many
from copilot.records.specs import CUSTOMERS

BOOKKEEPING = {"audit_log", "todos", "dedup_merges", "jobs"}


def _state(session: Any) -> dict[str, list[tuple]]:
    """Every row of every domain table, as sorted tuples: what 'restored exactly' compares."""
    out = {}
    for table in Base.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        out[table.name] = sorted(tuple(str(v) for v in row) for row in session.execute(select(table)).all())
    return out


def _customers(context: Any, owners: list[int | None], n: int, tag: str) -> list[int]:
    items = [
        CustomerIn(
            name=f"{tag}瑞金医院" if i % 2 == 0 else f"上海{tag}瑞金医院有限公司",
            city="上海市",
            phone="021-64370045",
            email="info@rjh.com.cn" if i == n - 1 else None,
            industry="医疗" if i == 0 else None,
            owner_id=owners[i % len(owners)],
            tags=[f"t{i}"],
        )
        for i in range(n)
    ]
    with context.db.transaction() as session:
        rows = insert_many(
            session, system_caller(), CUSTOMERS, items, options=CreateOptions(skip_checks="test fixture")
        )
        return [r.id for r in rows]


def _related(context: Any, customer_ids: list[int]) -> None:
    with context.db.transaction() as session:
        for cid in customer_ids:
            contacts = [
                ContactRow(customer_id=cid, name=f"联系人{cid}-{k}", phone=f"1380000{cid:02d}{k:02d}")
                for k in range(2)
            ]
            session.add_all(contacts)
            session.flush()
            opp = OpportunityRow(customer_id=cid, name=f"商机{cid}", stage="qualify", amount=1000)
            session.add(opp)
            session.flush()
            session.add_all(
                [
                    LeadRow(source="web", company=f"公司{cid}", customer_id=cid),
                    ActivityRow(customer_id=cid, contact_id=contacts[0].id, kind="call", text="电话"),
                    SignalRow(customer_id=cid, source="news", type="news", title=f"新闻{cid}"),
                    ContractRow(customer_id=cid, opportunity_id=opp.id, title=f"合同{cid}"),
                ]
            )


def test_every_customer_reference_is_found_in_the_schema() -> None:
    found = {(t.name, c) for t, c in referencing_columns("customers")}
    assert {
        ("contacts", "customer_id"),
        ("leads", "customer_id"),
        ("opportunities", "customer_id"),
        ("contracts", "customer_id"),
        ("activities", "customer_id"),
        ("signals", "customer_id"),
    } <= found
    assert ("activities", "contact_id") in {(t.name, c) for t, c in referencing_columns("contacts")}


def test_merge_moves_everything_and_unmerge_restores_exactly(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    owners = [any_org.ids["east.rep"], any_org.ids["east.rep2"]]
    with clock.pinned(clock.now() - timedelta(days=3)):
        ids = _customers(any_context, owners, 3, "甲")
        _related(any_context, ids)
    with any_context.db.read() as session:
        before = _state(session)
    manager = Caller(
        id=any_org.ids["east.manager"], login="east.manager", name="m", role=Role.manager, department_id=None
    )
    with any_context.db.read() as session:
        manager = Caller(
            **{**manager.__dict__, "department_id": session.get(CustomerRow, ids[0]).department_id}
        )
    with any_context.db.transaction() as session:
        result = merge(session, manager, "customers", ids, master_id=ids[0], reason="same hospital")
    assert result["moved"] == {
        "contacts": 4,
        "leads": 2,
        "opportunities": 2,
        "contracts": 2,
        "activities": 2,
        "signals": 2,
    }
    with any_context.db.read() as session:
        for model in (ContactRow, LeadRow, OpportunityRow, ContractRow, ActivityRow, SignalRow):
            assert set(session.scalars(select(model.customer_id))) == {ids[0]}, model.__tablename__
        master = session.get(CustomerRow, ids[0])
        assert master.email == "info@rjh.com.cn"  # filled from a duplicate
        assert master.tags == ["t0", "t2", "t1"] or set(master.tags) == {"t0", "t1", "t2"}
        assert [session.get(CustomerRow, i).merged_into_id for i in ids[1:]] == [ids[0], ids[0]]
        todos = session.scalars(select(TodoRow).where(TodoRow.kind == "dedup.merged")).all()
        assert {t.user_id for t in todos} == set(owners)
    with any_context.db.transaction() as session:
        undone = unmerge(session, manager, result["merge_id"])
    assert undone["restored_rows"] == 14 and undone["left_as_is"] == []
    with any_context.db.read() as session:
        assert _state(session) == before
    with any_context.db.transaction() as session, pytest.raises(Conflict, match="already undone"):
        unmerge(session, manager, result["merge_id"])


def test_only_managers_and_admins_merge(context, small_org) -> None:  # type: ignore[no-untyped-def]
    ids = _customers(context, [small_org.ids["east.rep"]], 2, "乙")
    rep = Caller(id=small_org.ids["east.rep"], login="east.rep", name="r", role=Role.rep, department_id=None)
    with context.db.transaction() as session, pytest.raises(Forbidden):
        merge(session, rep, "customers", ids)


def test_a_failure_midway_leaves_nothing_half_merged(context, small_org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ids = _customers(context, [small_org.ids["east.rep"]], 2, "丙")
    _related(context, ids)
    with context.db.read() as session:
        before = _state(session)
    import copilot.dedup.merge as merge_module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("notification service down")

    monkeypatch.setattr(merge_module, "_notify", broken)
    with pytest.raises(RuntimeError), context.db.transaction() as session:
        merge(session, system_caller(), "customers", ids)
    with context.db.read() as session:
        assert _state(session) == before


def test_unmerge_under_a_later_merge_is_refused(context, small_org) -> None:  # type: ignore[no-untyped-def]
    ids = _customers(context, [small_org.ids["east.rep"]], 3, "丁")
    with context.db.transaction() as session:
        first = merge(session, system_caller(), "customers", ids[:2], master_id=ids[0])
    with context.db.transaction() as session:
        merge(session, system_caller(), "customers", [ids[0], ids[2]], master_id=ids[2])
    with context.db.transaction() as session, pytest.raises(Conflict, match="undo it first"):
        unmerge(session, system_caller(), first["merge_id"])


def test_overlapping_concurrent_merges_lose_and_double_move_nothing(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    ids = _customers(any_context, [any_org.ids["east.rep"]], 6, "戊")
    _related(any_context, ids)
    with any_context.db.read() as session:
        related_before = {
            model.__tablename__: sorted(session.scalars(select(model.id)))
            for model in (ContactRow, LeadRow, OpportunityRow, ContractRow, ActivityRow, SignalRow)
        }
    # every merge shares a record with another one
    plans = [[ids[0], ids[1]], [ids[2], ids[1]], [ids[1], ids[3]], [ids[3], ids[4], ids[5]], [ids[5], ids[0]]]
    barrier = threading.Barrier(len(plans))
    outcomes: list[Any] = [None] * len(plans)

    def run(k: int) -> None:
        barrier.wait()
        try:
            with any_context.db.transaction() as session:
                outcomes[k] = merge(session, system_caller(), "customers", plans[k], master_id=plans[k][0])
        except (Conflict, OperationalError) as exc:  # a loser: refused, or SQLite's lock timeout
            outcomes[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [o for o in outcomes if isinstance(o, dict)]
    assert won, outcomes
    with any_context.db.read() as session:
        live = set(session.scalars(select(CustomerRow.id).where(CustomerRow.merged_into_id.is_(None))))
        for model in (ContactRow, LeadRow, OpportunityRow, ContractRow, ActivityRow, SignalRow):
            rows = session.execute(select(model.id, model.customer_id)).all()
            assert sorted(r[0] for r in rows) == related_before[model.__tablename__]  # nothing lost
            assert all(r[1] in live for r in rows), model.__tablename__  # nothing left on a merged record
        merged = {
            r.id: r.merged_into_id
            for r in session.scalars(select(CustomerRow).where(CustomerRow.id.in_(ids)))
        }
    history: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
    for w in sorted(won, key=lambda w: w["merge_id"]):
        for m in _moved(any_context, w["merge_id"]):
            history.setdefault((m["table"], m["id"]), []).append((w["merge_id"], m["from"], w["master_id"]))
    for moves in history.values():  # a row moves twice only along a chain: from where the last merge put it
        for (_, _, first_master), (_, second_from, _) in zip(moves, moves[1:], strict=False):
            assert second_from == first_master
    for w in won:
        for dup in w["duplicate_ids"]:
            assert merged[dup] == w["master_id"]  # each duplicate merged exactly once, by its winner


def _moved(context: Any, merge_id: int) -> list[dict[str, Any]]:
    from copilot.db.schema import MergeRow

    with context.db.read() as session:
        return list(session.get(MergeRow, merge_id).moved)
