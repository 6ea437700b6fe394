"""An account with a rich handover history, written through the real import path (CSV, zh headers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.importing.service import import_file
from copilot.models import CustomerIn, OpportunityIn
from copilot.records.service import create_record
from copilot.records.specs import CUSTOMERS, OPPORTUNITIES

CONTACTS_CSV = """客户,姓名,职位,手机号,微信,备注
HX-1,王建国,总经理,13800001111,wjg001,"最终拍板人"
HX-1,李芳,采购经理,13800002222,,
HX-1,陈志远,设备工程师,13800003333,,
"""

ACTIVITIES_CSV = """外部编号,客户,类型,时间,记录人,联系人,参与人,内容
A-1,HX-1,拜访,2026-06-01,east.rep,王建国,王建国;east.rep,"拜访王建国,介绍节能方案,王总很认可。我们承诺免费上门培训,两周内完成。"
A-2,HX-1,visit,2026-06-10,east.rep,陈志远,陈志远,"已安排上门培训,陈志远参加,培训已完成。"
A-3,HX-1,交货,2026-08-20,east.rep,李芳,,"备件延迟交货,导致产线停机两天,李芳很不满。"
A-4,HX-1,微信,2026-09-25,east.rep,李芳,李芳,"李芳回复了微信,语气冷淡。我们承诺今后备件48小时到货。"
A-5,HX-1,note,2026-10-25,east.rep,孙涛,,"新任设备处处长孙涛上月到岗,尚未见面。"
"""


def seed_account(ctx: AppContext, tmp: Path, owner_login: str = "east.rep") -> int:
    """Customer HX-1 owned by `owner_login`, with contacts and activities imported from zh CSV."""
    from copilot.org import get_user_by_login

    with ctx.db.transaction() as session:
        owner = get_user_by_login(session, owner_login)
        customer = create_record(
            session,
            system_caller(),
            CUSTOMERS,
            CustomerIn(
                external_id="HX-1",
                name="苏州精工机械有限公司",
                owner_id=owner.id,
                tags=["关注能耗成本", "反感PPT式汇报"],
            ),
        )
        create_record(
            session,
            system_caller(),
            OPPORTUNITIES,
            OpportunityIn(
                customer_id=customer.id,
                name="二期产线节能改造",
                stage="报价审批",
                amount=1280000,
                owner_id=owner.id,
            ),
        )
    (tmp / "contacts.csv").write_text(CONTACTS_CSV, "utf-8")
    (tmp / "activities.csv").write_text(ACTIVITIES_CSV, "utf-8")
    for entity in ("contacts", "activities"):
        summary = import_file(ctx.db, system_caller(), entity, tmp / f"{entity}.csv")
        assert summary.rejected == 0, summary.errors
    return customer.id


@pytest.fixture
def seeded(context: AppContext, small_org, tmp_path: Path) -> int:  # type: ignore[no-untyped-def]
    return seed_account(context, tmp_path)


@pytest.fixture
def any_seeded(any_context: AppContext, any_org, tmp_path: Path) -> int:  # type: ignore[no-untyped-def]
    return seed_account(any_context, tmp_path)
