"""The inspection over HTTP: report, drill-down rows, kept reports, metrics, lead flow."""

from __future__ import annotations


def test_report_and_rows(client, world) -> None:  # type: ignore[no-untyped-def]
    h = world.org.headers("east.manager")
    r = client.get("/inspection/report?week=2026-W47", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    checks = {c["id"]: c for c in body["checks"]}
    assert checks["lead_latency"]["figure"] == 0.6 and checks["stages"]["figure"] == round(2 / 3, 4)
    rows = client.get("/inspection/report/checks/lead_latency/rows?week=2026-W47", headers=h).json()
    assert rows["rows_total"] == 2 and {x["external_id"] for x in rows["rows"]} == {"T-W3", "T-W4"}
    html = client.get("/inspection/report?week=2026-W47&format=html", headers=h)
    assert html.headers["content-type"].startswith("text/html") and "<svg" in html.text
    assert client.get("/health").json()["status"] in ("ok", "degraded")  # liveness untouched


def test_errors_name_the_field(client, world) -> None:  # type: ignore[no-untyped-def]
    h = world.org.headers("east.manager")
    bad = client.get("/inspection/report?week=47", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "week"
    unknown = client.get("/inspection/report/checks/nope/rows", headers=h)
    assert unknown.status_code == 404 and unknown.json()["error"]["details"]["field"] == "check"
    rep = client.get("/inspection/report", headers=world.org.headers("east.rep"))
    assert rep.status_code == 403


def test_metrics_and_flow(client, world) -> None:  # type: ignore[no-untyped-def]
    h = world.org.headers("admin")
    m = client.get("/metrics/new-customers?month=2026-11", headers=h).json()
    assert {d["name"]: d["count"] for d in m["definitions"]} == {
        "new_customer.marketing": 11,
        "new_customer.crm_valid": 3,
        "new_customer.followed_up": 4,
    }
    flow = client.get("/leads/flow?since=2026-11-01", headers=h).json()
    assert [s["count"] for s in flow["steps"]] == [12, 8, 7, 7, 6, 4]
    drop = flow["steps"][4]["drops"][0]
    leads = client.get(drop["drill"], headers=h).json()
    assert leads["total"] == 1 and leads["leads"][0]["external_id"] == "T-M8"
    bad = client.get("/leads/flow/leads?step=nowhere", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "step"


def test_kept_reports_listed(client, world) -> None:  # type: ignore[no-untyped-def]
    h = world.org.headers("admin")
    produced = client.post("/inspection/reports?week=2026-W47", headers=h).json()
    assert produced["mailed"] is False and "not set" in produced["note"]
    listed = client.get("/inspection/reports", headers=h).json()
    assert listed[0]["id"] == produced["report_id"] and listed[0]["trigger"] == "api"
    kept = client.get(f"/inspection/reports/{produced['report_id']}", headers=h).json()
    assert kept["week"] == "2026-W47" and kept["report_id"] == produced["report_id"]
