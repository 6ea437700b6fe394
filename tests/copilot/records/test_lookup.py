"""Customer lookup by id, external id, uscc or exact name, with did-you-mean and visibility."""

from __future__ import annotations

import pytest

from copilot.auth import caller_from_row, system_caller
from copilot.dedup.normalise import make_uscc
from copilot.errors import InvalidInput, NotFound
from copilot.models import CustomerIn
from copilot.org import get_user_by_login
from copilot.records.lookup import resolve_customer
from copilot.records.service import create_record
from copilot.records.specs import CUSTOMERS


def test_every_way_of_naming_a_customer(any_context, any_org) -> None:  # type: ignore[no-untyped-def]
    uscc = make_uscc("91310000MA1FL0000")
    with any_context.db.transaction() as s:
        c = create_record(
            s, system_caller(), CUSTOMERS, CustomerIn(name="上海瑞金医院", external_id="C-9", uscc=uscc)
        )
        create_record(s, system_caller(), CUSTOMERS, CustomerIn(name="上海瑞金医院北院"))
    with any_context.db.read() as s:
        for ref in (c.id, str(c.id), "C-9", uscc.lower(), "上海瑞金医院"):
            assert resolve_customer(s, system_caller(), ref).id == c.id
        with pytest.raises(NotFound) as missing:
            resolve_customer(s, system_caller(), "瑞金医院")
        assert missing.value.details["did_you_mean"][:2] == ["上海瑞金医院", "上海瑞金医院北院"]
        with pytest.raises(InvalidInput):
            resolve_customer(s, system_caller(), "  ")
        rep = caller_from_row(get_user_by_login(s, "na.rep"))
        with pytest.raises(NotFound) as hidden:  # not visible to this rep: not found, and no names leak
            resolve_customer(s, rep, "C-9")
        assert hidden.value.details["did_you_mean"] == []
