"""The shared customer resolver: id, external id, name, normalised name, unique substring, did-you-mean."""

from __future__ import annotations

import pytest

from copilot.auth import Caller, system_caller
from copilot.bootstrap import AppContext
from copilot.db.schema import CustomerRow
from copilot.dedup.normalise import normalise_company_name
from copilot.errors import InvalidInput, NotFound
from copilot.models import Role
from copilot.records.lookup import resolve_customer


@pytest.fixture
def customers(any_context: AppContext) -> dict[str, int]:
    names = {"c1": "瑞华汽车制造有限公司", "c2": "恒通精密冲压有限公司", "c3": "恒通医疗器械有限公司"}
    ids = {}
    with any_context.db.transaction() as session:
        for ext, name in names.items():
            row = CustomerRow(external_id=ext, name=name, name_key=normalise_company_name(name))
            session.add(row)
            session.flush()
            ids[ext] = row.id
    return ids


def test_resolves_by_id_external_id_and_name(any_context: AppContext, customers: dict[str, int]) -> None:
    with any_context.db.read() as session:
        caller = system_caller()
        assert resolve_customer(session, caller, str(customers["c2"])).external_id == "c2"
        assert resolve_customer(session, caller, "c3").name == "恒通医疗器械有限公司"
        assert resolve_customer(session, caller, "瑞华汽车制造有限公司").external_id == "c1"
        assert resolve_customer(session, caller, "瑞华汽车制造").external_id == "c1"  # normalised name
        assert resolve_customer(session, caller, "精密冲压").external_id == "c2"  # unique substring


def test_near_miss_suggests(any_context: AppContext, customers: dict[str, int]) -> None:
    with any_context.db.read() as session, pytest.raises(NotFound) as info:
        resolve_customer(session, system_caller(), "瑞华气车制造有限公司")
    assert "did you mean" in info.value.message
    assert info.value.details["did_you_mean"][0] == "瑞华汽车制造有限公司"


def test_ambiguous_names_list_candidates(any_context: AppContext, customers: dict[str, int]) -> None:
    with any_context.db.read() as session, pytest.raises(InvalidInput) as info:
        resolve_customer(session, system_caller(), "恒通")
    assert len(info.value.details["candidates"]) == 2


def test_invisible_customers_are_not_found(any_context: AppContext, customers: dict[str, int]) -> None:
    rep = Caller(id=999, login="x", name="x", role=Role.rep, department_id=None)
    with any_context.db.read() as session, pytest.raises(NotFound):
        resolve_customer(session, rep, "c1")


def test_uscc_any_case_and_merged_records_resolve_to_the_survivor(
    any_context: AppContext, customers: dict[str, int]
) -> None:
    from copilot.dedup.normalise import make_uscc

    uscc = make_uscc("91310000MA1FL0000")
    with any_context.db.transaction() as session:
        survivor = session.get(CustomerRow, customers["c1"])
        survivor.uscc = uscc
        merged = CustomerRow(external_id="old", name="瑞华汽车(旧)", name_key="x", merged_into_id=survivor.id)
        session.add(merged)
    with any_context.db.read() as session:
        assert resolve_customer(session, system_caller(), uscc.lower()).external_id == "c1"
        assert resolve_customer(session, system_caller(), "old").external_id == "c1"
        with pytest.raises(InvalidInput):
            resolve_customer(session, system_caller(), "  ")
