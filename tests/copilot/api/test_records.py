"""The record routes on SQLite and PostgreSQL: create, list with visibility, update, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from copilot.dedup.normalise import make_uscc


def test_every_route_needs_a_key(any_client: TestClient) -> None:
    response = any_client.get("/customers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert any_client.get("/customers", headers={"Authorization": "Bearer sc_wrong"}).status_code == 401


def test_create_list_update_customer(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.rep")
    uscc = make_uscc("91310000MA1FL0000")
    created = any_client.post(
        "/customers",
        headers=h,
        json={
            "name": "上海瑞金医院有限公司",
            "uscc": uscc,
            "owner_id": any_org.ids["east.rep"],
            "industry": "医疗",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["uscc"] == uscc and body["created_at"].endswith(("+00:00", "Z"))
    listed = any_client.get("/customers", headers=h, params={"q": "瑞金"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    patched = any_client.patch(f"/customers/{body['id']}", headers=h, json={"city": "上海市"})
    assert patched.status_code == 200 and patched.json()["city"] == "上海市"


def test_bad_uscc_names_field_and_problem(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    response = any_client.post(
        "/customers", headers=any_org.headers("admin"), json={"name": "x", "uscc": "91350100M000100Y44"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "uscc" in error["message"] and "check digit" in error["message"]


def test_rep_sees_own_and_pool_not_other_departments(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    admin = any_org.headers("admin")
    mine = any_client.post(
        "/leads",
        headers=admin,
        json={"source": "官网表单", "company": "A", "owner_id": any_org.ids["east.rep"]},
    ).json()
    east_dept = mine["department_id"]
    pool = any_client.post(
        "/leads", headers=admin, json={"source": "官网表单", "company": "B", "department_id": east_dept}
    ).json()
    other = any_client.post(
        "/leads",
        headers=admin,
        json={"source": "amazon_us", "company": "C", "owner_id": any_org.ids["na.rep"]},
    ).json()
    seen = {
        item["id"] for item in any_client.get("/leads", headers=any_org.headers("east.rep")).json()["items"]
    }
    assert seen == {mine["id"], pool["id"]}
    hidden = any_client.get(f"/leads/{other['id']}", headers=any_org.headers("east.rep"))
    assert hidden.status_code == 404 and hidden.json()["error"]["details"]["exists"] is True
    manager_seen = any_client.get("/leads", headers=any_org.headers("east.manager")).json()
    assert manager_seen["total"] == 2


def test_visibility_explains_the_north_america_incident(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    lead = any_client.post(
        "/leads",
        headers=any_org.headers("admin"),
        json={"source": "amazon_us", "region": "North America", "owner_id": any_org.ids["na.rep"]},
    ).json()
    answer = any_client.get(f"/leads/{lead['id']}/visibility", headers=any_org.headers("sea.rep")).json()
    assert answer["visible"] is False
    assert answer["lead"]["department"] == "北美事业部"
    text = " ".join(answer["reasons"])
    assert "na.rep" in text and "东南亚事业部" in text


def test_unknown_filter_and_sort_are_named(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("admin")
    bad = any_client.get("/customers", headers=h, params={"colour": "red"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "colour"
    bad_sort = any_client.get("/customers", headers=h, params={"sort": "-password"})
    assert bad_sort.status_code == 422 and "sort" in bad_sort.json()["error"]["message"]


def test_audit_log_records_and_is_append_only(any_context, any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from sqlalchemy import select, update
    from sqlalchemy.exc import DBAPIError

    from copilot.db.schema import AuditRow

    c = any_client.post("/customers", headers=any_org.headers("admin"), json={"name": "审计测试"}).json()
    any_client.patch(f"/customers/{c['id']}", headers=any_org.headers("admin"), json={"name": "审计测试2"})
    with any_context.db.read() as session:
        entries = session.scalars(
            select(AuditRow)
            .where(AuditRow.entity == "customer", AuditRow.entity_id == str(c["id"]))
            .order_by(AuditRow.id)
        ).all()
        assert [e.action for e in entries] == ["customer.create", "customer.update"]
        assert (
            entries[1].before == {"name": "审计测试", "name_key": "审计测试"}
            and entries[1].after["name"] == "审计测试2"
        )
    with pytest.raises(DBAPIError), any_context.db.transaction() as session:
        session.execute(update(AuditRow).values(action="tampered"))
