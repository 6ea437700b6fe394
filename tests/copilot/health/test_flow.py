"""The lead flow on the hand-counted world (conftest.py) since 2026-11-01."""

from __future__ import annotations

from copilot.auth import system_caller
from copilot.health import sources
from copilot.health.flow import drop_leads, lead_flow
from copilot.health.window import since


def test_flow_counts_and_drops(any_context, any_world) -> None:
    with any_context.db.read() as session:
        start = since("2026-11-01", any_context.settings.zone)
        flow = lead_flow(session, system_caller(), any_context.settings, start)
        have_traces = sources.trace_table(session)[0] is not None
    steps = {s["step"]: s for s in flow["steps"]}
    # received: 12 November leads (OCT arrived 2026-10-30)
    assert steps["received"]["count"] == 12
    # validated drops: M2 test e-mail, M3 placeholder, M4 invalid phone, M7 no phone
    assert steps["validated"]["count"] == 8
    reasons = {d["reason"]: d["count"] for d in steps["validated"]["drops"]}
    assert sum(reasons.values()) == 4 and reasons["测试邮箱 test e-mail address"] == 1
    # graded: W4 has no grade
    assert steps["graded"]["count"] == 7
    # routed: every remaining lead has an owner (no routing decisions stored in this world)
    assert steps["routed"]["count"] == 7
    # visible: M8's owner ghost.rep is inactive
    assert steps["visible"]["count"] == 6
    assert steps["visible"]["drops"][0]["reason"] == "owner ghost.rep is inactive"
    # first contact: W1, W2, M1, M5 contacted; W3 and M6 not (both past the 24 h SLA)
    assert steps["first_contact"]["count"] == 4
    assert steps["first_contact"]["drops"][0]["count"] == 2
    if not have_traces:
        assert flow["notes"] and "not available" in flow["notes"][0]


def test_drop_drills_to_its_leads(context, world) -> None:
    with context.db.read() as session:
        start = since("2026-11-01", context.settings.zone)
        flow = lead_flow(session, system_caller(), context.settings, start)
        drop = next(s for s in flow["steps"] if s["step"] == "visible")["drops"][0]
        leads = drop_leads(session, system_caller(), context.settings, start, "visible", drop["reason"])
    assert leads["total"] == drop["count"] == 1
    assert leads["leads"][0]["external_id"] == "T-M8" and leads["leads"][0]["trace"].endswith("/trace")
