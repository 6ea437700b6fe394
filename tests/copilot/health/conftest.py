"""A hand-counted world for the inspection: the clock is pinned to Friday 2026-11-20 16:00
Asia/Shanghai (08:00 UTC), week 2026-W47 = 2026-11-15T16:00Z .. now. Every figure the tests
expect is counted by hand in the comments below, not by the code under test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from copilot import clock
from copilot.db.schema import (
    CustomerRow,
    LeadRow,
    MarketingLeadRow,
    OpportunityRow,
    StagePaymentRow,
    UserRow,
)
from tests.conftest import Org, make_org

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


@dataclass
class World:
    org: Org
    leads: dict[str, int]
    opportunities: dict[str, int]
    inactive_id: int


@pytest.fixture
def pinned() -> Iterator[datetime]:
    with clock.pinned(NOW):
        yield NOW


def build_world(ctx) -> World:  # type: ignore[no-untyped-def]
    org = make_org(ctx)
    rep, rep2 = org.ids["east.rep"], org.ids["east.rep2"]
    leads: dict[str, int] = {}
    opps: dict[str, int] = {}
    with ctx.db.transaction() as session:
        # an inactive rep still placed in 华东事业部 (the demo's zhao.lei)
        ghost = UserRow(login="ghost.rep", name="离职销售", role="rep", active=False, deactivated_at=at(1, 0))
        east = session.get(UserRow, rep)
        ghost.department_id = east.department_id
        session.add(ghost)
        session.flush()

        def lead(key: str, created: datetime, **kw: object) -> None:
            row = LeadRow(
                external_id=f"T-{key}",
                source=str(kw.pop("source", "百度推广")),
                utm_source=str(kw.pop("utm_source", "baidu")),
                company=f"{key} 公司",
                phone=kw.pop("phone", "13912345678"),
                email=kw.pop("email", f"{key.lower()}@corp.cn"),
                created_at=created,
                updated_at=created,
                department_id=east.department_id,
                **kw,
            )
            session.add(row)
            session.flush()
            leads[key] = row.id

        # --- week 2026-W47: latency sample (4 leads) -------------------------------------
        # W1: 30 s to owner, contacted after 2 h          -> within 90 s
        lead(
            "W1",
            at(16, 2),
            phone="13911110001",
            owner_id=rep,
            grade="A",
            assigned_at=at(16, 2, 0, 30),
            first_contact_at=at(16, 4),
        )
        # W2: 60 s                                          -> within
        lead(
            "W2",
            at(17, 2),
            phone="13911110002",
            owner_id=rep,
            grade="B",
            assigned_at=at(17, 2, 1),
            first_contact_at=at(17, 5),
        )
        # W3: 300 s                                         -> miss
        lead(
            "W3",
            at(18, 2),
            phone="13911110003",
            utm_source="website",
            source="官网表单",
            owner_id=rep2,
            grade="B",
            assigned_at=at(18, 2, 5),
        )
        # W4: never assigned                                -> miss
        lead("W4", at(19, 2), phone="13911110004", utm_source="website", source="官网表单")
        # (M8 below also arrives this week, assigned at once -> within)
        # latency: 3 of 5 within 90 s = 60 %  (< warn_share 80 %) -> fail

        # --- earlier in November: the metric definitions (all with owner, graded) ----------
        # M1 valid, contacted after 10 h: counted by every definition
        lead(
            "M1",
            at(2, 1),
            phone="13922220001",
            owner_id=rep,
            grade="A",
            assigned_at=at(2, 1),
            first_contact_at=at(2, 11),
        )
        lead(
            "M2",
            at(3, 1),
            phone="13922220002",
            email="test1@test.com",
            owner_id=rep,
            grade="A",
            assigned_at=at(3, 1),
        )
        lead("M3", at(4, 1), phone="13800138000", owner_id=rep, grade="A", assigned_at=at(4, 1))
        lead("M4", at(5, 1), phone="12345", owner_id=rep, grade="A", assigned_at=at(5, 1))
        # M5 valid, first contact after 60 h: not crm_valid, but followed_up
        lead(
            "M5",
            at(6, 1),
            phone="13922220005",
            owner_id=rep,
            grade="A",
            assigned_at=at(6, 1),
            first_contact_at=at(8, 13),
        )
        # M6 valid, never contacted
        lead("M6", at(7, 1), phone="13922220006", owner_id=rep, grade="A", assigned_at=at(7, 1))
        # M7 no contact details at all
        lead("M7", at(8, 1), phone=None, email=None, owner_id=rep, grade="A", assigned_at=at(8, 1))
        # M8 valid, arrived 12 h ago: still inside its 48 h
        lead("M8", at(19, 20), phone="13922220008", owner_id=ghost.id, grade="A", assigned_at=at(19, 20))
        # October: outside the month
        lead("OCT", datetime(2026, 10, 30, 1, tzinfo=UTC), phone="13922220009")

        # --- marketing's export for the week: baidu W1, W2 + a re-submission of W2; website W3, W4
        for line, (ext, source, phone, when) in enumerate(
            [
                ("T-W1", "baidu", "13911110001", at(16, 2)),
                ("T-W2", "baidu", "13911110002", at(17, 2)),
                (None, "baidu", "13911110002", at(17, 3)),
                ("T-W3", "website", "13911110003", at(18, 2)),
                ("T-W4", "website", "13911110004", at(19, 2)),
                ("T-M8", "baidu", "13922220008", at(19, 20)),
            ],
            start=2,
        ):
            session.add(
                MarketingLeadRow(
                    batch="mkt.csv",
                    line=line,
                    external_id=ext,
                    utm_source=source,
                    phone=phone,
                    received_at=when,
                )
            )
        # baidu: 3 here (W1, W2, M8) vs 4 marketing = -25 % (flagged, 1 unmatched marketing row); website 2 vs 2

        # --- opportunities (pipeline timeouts: 初步接触 7 d, 需求分析 10 d) -----------------
        customer = CustomerRow(name="测试客户有限公司", name_key="测试客户", owner_id=rep)
        session.add(customer)
        session.flush()

        def opp(
            key: str, stage: str, entered: datetime, amount: float, status: str = "open", owner: int = rep
        ) -> None:
            row = OpportunityRow(
                customer_id=customer.id,
                name=key,
                amount=amount,
                stage=stage,
                status=status,
                owner_id=owner,
                department_id=east.department_id,
                stage_entered_at=entered,
                created_at=entered - timedelta(days=1),
            )
            session.add(row)
            session.flush()
            opps[key] = row.id

        opp("A", "初步接触", NOW - timedelta(days=10), 100_000)  # stuck (10 > 7)
        opp("B", "初步接触", NOW - timedelta(days=2), 100_000)  # fine
        opp("C", "需求分析", NOW - timedelta(days=20), 100_000)  # stuck (20 > 10)
        # stuck share 2 / 3 = 66.7 % -> fail
        opp("D", "首笔回款到账", NOW - timedelta(days=30), 1_000_000, status="won")
        opp("E", "首笔回款到账", NOW - timedelta(days=5), 500_000, status="won", owner=rep2)
        session.add(StagePaymentRow(opportunity_id=opps["D"], paid_on=date(2026, 10, 25), amount=600_000))
        # marked won 150万, confirmed 60万: gap 90万 = 60 % -> fail; east.rep gap 40万, east.rep2 50万
    return World(org=org, leads=leads, opportunities=opps, inactive_id=ghost.id)


@pytest.fixture
def world(context, pinned) -> World:  # type: ignore[no-untyped-def]
    return build_world(context)


@pytest.fixture
def any_world(any_context, pinned) -> World:  # type: ignore[no-untyped-def]
    return build_world(any_context)
