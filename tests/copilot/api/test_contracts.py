"""Contracts over HTTP on SQLite and PostgreSQL: upload, review, queue, legal's actions, visibility."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from copilot.contracts.documents import ContractSource, SourceClause, render_docx, render_pdf
from copilot.db.schema import AuditRow

SOURCE = ContractSource(
    title="设备采购合同",
    preamble=["甲方（买方）：华东精密制造有限公司", "乙方（卖方）：上海智联工业软件有限公司"],
    clauses=[
        SourceClause(heading="第一条 合同价款", paragraphs=["本合同总价为人民币1,200,000元（含税）。"]),
        SourceClause(
            heading="第二条 付款方式",
            paragraphs=["甲方在收到乙方开具的增值税专用发票（税率13%）后一百二十日内支付相应货款。"],
        ),
        SourceClause(heading="第三条 质量保证", paragraphs=["设备质保期为12个月，自验收合格之日起计算。"]),
        SourceClause(
            heading="第四条 保密", paragraphs=["双方均应对在本合同履行过程中知悉的对方商业秘密承担保密义务。"]
        ),
        SourceClause(
            heading="第五条 争议解决",
            paragraphs=["本合同适用中华人民共和国法律，争议提交上海国际仲裁中心仲裁。"],
        ),
    ],
)


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_pdf(SOURCE)


def _customer(client: TestClient, org, owner: str = "east.rep") -> int:  # type: ignore[no-untyped-def]
    r = client.post(
        "/customers", headers=org.headers("admin"), json={"name": f"客户{owner}", "owner_id": org.ids[owner]}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _upload(client: TestClient, org, data: bytes, name: str = "c.pdf", who: str = "east.rep", **form):  # type: ignore[no-untyped-def]
    return client.post(
        "/contracts",
        headers=org.headers(who),
        files={"file": (name, io.BytesIO(data), "application/pdf")},
        data=form,
    )


def test_upload_review_queue_and_actions(
    any_client: TestClient, any_org, any_context, pdf_bytes: bytes
) -> None:  # type: ignore[no-untyped-def]
    cid = _customer(any_client, any_org)
    r = _upload(any_client, any_org, pdf_bytes, customer_id=str(cid))
    assert r.status_code == 201, r.text
    contract = r.json()
    assert (
        contract["status"] == "in_review" and "flags" not in contract
    )  # a rep sees status, not legal's flags
    legal = any_org.headers("legal")
    review = any_client.get(f"/contracts/{contract['id']}/review", headers=legal).json()
    assert [f["category"] for f in review["flags"]] == ["payment_term_over_90_days"]
    flag = review["flags"][0]
    assert (
        flag["explanation"].startswith("付款周期120天，超过90天上限")
        and flag["page"] == 1
        and len(flag["bbox"]) == 4
    )
    assert {m["category"] for m in review["missing"]} == {
        "late_payment_remedy_missing",
        "force_majeure_missing",
    }
    assert review["summary"]["customer"] == "华东精密制造有限公司"

    queue = any_client.get("/contracts/review-queue", headers=legal).json()
    assert queue[0]["id"] == contract["id"] and queue[0]["open_flags"]["high"] == 1
    assert any_client.get("/contracts/review-queue", headers=any_org.headers("east.rep")).status_code == 403

    url = f"/contracts/{contract['id']}/flags/{flag['id']}"
    bad = any_client.post(f"{url}/dismiss", headers=legal, json={})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "reason"
    assert any_client.post(f"{url}/accept", headers=any_org.headers("east.rep")).status_code == 403
    assert (
        any_client.post(
            f"{url}/comment", headers=legal, json={"text": "客户是集团客户，可谈到60天"}
        ).status_code
        == 200
    )
    accepted = any_client.post(f"{url}/accept", headers=legal).json()
    assert accepted["status"] == "accepted" and [h["action"] for h in accepted["history"]] == [
        "comment",
        "accept",
    ]
    after = any_client.get(f"/contracts/{contract['id']}/review", headers=legal).json()
    assert after["status"] == "negotiating"  # an accepted flag must be negotiated
    # the rep sees where the contract stands
    mine = any_client.get(f"/contracts/{contract['id']}/review", headers=any_org.headers("east.rep")).json()
    assert mine["status"] == "negotiating" and "flags" not in mine
    # another team's rep does not see it at all
    assert (
        any_client.get(f"/contracts/{contract['id']}/review", headers=any_org.headers("na.rep")).status_code
        == 403
    )
    # approve: allowed now that no flag is open; reject needs a reason
    assert (
        any_client.post(
            f"/contracts/{contract['id']}/status", headers=legal, json={"status": "rejected"}
        ).status_code
        == 422
    )
    approved = any_client.post(
        f"/contracts/{contract['id']}/status", headers=legal, json={"status": "approved"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = any_client.post(
        f"/contracts/{contract['id']}/status", headers=legal, json={"status": "negotiating"}
    )
    assert again.status_code == 409
    with any_context.db.read() as session:
        actions = [
            a.action
            for a in session.scalars(
                select(AuditRow).where(AuditRow.action.like("contract%")).order_by(AuditRow.id)
            )
        ]
    assert actions == [
        "contract.upload",
        "contract.review",
        "contract.flag.comment",
        "contract.flag.accept",
        "contract.status",
        "contract.status",
    ]


def test_approve_needs_every_flag_decided(any_client: TestClient, any_org, pdf_bytes: bytes) -> None:  # type: ignore[no-untyped-def]
    contract = _upload(any_client, any_org, pdf_bytes, who="legal").json()
    r = any_client.post(
        f"/contracts/{contract['id']}/status", headers=any_org.headers("legal"), json={"status": "approved"}
    )
    assert r.status_code == 409 and r.json()["error"]["details"]["open_flags"] == 1


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.pdf", "empty"),
        (b"hello, this is a text file", "notes.pdf", "not_pdf"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", "cut.pdf", "truncated"),
        (b"plain", "notes.txt", "unsupported_type"),
    ],
)
def test_bad_files_get_clear_errors_and_are_not_kept(
    client: TestClient, small_org, context, data: bytes, name: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    r = _upload(client, small_org, data, name=name, who="legal")
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["details"]["reason"] == reason and body["details"]["field"] == "file"
    assert (
        not list((context.settings.uploads_dir / "contracts").glob("*"))
        if (context.settings.uploads_dir / "contracts").exists()
        else True
    )


def test_encrypted_pdf_needs_its_password(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    locked = render_pdf(SOURCE, password="s3cret")
    r = _upload(client, small_org, locked, who="legal")
    assert r.status_code == 422 and r.json()["error"]["details"]["reason"] == "encrypted"
    ok = _upload(client, small_org, locked, who="legal", password="s3cret")
    assert ok.status_code == 201
    review = client.get(f"/contracts/{ok.json()['id']}/review", headers=small_org.headers("legal")).json()
    assert [f["category"] for f in review["flags"]] == ["payment_term_over_90_days"]


def test_docx_upload_and_exports(client: TestClient, small_org, context) -> None:  # type: ignore[no-untyped-def]
    data = render_docx(SOURCE)
    r = client.post(
        "/contracts",
        headers=small_org.headers("legal"),
        files={"file": ("c.docx", io.BytesIO(data), "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    review = client.get(f"/contracts/{cid}/review", headers=small_org.headers("legal")).json()
    assert review["source"] == "docx"
    flag = review["flags"][0]
    assert flag["category"] == "payment_term_over_90_days" and flag["page"] is None and flag["paragraphs"]
    csv_text = client.get(f"/contracts/{cid}/export?format=csv", headers=small_org.headers("legal")).text
    assert "payment_term_over_90_days" in csv_text and "force_majeure_missing" in csv_text
    md = client.get(f"/contracts/{cid}/export?format=md", headers=small_org.headers("legal")).text
    assert "| high | payment_term_over_90_days |" in md
    docx_bytes = client.get(
        f"/contracts/{cid}/export?format=docx", headers=small_org.headers("legal")
    ).content
    import docx

    document = docx.Document(io.BytesIO(docx_bytes))
    comments = list(document.comments)
    assert any("payment_term_over_90_days" in c.text and "60】日" in c.text for c in comments)
    assert client.get(f"/contracts/{cid}/pages/1.png", headers=small_org.headers("legal")).status_code == 422


def test_page_images_and_playbook_publish(client: TestClient, small_org, pdf_bytes: bytes) -> None:  # type: ignore[no-untyped-def]
    cid = _upload(client, small_org, pdf_bytes, who="legal").json()["id"]
    png = client.get(f"/contracts/{cid}/pages/1.png", headers=small_org.headers("legal"))
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get(f"/contracts/{cid}/pages/9.png", headers=small_org.headers("legal")).status_code == 404
    from services.contract_playbook import PLAYBOOK_PATH

    body = PLAYBOOK_PATH.read_text(encoding="utf-8").replace("max_days: 90,", "max_days: 150,")
    headers = {**small_org.headers("admin"), "content-type": "application/yaml"}
    assert (
        client.put(
            "/contracts/playbook",
            headers={**small_org.headers("legal"), "content-type": "application/yaml"},
            content=body.encode(),
        ).status_code
        == 403
    )
    bad = client.put("/contracts/playbook", headers=headers, content=b"version: 2\nkinds: []\n")
    assert bad.status_code == 422
    ok = client.put("/contracts/playbook", headers=headers, content=body.encode())
    assert ok.status_code == 200 and ok.json()["version"] == 2
    cid2 = _upload(client, small_org, pdf_bytes, who="legal").json()["id"]
    review = client.get(f"/contracts/{cid2}/review", headers=small_org.headers("legal")).json()
    assert (
        review["playbook_version"] == 2 and review["flags"] == []
    )  # 120 days is within the new 150-day limit
