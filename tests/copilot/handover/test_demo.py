"""The demo's handover story: the departed rep's accounts, handed over to the new hire, practisable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from copilot.db.schema import CustomerRow, HandoverPackageRow, UserRow


def test_departed_reps_accounts_are_handed_over_with_rich_history(
    demo_context, demo_client: TestClient, demo_keys
) -> None:  # type: ignore[no-untyped-def]
    with demo_context.db.read() as s:
        zhao = s.scalar(select(UserRow).where(UserRow.login == "zhao.lei"))
        new = s.scalar(select(UserRow).where(UserRow.login == "new.hire"))
        assert not zhao.active
        assert (
            s.scalar(select(func.count()).select_from(CustomerRow).where(CustomerRow.owner_id == zhao.id))
            == 0
        )
        packages = s.scalars(select(HandoverPackageRow).where(HandoverPackageRow.to_user_id == new.id)).all()
        assert packages and all(p.from_user_id == zhao.id for p in packages)
        # the factory story (tagged 反感PPT式汇报 by the demo step) landed on an 装备制造 account
        story = [s.get(CustomerRow, p.customer_id) for p in packages]
        rich_row = next(c for c in story if "反感PPT式汇报" in (c.tags or []))
        assert rich_row.industry == "装备制造"
        rich = rich_row.id
    h = {"Authorization": f"Bearer {demo_keys['new.hire']}"}
    m = demo_client.get(f"/handover/{rich}/map", headers=h).json()
    assert any(not c["resolved"] for c in m["conflicts"])
    assert any(p["status"] != "kept" for p in m["promises"])
    assert any(p["never_met"] for p in m["people"]) and m["opportunities"]
    assert "赵磊" not in {p["name"] for p in m["people"]}  # our departed rep is not a customer person
    s = demo_client.post(f"/handover/{rich}/sessions", json={"scenario": "introduce"}, headers=h)
    assert s.status_code == 201, s.text
    demo_client.post(f"/sessions/{s.json()['id']}/turns", json={"text": "您好。"}, headers=h)
    done = demo_client.post(f"/sessions/{s.json()['id']}/finish", headers=h).json()
    intro = next(c for c in done["result"]["criteria"] if c["criterion"] == "introduces_new_owner")
    assert intro["grade"] == "poor" and "赵磊" in intro["better"]  # the handover's predecessor, by name
