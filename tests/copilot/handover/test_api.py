"""The handover API end to end on SQLite and PostgreSQL: map, sessions, turns, finish, results."""

from __future__ import annotations

from fastapi.testclient import TestClient

from copilot.clock import pinned

GOOD = [
    "王总您好,我是接替同事的新负责人,以后由我负责。",
    "您现在最关心哪些问题?",
    "备件48小时到货我们保证做到,12月1日前落实。",
    "决策流程上还有哪些人参与?",
    "我们下周三上门拜访,可以吗?",
]


def test_map_lists_people_conflict_promises_with_evidence(
    any_client: TestClient, any_org, any_seeded
) -> None:  # type: ignore[no-untyped-def]
    r = any_client.get("/handover/HX-1/map", headers=any_org.headers("east.rep"))
    assert r.status_code == 200, r.text
    m = r.json()
    assert set(m) >= {"people", "conflicts", "promises", "opportunities"}
    names = {p["name"]: p for p in m["people"]}
    assert set(names) == {
        "王建国",
        "李芳",
        "陈志远",
        "孙涛",
    }  # our own user east.rep is not a customer person
    assert names["孙涛"]["never_met"] and names["孙涛"]["new_arrival"]
    assert names["王建国"]["role"] == "decision_maker"
    assert [c["resolved"] for c in m["conflicts"]] == [False]
    statuses = {p["text"]: p["status"] for p in m["promises"]}
    assert statuses["我们承诺免费上门培训,两周内完成。"] == "kept"
    assert statuses["我们承诺今后备件48小时到货。"] in ("open", "overdue")
    for section in ("people", "conflicts", "promises", "opportunities"):
        assert all(entry["evidence"] for entry in m[section]), section


def test_unknown_customer_says_did_you_mean(any_client: TestClient, any_org, any_seeded) -> None:  # type: ignore[no-untyped-def]
    r = any_client.get("/handover/苏州精功机械/map", headers=any_org.headers("admin"))
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["details"]["did_you_mean"] == ["苏州精工机械有限公司"]
    assert "did you mean" in error["message"]


def test_customer_without_history_says_what_is_missing(client: TestClient, small_org) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("admin")
    c = client.post("/customers", json={"name": "空白客户有限公司"}, headers=h).json()
    m = client.get(f"/handover/{c['id']}/map", headers=h).json()
    assert m["people"] == [] and any("no contacts" in x for x in m["missing"])
    assert any("no activities" in x for x in m["missing"])
    r = client.post(f"/handover/{c['id']}/sessions", json={"scenario": "introduce"}, headers=h)
    assert r.status_code == 422 and "no people" in r.json()["error"]["message"]


def test_practice_session_scored_and_kept(any_client: TestClient, any_org, any_seeded) -> None:  # type: ignore[no-untyped-def]
    h = any_org.headers("east.rep")
    r = any_client.post(f"/handover/{any_seeded}/sessions", json={"scenario": "introduce"}, headers=h)
    assert r.status_code == 201, r.text
    session = r.json()
    assert session["persona"]["name"] == "王建国" and session["turns"][0]["speaker"] == "customer"
    replies = []
    for text in GOOD:
        t = any_client.post(f"/sessions/{session['id']}/turns", json={"text": text}, headers=h)
        assert t.status_code == 200, t.text
        replies.append(t.json()["reply"])
    assert "continuity" in replies[0]["addressed"]
    with pinned(__import__("datetime").datetime(2026, 11, 24, tzinfo=__import__("datetime").UTC)):
        done = any_client.post(f"/sessions/{session['id']}/finish", headers=h).json()
    assert done["status"] == "finished" and done["passed"] is True and done["score"] >= 70
    grades = {c["criterion"]: c for c in done["result"]["criteria"]}
    assert (
        grades["introduces_new_owner"]["grade"] == "good"
        and grades["introduces_new_owner"]["quote"] == GOOD[0]
    )
    # a second, poor attempt is kept beside the first, and progress shows both
    second = any_client.post(
        f"/handover/{any_seeded}/sessions", json={"scenario": "introduce"}, headers=h
    ).json()
    assert second["attempt"] == 2
    any_client.post(f"/sessions/{second['id']}/turns", json={"text": "您好,我们的产品很好。"}, headers=h)
    poor = any_client.post(f"/sessions/{second['id']}/finish", headers=h).json()
    assert poor["passed"] is False and poor["score"] < done["score"]
    progress = any_client.get("/handover/results", headers=h).json()["progress"]
    assert progress[0]["scores"] == [done["score"], poor["score"]]
    # the manager of the department sees the team's results; a rep of another team does not
    team = any_client.get("/handover/results", headers=any_org.headers("east.manager")).json()
    assert len(team["attempts"]) == 2
    assert any_client.get("/handover/results", headers=any_org.headers("na.rep")).json()["attempts"] == []
    assert any_client.get(f"/sessions/{session['id']}", headers=any_org.headers("east.rep2")).status_code in (
        403,
        404,
    )


def test_bad_turns_are_clear_errors_not_crashes(client: TestClient, small_org, seeded) -> None:  # type: ignore[no-untyped-def]
    h = small_org.headers("east.rep")
    s = client.post(f"/handover/{seeded}/sessions", json={"scenario": "repair_conflict"}, headers=h).json()
    empty = client.post(f"/sessions/{s['id']}/turns", json={"text": "   "}, headers=h)
    assert empty.status_code == 422 and empty.json()["error"]["details"]["field"] == "text"
    long = client.post(f"/sessions/{s['id']}/turns", json={"text": "我们公司很好。" * 1428 + "好"}, headers=h)
    assert long.status_code == 200  # 9,997 characters: accepted, the persona objects to the monologue
    assert "monologue" in " ".join(long.json()["reply"]["reactions"])
    too_long = client.post(f"/sessions/{s['id']}/turns", json={"text": "好" * 10_001}, headers=h)
    assert too_long.status_code == 422 and too_long.json()["error"]["details"]["field"] == "text"
    bad = client.post(f"/handover/{seeded}/sessions", json={"scenario": "negotiate"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "scenario"


def test_prepare_reassigns_with_audit(any_client: TestClient, any_org, any_seeded) -> None:  # type: ignore[no-untyped-def]
    r = any_client.post(
        "/handover/HX-1/prepare", json={"to": "east.rep2"}, headers=any_org.headers("east.manager")
    )
    assert r.status_code == 200, r.text
    assert r.json()["moved"] == {"customer": 1, "opportunities": 1, "leads": 0}
    assert (
        any_client.post(
            "/handover/HX-1/prepare", json={"to": "east.rep"}, headers=any_org.headers("east.rep2")
        ).status_code
        == 403
    )
    customer = any_client.get(f"/customers/{any_seeded}", headers=any_org.headers("east.rep2")).json()
    assert customer["owner_id"] == any_org.ids["east.rep2"]
