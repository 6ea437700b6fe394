"""The creation check holds for every writer: API (SQLite and PostgreSQL), import and bulk inserts."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from copilot.auth import system_caller
from copilot.db.schema import AuditRow, CustomerRow
from copilot.dedup.normalise import make_uscc
from copilot.models import CustomerIn
from copilot.records.service import CreateOptions, create_record, insert_many
from copilot.records.specs import CUSTOMERS

USCC = make_uscc("12310000425006117")
RUIJIN = {
    "name": "上海交通大学医学院附属瑞金医院",
    "uscc": USCC,
    "city": "上海市",
    "phone": "021-64370045",
    "industry": "医疗",
}


def test_strong_key_match_is_409_with_the_existing_record(any_client: TestClient, any_org) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.manager")
    first = any_client.post("/customers", headers=h, json=RUIJIN)
    assert first.status_code == 201, first.text
    again = any_client.post(
        "/customers", headers=h, json={**RUIJIN, "name": "瑞金医院"}, params={"force": "true", "reason": "x"}
    )
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate_customer"
    assert error["details"]["existing"]["id"] == first.json()["id"]
    assert error["details"]["matched_on"] == "strong_key:uscc"


def test_weak_match_needs_force_and_reason_which_are_audited(
    any_client: TestClient, any_org, any_context
) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.manager")
    first = any_client.post("/customers", headers=h, json=RUIJIN).json()
    variant = {"name": "瑞金醫院", "city": "上海", "phone": "+86 21 6437 0045", "industry": "医疗"}
    suspected = any_client.post("/customers", headers=h, json=variant)
    assert suspected.status_code == 409
    error = suspected.json()["error"]
    assert error["code"] == "possible_duplicate"
    candidate = error["details"]["candidates"][0]
    assert candidate["record"]["id"] == first["id"] and candidate["score"] >= 0.85
    assert {f["field"] for f in candidate["fields"]} >= {"name", "phone", "city"}
    no_reason = any_client.post("/customers", headers=h, json=variant, params={"force": "true"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"]["field"] == "reason"
    forced = any_client.post(
        "/customers", headers=h, json=variant, params={"force": "true", "reason": "separate billing entity"}
    )
    assert forced.status_code == 201, forced.text
    with any_context.db.read() as session:
        after = session.scalar(
            select(AuditRow.after).where(
                AuditRow.action == "customer.create_checks", AuditRow.entity_id == str(forced.json()["id"])
            )
        )
    assert after is not None and after["reason"] == "separate billing entity"
    assert after["forced_despite_duplicates"][0]["record"]["id"] == first["id"]


def test_distinct_lookalikes_are_created_without_complaint(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.manager")
    a = client.post(
        "/customers",
        headers=h,
        json={"name": "北京协和医院", "uscc": make_uscc("12110000400000001"), "city": "北京市"},
    )
    b = client.post(
        "/customers",
        headers=h,
        json={"name": "北京协和医学院", "uscc": make_uscc("12110000400000002"), "city": "北京市"},
    )
    assert a.status_code == 201 and b.status_code == 201, b.text


def test_import_rejects_the_duplicate_row_and_keeps_the_rest(context, small_org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from copilot.importing.service import import_file

    path = tmp_path / "customers.csv"
    path.write_text(
        "name,uscc,city,phone\n"
        f"上海交通大学医学院附属瑞金医院,{USCC},上海市,021-64370045\n"
        f"瑞金医院,{USCC},上海市,021-64370045\n"
        "华山医院,,上海市,021-52889999\n",
        encoding="utf-8",
    )
    summary = import_file(context.db, system_caller(), "customers", path)
    assert summary.imported == 2 and summary.rejected == 1
    error = summary.errors[0]
    assert error.line == 3 and "already has this uscc" in error.reason
    assert "上海交通大学医学院附属瑞金医院" in error.reason  # names the earlier row it repeats


def test_import_checks_rows_against_stored_records_and_across_batches(any_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Rows are checked a batch at a time: a duplicate of a stored record, of a row in the same
    batch and of a row in an earlier batch are each refused with their line; the rest land."""
    from copilot.importing import service as importing

    with any_context.db.transaction() as session:
        create_record(session, system_caller(), CUSTOMERS, CustomerIn(**RUIJIN))
    other = make_uscc("12310000425000001")
    lines = ["name,uscc,city,phone,address"]
    lines.append(f"瑞金医院,{USCC},上海市,021-64370045,瑞金二路197号")  # line 2: the stored record
    lines += [f"测试{i:03d}号医疗器械有限公司,,上海市,021-5{i:07d},张江路{i}号" for i in range(3, 12)]
    lines.append(f"华山医院,{other},上海市,021-52889999,乌鲁木齐中路12号")  # line 12
    lines.append(f"复旦大学附属华山医院,{other},上海市,021-52889999,乌鲁木齐中路12号")  # line 13: same batch
    lines.append(
        "测试003号医疗器械有限公司,,上海市,021-50000003,张江路3号"
    )  # line 14: next batch, weak match
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    original = importing.BATCH_SIZE
    importing.BATCH_SIZE = 12  # line 14 falls in the second batch
    try:
        summary = importing.import_file(any_context.db, system_caller(), "customers", path)
    finally:
        importing.BATCH_SIZE = original
    rejected = {e.line: e.reason for e in summary.errors}
    assert set(rejected) == {2, 13, 14}, rejected
    assert "already has this uscc" in rejected[2] and "(id " in rejected[2]
    assert "华山医院" in rejected[13]
    assert "look like the same customer" in rejected[14]
    assert summary.imported == 10


def test_insert_many_compares_the_rows_of_one_batch(context) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from copilot.errors import Conflict

    items = [CustomerIn(**RUIJIN), CustomerIn(**{**RUIJIN, "name": "瑞金医院"})]
    with pytest.raises(Conflict, match="same import or batch"), context.db.transaction() as session:
        insert_many(session, system_caller(), CUSTOMERS, items)
    with context.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CustomerRow)) == 0


def test_bulk_loader_skips_checks_only_when_it_says_so_and_it_is_audited(context) -> None:  # type: ignore[no-untyped-def]
    items = [CustomerIn(**RUIJIN), CustomerIn(**{**RUIJIN, "name": "瑞金医院"})]
    with context.db.transaction() as session:
        insert_many(session, system_caller(), CUSTOMERS, items[:1])
    import pytest

    from copilot.errors import Conflict

    with pytest.raises(Conflict), context.db.transaction() as session:
        insert_many(session, system_caller(), CUSTOMERS, items[1:])
    with context.db.transaction() as session:
        rows = insert_many(
            session, system_caller(), CUSTOMERS, items[1:], options=CreateOptions(skip_checks="planted")
        )
        entry = session.scalar(
            select(AuditRow).where(
                AuditRow.action == "customer.create_checks", AuditRow.entity_id == str(rows[0].id)
            )
        )
        assert entry is not None and entry.after == {"checks_skipped": "planted"}
        assert session.scalar(select(CustomerRow.id).where(CustomerRow.name == "瑞金医院")) is not None


def test_contact_with_the_same_mobile_in_the_same_customer_is_409(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.manager")
    customer = client.post(
        "/customers", headers=h, json={**RUIJIN, "owner_id": small_org.ids["east.manager"]}
    ).json()
    first = client.post(
        "/contacts", headers=h, json={"customer_id": customer["id"], "name": "李总", "phone": "138 1234 5678"}
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/contacts",
        headers=h,
        json={"customer_id": customer["id"], "name": "李建国", "phone": "+86 13812345678"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_contact"
    assert again.json()["error"]["details"]["existing"]["id"] == first.json()["id"]
    other = client.post(
        "/contacts", headers=h, json={"customer_id": customer["id"], "name": "王芳", "phone": "13900000000"}
    )
    assert other.status_code == 201


def test_a_stored_record_found_by_several_keys_is_listed_once(context) -> None:  # type: ignore[no-untyped-def]
    """Same name key, same phone, same name prefix: three blocking keys find the stored record;
    the 409 names it once."""
    import pytest

    from copilot.errors import Conflict

    stored = {"name": "华山医院", "city": "上海市", "phone": "021-52889999", "industry": "医疗"}
    with context.db.transaction() as session:
        create_record(session, system_caller(), CUSTOMERS, CustomerIn(**stored))
    with pytest.raises(Conflict) as info, context.db.transaction() as session:
        create_record(session, system_caller(), CUSTOMERS, CustomerIn(**{**stored, "name": "上海华山医院"}))
    assert info.value.code == "possible_duplicate"
    assert [c["record"]["name"] for c in info.value.details["candidates"]] == ["华山医院"]
