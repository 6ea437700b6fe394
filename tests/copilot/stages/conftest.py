"""Fixtures for the stage engine: an organisation with finance, an opportunity, evidence files."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from copilot.stages.demo import minimal_pdf
from tests.conftest import Org, make_org


@dataclass
class StageWorld:
    client: TestClient
    org: Org
    customer_id: int

    def opportunity(self, login: str = "east.rep", **extra: object) -> int:
        body = {
            "customer_id": self.customer_id,
            "name": "瑞金医院 影像云",
            "amount": 500000,
            "product": "影像云",
            "owner_id": self.org.ids[login],
        }
        body.update(extra)
        r = self.client.post("/opportunities", json=body, headers=self.org.headers("admin"))
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def advance(self, opp: int, to_stage: str, *, login: str = "east.rep", files=None, data=None):  # type: ignore[no-untyped-def]
        form = {"to_stage": to_stage, **(data or {})}
        return self.client.post(
            f"/opportunities/{opp}/advance", data=form, files=files or [], headers=self.org.headers(login)
        )


def pdf(name: str = "doc.pdf", text: str = "signed") -> tuple[str, bytes, str]:
    return (name, minimal_pdf(text), "application/pdf")


def make_world(ctx, client: TestClient) -> StageWorld:  # type: ignore[no-untyped-def]
    from copilot import org as org_module

    org = make_org(ctx)
    with ctx.db.transaction() as session:
        created = org_module.add_user(session, login="finance", role="finance", department=None)
        org.keys["finance"] = created.api_key
        org.ids["finance"] = created.user.id
    r = client.post(
        "/customers",
        json={"name": "上海交通大学医学院附属瑞金医院", "owner_id": org.ids["east.rep"]},
        headers=org.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return StageWorld(client=client, org=org, customer_id=r.json()["id"])


@pytest.fixture
def world(context, client) -> StageWorld:  # type: ignore[no-untyped-def]
    return make_world(context, client)


@pytest.fixture
def any_world(any_context, any_client) -> StageWorld:  # type: ignore[no-untyped-def]
    return make_world(any_context, any_client)
