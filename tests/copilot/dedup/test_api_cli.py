"""The dedup API and CLI: scan (store, records, file), merge/unmerge routes, HTML report, silent customers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from copilot import clock
from copilot.auth import system_caller
from copilot.db.schema import ActivityRow, TodoRow
from copilot.dedup.silent import silent_customers
from copilot.errors import InvalidInput
from copilot.models import CustomerIn
from copilot.records.service import CreateOptions, insert_many
from copilot.records.specs import CUSTOMERS

PLANTED = [
    {"name": "上海交通大学医学院附属瑞金医院", "city": "上海市", "phone": "021-64370045", "industry": "医疗"},
    {"name": "瑞金醫院", "city": "上海市", "phone": "+86 21 6437 0045", "industry": "医疗"},
    {"name": "北京协和医院", "city": "北京市", "phone": "010-69156114", "industry": "医疗"},
]


def _plant(context, owner: int) -> list[int]:  # type: ignore[no-untyped-def]
    with context.db.transaction() as session:
        rows = insert_many(
            session,
            system_caller(),
            CUSTOMERS,
            [CustomerIn(**p, owner_id=owner) for p in PLANTED],
            options=CreateOptions(skip_checks="test"),
        )
        return [r.id for r in rows]


def test_scan_merge_unmerge_over_http(client: TestClient, small_org, context) -> None:  # type: ignore[no-untyped-def]
    ids = _plant(context, small_org.ids["east.rep"])
    manager = small_org.headers("east.manager")
    report = client.post("/dedup/scan", headers=manager, json={"entity": "customers"}).json()
    assert report["records"] == 3 and abs(report["duplicate_rate"] - 1 / 3) < 1e-6
    cluster = report["clusters"][0]
    assert {m["id"] for m in cluster["members"]} == set(ids[:2]) and cluster["pairs"][0]["reason"]
    rep = client.post("/dedup/merge", headers=small_org.headers("east.rep"), json={"ids": ids[:2]})
    assert rep.status_code == 403 and rep.json()["error"]["code"] == "forbidden"
    merged = client.post(
        "/dedup/merge", headers=manager, json={"ids": ids[:2], "master_id": ids[0], "reason": "同一医院"}
    )
    assert merged.status_code == 200, merged.text
    merge_id = merged.json()["merge_id"]
    listed = client.get("/customers", headers=manager).json()
    assert ids[1] not in {c["id"] for c in listed["items"]}
    todo = client.get("/me/todo", headers=small_org.headers("east.rep")).json()
    assert any(t["kind"] == "dedup.merged" for t in todo)
    again = client.post("/dedup/merge", headers=manager, json={"ids": ids[:2]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_merged"
    undone = client.post(f"/dedup/unmerge/{merge_id}", headers=manager)
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert ids[1] in {c["id"] for c in client.get("/customers", headers=manager).json()["items"]}
    assert client.post("/dedup/unmerge/99999", headers=manager).status_code == 404


def test_scan_records_with_inline_rules_and_bad_rules(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.rep")
    records = [{"id": i, **p} for i, p in enumerate(PLANTED)]
    report = client.post("/dedup/scan", headers=h, json={"records": records}).json()
    assert report["cluster_count"] == 1
    bad = client.post("/dedup/scan", headers=h, json={"records": records, "rules": {"id": "x", "fields": {}}})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"].startswith("rules")


def test_cli_scans_a_file_with_a_rules_file_and_writes_html(tmp_path: Path) -> None:
    from copilot.cli.app import app

    data = tmp_path / "export.csv"
    data.write_text(
        "客户编号,name,city,phone\nA1,瑞金医院,上海市,021-64370045\nA2,上海瑞金医院有限公司,上海市,02164370045\nA3,华山医院,上海市,021-52889999\n",
        encoding="utf-8",
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "id: export\nid_field: 客户编号\nfields:\n"
        "  name: {normaliser: company_name, comparator: name, weight: 0.6, gate: 0.7}\n"
        "  phone: {normaliser: phone, comparator: exact, weight: 0.3}\n"
        "  city: {normaliser: region, comparator: exact, weight: 0.1}\n"
        "blocking: {exact: [name, phone]}\n",
        encoding="utf-8",
    )
    html = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["dedup", "scan", "--input", str(data), "--rules", str(rules), "--json", "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rules"] == "export@v1"
    assert [m["客户编号"] for m in report["clusters"][0]["members"]] == ["A1", "A2"]
    page = html.read_text(encoding="utf-8")
    assert "上海瑞金医院有限公司" in page and "duplicate rate" in page
    missing = CliRunner().invoke(app, ["dedup", "scan", "--input", str(tmp_path / "nope.csv")])
    assert isinstance(missing.exception, InvalidInput) and "does not exist" in missing.exception.message
    assert missing.exception.exit_code == 2


def test_silent_customers_and_their_owners_to_dos(context, small_org) -> None:  # type: ignore[no-untyped-def]
    owner = small_org.ids["east.rep"]
    with clock.pinned(clock.now() - timedelta(days=90)):
        ids = _plant(context, owner)
    with context.db.transaction() as session:  # a recent call keeps the second one alive
        session.add(
            ActivityRow(
                customer_id=ids[1], kind="call", text="回访", occurred_at=clock.now() - timedelta(days=5)
            )
        )
    with context.db.transaction() as session:
        result = silent_customers(session, system_caller(), days=60, notify=True)
    assert {c["id"] for c in result["customers"]} == {ids[0], ids[2]}
    assert "no activity ever" in result["customers"][0]["reason"]
    with context.db.transaction() as session:
        again = silent_customers(session, system_caller(), days=60, notify=True)
        todos = session.scalars(select(TodoRow).where(TodoRow.kind == "customer.silent")).all()
    assert again["notified"] == 0 and len(todos) == 2 and {t.user_id for t in todos} == {owner}


def test_bulk_merge_previews_then_applies(client: TestClient, small_org, context) -> None:  # type: ignore[no-untyped-def]
    ids = _plant(context, small_org.ids["east.rep"])
    admin = small_org.headers("admin")
    preview = client.post("/dedup/merge-clusters", headers=admin, json={"min_score": 0.85}).json()
    assert preview["applied"] is False and [sorted(c["ids"]) for c in preview["clusters"]] == [
        sorted(ids[:2])
    ]
    assert client.get("/dedup/merges", headers=admin).json() == []
    applied = client.post(
        "/dedup/merge-clusters", headers=admin, json={"min_score": 0.85, "apply": True}
    ).json()
    assert len(applied["merged"]) == 1 and applied["failed"] == []
    assert (
        client.get("/dedup/merges", headers=admin).json()[0]["merge_id"] == applied["merged"][0]["merge_id"]
    )
