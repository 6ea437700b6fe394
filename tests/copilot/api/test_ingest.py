"""POST /ingest/{kind}, GET /search and GET /customers/{id}/signals over HTTP."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow
from tests.conftest import Org


def _customer(context: AppContext, owner_id: int | None) -> int:
    with context.db.transaction() as session:
        row = CustomerRow(name="华东汽车集团", name_key="华东汽车", owner_id=owner_id)
        other = CustomerRow(name="瑞金医院", name_key="瑞金医院")
        session.add_all([row, other])
        session.flush()
        return row.id


ITEMS = [
    {
        "id": "a",
        "type": "news",
        "title": "华东汽车焊装车间节拍瓶颈",
        "company": "华东汽车集团",
        "published_at": "2026-05-01",
    },
    {
        "id": "b",
        "type": "tender",
        "title": "AI质检系统采购公告",
        "buyer": "瑞金医院",
        "published_at": "2026-06-01",
    },
    {
        "id": "c",
        "type": "web_event",
        "visitor_company": "华东汽车集团",
        "page": "MES对接文档",
        "at": "2026-06-05",
    },
]


def test_ingest_search_and_signal_wall(context: AppContext, client: TestClient, small_org: Org) -> None:
    customer_id = _customer(context, small_org.ids["east.rep"])
    admin = small_org.headers("admin")
    response = client.post("/ingest/signals", json={"items": ITEMS}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 3 and response.json()["linked"] == 3

    bad = client.post(
        "/ingest/signals",
        files=[("file", ("s.jsonl", b"{bad\n" + json.dumps(ITEMS[0]).encode())), ("file", ("e.jsonl", b""))],
        headers=admin,
    )
    body = bad.json()
    assert bad.status_code == 200 and body["unchanged"] == 1
    assert {r["where"] for r in body["rejected"]} == {"s.jsonl:1", "e.jsonl"}

    rep = small_org.headers("east.rep")
    results = client.get("/search", params={"q": "焊装 节拍瓶颈 质检"}, headers=rep).json()["results"]
    assert results and all(r["customer_id"] == customer_id for r in results)  # not the hospital's tender
    assert {"score", "customer_id", "source", "url", "occurred_at", "quote"} <= set(results[0])

    wall = client.get(f"/customers/{customer_id}/signals", headers=rep).json()
    assert [s["external_id"] for s in wall["items"]] == ["c", "a"]  # newest first
    assert (
        client.get(f"/customers/{customer_id}/signals", headers=small_org.headers("na.rep")).status_code
        == 404
    )


def test_errors_have_the_api_shape(client: TestClient, small_org: Org) -> None:
    rep = small_org.headers("east.rep")
    forbidden = client.post("/ingest/signals", json={"items": ITEMS}, headers=rep)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"]
    empty = client.post("/ingest/signals", json={"items": []}, headers=small_org.headers("admin"))
    assert empty.status_code == 422 and empty.json()["error"]["details"]["field"] == "items"
    blank = client.get("/search", params={"q": " "}, headers=rep)
    assert blank.status_code == 422 and blank.json()["error"]["details"]["field"] == "query"
    wrong_kind = client.post("/ingest/videos", json={"items": ITEMS}, headers=rep)
    assert wrong_kind.status_code == 422
