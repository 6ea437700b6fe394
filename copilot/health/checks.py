"""The five checks of the weekly inspection and the forecast-vs-confirmed gap.

Each function takes a session, the caller (visibility is theirs), the week's window and its
thresholds, and returns a `Check` whose figure is computed from the rows it lists. Stage figures
come from `copilot.stages` (not recomputed here); routing failures from the assignment traces;
duplicates from the dedup scan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot import auth
from copilot.db.schema import (
    DepartmentRow,
    LeadRow,
    MarketingLeadRow,
    OpportunityRow,
    StagePaymentRow,
    UserRow,
)
from copilot.dedup.normalise import normalise_email, normalise_phone
from copilot.health import sources
from copilot.health.models import Check
from copilot.health.window import Window
from copilot.stages import health as stage_health
from copilot.stages.forecast import forecast

ROW_CAP = 200  # rows embedded in the report per check; the drill-down route serves them all


def _grade(value: float, ok: float, warn: float, *, higher_is_better: bool) -> str:
    if higher_is_better:
        return "ok" if value >= ok else "warn" if value >= warn else "fail"
    return "ok" if value <= ok else "warn" if value <= warn else "fail"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _cap(check: Check, rows: list[dict[str, Any]], limit: int | None) -> Check:
    check.rows_total = len(rows)
    check.rows = rows if limit is None else rows[:limit]
    return check


def _logins(session: Session) -> dict[int, tuple[str, bool]]:
    return {
        u.id: (u.login, u.active) for u in session.execute(select(UserRow.id, UserRow.login, UserRow.active))
    }


# --- 1. lead latency ---------------------------------------------------------------------------


def lead_latency(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Arrival -> owner notified (assigned_at) for the week's new leads; never-notified leads miss."""
    target = float(limits["target_seconds"])
    rows = session.execute(
        select(
            LeadRow.id,
            LeadRow.external_id,
            LeadRow.company,
            LeadRow.source,
            LeadRow.created_at,
            LeadRow.assigned_at,
            LeadRow.first_contact_at,
            LeadRow.owner_id,
        ).where(LeadRow.created_at >= window.start, LeadRow.created_at < window.end, auth.lead_scope(caller))
    ).all()
    logins = _logins(session)
    latencies: list[float] = []
    contact_hours: list[float] = []
    misses: list[dict[str, Any]] = []
    for r in rows:
        seconds = (r.assigned_at - r.created_at).total_seconds() if r.assigned_at else None
        if seconds is not None:
            latencies.append(max(seconds, 0.0))
        if r.first_contact_at:
            contact_hours.append((r.first_contact_at - r.created_at).total_seconds() / 3600)
        if seconds is None or seconds > target:
            misses.append(
                {
                    "lead_id": r.id,
                    "external_id": r.external_id,
                    "company": r.company,
                    "source": r.source,
                    "created_at": _iso(r.created_at),
                    "assigned_at": _iso(r.assigned_at),
                    "seconds_to_owner": None if seconds is None else round(seconds, 1),
                    "owner": logins.get(r.owner_id, (None,))[0] if r.owner_id else None,
                    "why": "never notified: no owner assigned"
                    if seconds is None
                    else f"{seconds:.0f}s > {target:.0f}s",
                }
            )
    misses.sort(key=lambda m: (m["seconds_to_owner"] is not None, -(m["seconds_to_owner"] or 0)))
    total = len(rows)
    within = total - len(misses)
    latencies.sort()
    contact_hours.sort()
    details = {
        "leads": total,
        "within_target": within,
        "never_notified": sum(1 for m in misses if m["seconds_to_owner"] is None),
        "median_seconds_to_owner": _quantile(latencies, 0.5),
        "p90_seconds_to_owner": _quantile(latencies, 0.9),
        "median_hours_to_first_contact": _quantile(contact_hours, 0.5),
        "first_contacted": len(contact_hours),
    }
    if total == 0:
        return Check(
            id="lead_latency",
            title="线索响应时效 Lead latency",
            status="warn",
            figure=0.0,
            unit="leads",
            display="0 leads",
            threshold=limits,
            summary=f"no lead arrived in {window.label}: nothing to measure",
            reasons=["no new leads this week"],
            details=details,
        )
    share = within / total
    status = _grade(share, limits["ok_share"], limits["warn_share"], higher_is_better=True)
    reasons = []
    if status != "ok":
        reasons.append(
            f"{len(misses)} of {total} leads not with an owner within {target:.0f}s "
            f"({details['never_notified']} never assigned)"
        )
    check = Check(
        id="lead_latency",
        title="线索响应时效 Lead latency",
        status=status,  # type: ignore[arg-type]
        figure=round(share, 4),
        unit="share",
        display=_pct(share),
        threshold=limits,
        summary=f"{within} of {total} new leads reached their owner within {target:.0f}s "
        f"(target ≥ {_pct(limits['ok_share'])})",
        reasons=reasons,
        details=details,
    )
    return _cap(check, misses, limit)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return round(values[index], 2)


# --- 2. assignment failures --------------------------------------------------------------------


def inactive_members(session: Session) -> list[dict[str, Any]]:
    """Inactive users still placed in a department or named in the published rule set's teams."""
    rows = []
    departments = dict(session.execute(select(DepartmentRow.id, DepartmentRow.name)).all())
    teams = _published_teams(session)
    for u in session.scalars(select(UserRow).where(UserRow.active.is_(False))):
        places = []
        if u.department_id is not None:
            places.append(f"department {departments.get(u.department_id, u.department_id)}")
        places += [f"rule team {name}" for name, members in teams.items() if u.login in members]
        if places:
            rows.append(
                {
                    "kind": "inactive_member",
                    "user_id": u.id,
                    "login": u.login,
                    "name": u.name,
                    "deactivated_at": _iso(u.deactivated_at),
                    "still_in": places,
                    "reason": f"inactive owner {u.login} still in " + ", ".join(places),
                }
            )
    return rows


def _published_teams(session: Session) -> dict[str, list[str]]:
    try:
        from copilot.db.schema.assignment import RuleVersionRow  # type: ignore[import-not-found]
    except ImportError:
        return {}
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table(RuleVersionRow.__tablename__):
        return {}
    body = session.scalar(select(RuleVersionRow.body).where(RuleVersionRow.status == "published"))
    teams = (body or {}).get("teams") or {}
    return {str(k): [str(m) for m in (v or [])] for k, v in teams.items() if isinstance(v, list)}


def trace_reason(outcome: str, steps: dict[str, Any]) -> str:
    """One reason line for a routing decision that was not a plain assignment."""
    fallback = steps.get("fallback") or {}
    reason = fallback.get("reason") or steps.get("summary") or outcome
    if outcome == "unassigned":
        result = fallback.get("result")
        return f"unassigned: {reason}" + (f" ({result})" if result else "")
    if outcome == "fallback":
        return f"fallback used: {reason}"
    return f"{outcome}: {reason}"


def routing_decisions(
    session: Session, caller: auth.Caller, window: Window
) -> tuple[list[Any] | None, str | None]:
    """(lead_id, outcome, rule_id, steps, at, owner_id) of each decision in the window, or why not."""
    trace, why = sources.trace_table(session)
    if trace is None:
        return None, why
    rows = session.execute(
        select(trace.lead_id, trace.outcome, trace.rule_id, trace.steps, trace.at, trace.owner_id, trace.mode)
        .join(LeadRow, LeadRow.id == trace.lead_id)
        .where(trace.at >= window.start, trace.at < window.end, auth.lead_scope(caller))
        .order_by(trace.at, trace.id)
    ).all()
    return list(rows), None


def assignment_failures(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Unassigned and fallback decisions of the week, top 10 reasons, plus inactive team members."""
    members = inactive_members(session)
    decisions, why = routing_decisions(session, caller, window)
    title = "分配失败 Assignment failures"
    member_reasons = [m["reason"] for m in members]
    fail_on_members = bool(limits.get("inactive_member_fails", True)) and bool(members)
    if decisions is None:
        return _cap(
            Check(
                id="assignment",
                title=title,
                status="fail" if fail_on_members else "n/a",
                figure=None,
                unit="failure rate",
                display=f"not available: {why}",
                threshold=limits,
                summary=f"not available: {why}; inactive members checked from the organisation",
                reasons=member_reasons,
                details={"inactive_members": members, "top_reasons": []},
                available=False,
            ),
            members,
            limit,
        )
    logins = _logins(session)
    failures: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    for d in decisions:
        owner_inactive = d.owner_id is not None and not logins.get(d.owner_id, ("", True))[1]
        if d.outcome in ("unassigned", "fallback") or owner_inactive:
            reason = (
                trace_reason(d.outcome, d.steps or {})
                if d.outcome in ("unassigned", "fallback")
                else f"inactive owner: {logins[d.owner_id][0]}"
            )
            reasons[reason] += 1
            failures.append(
                {
                    "kind": "decision",
                    "lead_id": d.lead_id,
                    "outcome": d.outcome,
                    "rule_id": d.rule_id,
                    "mode": d.mode,
                    "at": _iso(d.at),
                    "reason": reason,
                    "trace": f"/leads/{d.lead_id}/trace",
                }
            )
    total = len(decisions)
    rate = len(failures) / total if total else 0.0
    status = _grade(rate, limits["ok_failure_rate"], limits["warn_failure_rate"], higher_is_better=False)
    if fail_on_members:
        status = "fail"
    top = [{"reason": r, "leads": n} for r, n in reasons.most_common(10)]
    why_not_ok = [f"{t['leads']} × {t['reason']}" for t in top[:3]] + member_reasons
    check = Check(
        id="assignment",
        title=title,
        status=status,  # type: ignore[arg-type]
        figure=round(rate, 4),
        unit="failure rate",
        display=_pct(rate),
        threshold=limits,
        summary=f"{len(failures)} of {total} routing decisions in {window.label} failed or fell back; "
        f"{len(members)} inactive rep(s) still placed in a team",
        reasons=why_not_ok if status != "ok" else [],
        details={
            "decisions": total,
            "failures": len(failures),
            "top_reasons": top,
            "inactive_members": members,
        },
    )
    return _cap(check, members + failures, limit)


# --- 3. duplicate health -----------------------------------------------------------------------


def duplicates(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Duplicate rate of the customers the caller sees (dedup scan), and the worst clusters."""
    scan, why = sources.dedup_scanner()
    title = "客户重复率 Duplicate health"
    if scan is None:
        return Check(
            id="duplicates",
            title=title,
            status="n/a",
            figure=None,
            unit="rate",
            display=f"not available: {why}",
            threshold=limits,
            summary=f"not available: {why}",
            available=False,
        )
    report = scan(session, caller, "customers")
    rate = float(report["duplicate_rate"])
    clusters = sorted(report["clusters"], key=lambda c: (-len(c["members"]), c["score"]))
    rows = [
        {
            "cluster": i + 1,
            "size": len(c["members"]),
            "score": c["score"],
            "auto_merge": c.get("auto_merge"),
            "customer_ids": [m["id"] for m in c["members"]],
            "names": [m.get("name") for m in c["members"]],
            "reason": (c.get("pairs") or [{}])[0].get("reason"),
        }
        for i, c in enumerate(clusters)
    ]
    status = _grade(rate, limits["ok_rate"], limits["warn_rate"], higher_is_better=False)
    worst = rows[: int(limits.get("worst_clusters", 10))]
    check = Check(
        id="duplicates",
        title=title,
        status=status,  # type: ignore[arg-type]
        figure=round(rate, 5),
        unit="rate",
        display=_pct(rate),
        threshold=limits,
        summary=f"{report['duplicate_records']} redundant of {report['records']} customers "
        f"({_pct(rate)}; target < {_pct(limits['ok_rate'])}) in {len(rows)} clusters",
        reasons=[f"largest cluster: {len(worst[0]['customer_ids'])} × {worst[0]['names'][0]}"]
        if worst and status != "ok"
        else [],
        details={
            "records": report["records"],
            "duplicate_records": report["duplicate_records"],
            "clusters": len(rows),
            "worst": worst,
        },
    )
    return _cap(check, rows, limit)


# --- 4. stage heat map and stuck ---------------------------------------------------------------


def stages(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Stuck share of open opportunities and the heat maps, from `copilot.stages.health`."""
    report = stage_health.stage_health(session, caller, dimension="rep")
    heat = {
        "rep": report.heat_map.model_dump(mode="json"),
        "department": stage_health.heat_map(session, caller, dimension="department").model_dump(mode="json"),
        "product": stage_health.heat_map(session, caller, dimension="product").model_dump(mode="json"),
    }
    share = len(report.stuck) / report.open_total if report.open_total else 0.0
    status = _grade(share, limits["ok_stuck_share"], limits["warn_stuck_share"], higher_is_better=False)
    by_stage = Counter(s.stage for s in report.stuck)
    rows = [
        {
            "opportunity_id": s.id,
            "external_id": s.external_id,
            "name": s.name,
            "stage": s.stage,
            "days_in_stage": round(s.days_in_stage, 1),
            "over_by_days": round(s.over_by_days, 1),
            "owner": s.owner,
            "department": s.department,
            "amount": s.amount,
            "frozen": s.frozen,
        }
        for s in sorted(report.stuck, key=lambda s: -s.over_by_days)
    ]
    check = Check(
        id="stages",
        title="阶段停留 Stage heat map and stuck deals",
        status=status,  # type: ignore[arg-type]
        figure=round(share, 4),
        unit="stuck share",
        display=_pct(share),
        threshold=limits,
        summary=f"{len(report.stuck)} of {report.open_total} open opportunities past their stage timeout "
        f"({report.threshold})",
        reasons=[f"{n} stuck in {stage}" for stage, n in by_stage.most_common(3)] if status != "ok" else [],
        details={
            "stuck": len(report.stuck),
            "open_total": report.open_total,
            "by_stage": dict(by_stage),
            "heat_map": heat,
        },
    )
    return _cap(check, rows, limit)


# --- 5. source consistency ---------------------------------------------------------------------


def _match_keys(external_id: str | None, phone: str | None, email: str | None) -> list[str]:
    keys = []
    if external_id:
        keys.append(f"id:{external_id}")
    if phone and normalise_phone(phone):
        keys.append(f"phone:{normalise_phone(phone)}")
    if email and normalise_email(email):
        keys.append(f"email:{normalise_email(email)}")
    return keys


def source_consistency(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Leads per utm source here against marketing's imported export for the same week."""
    title = "来源一致性 Source consistency"
    theirs = session.execute(
        select(
            MarketingLeadRow.id,
            MarketingLeadRow.line,
            MarketingLeadRow.batch,
            MarketingLeadRow.external_id,
            MarketingLeadRow.utm_source,
            MarketingLeadRow.company,
            MarketingLeadRow.phone,
            MarketingLeadRow.email,
            MarketingLeadRow.received_at,
        ).where(MarketingLeadRow.received_at >= window.start, MarketingLeadRow.received_at < window.end)
    ).all()
    if not theirs:
        why = f"no marketing export covers {window.label}: run `copilot import marketing-leads FILE`"
        return Check(
            id="source_consistency",
            title=title,
            status="n/a",
            figure=None,
            unit="max deviation",
            display=f"not available: {why}",
            threshold=limits,
            summary=f"not available: {why}",
            available=False,
        )
    ours = session.execute(
        select(
            LeadRow.id,
            LeadRow.external_id,
            LeadRow.utm_source,
            LeadRow.company,
            LeadRow.phone,
            LeadRow.email,
            LeadRow.created_at,
        ).where(LeadRow.created_at >= window.start, LeadRow.created_at < window.end, auth.lead_scope(caller))
    ).all()
    index: dict[str, int] = {}
    for lead in ours:
        for key in _match_keys(lead.external_id, lead.phone, lead.email):
            index.setdefault(key, lead.id)
    matched_leads: set[int] = set()
    per_source: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"ours": 0, "theirs": 0, "unmatched_theirs": [], "unmatched_ours": []}
    )
    for lead in ours:
        per_source[lead.utm_source or "(none)"]["ours"] += 1
    for row in theirs:
        entry = per_source[row.utm_source or "(none)"]
        entry["theirs"] += 1
        hit = next(
            (
                index[k]
                for k in _match_keys(row.external_id, row.phone, row.email)
                if k in index and index[k] not in matched_leads
            ),
            None,
        )
        if hit is None:
            entry["unmatched_theirs"].append(
                {
                    "side": "marketing",
                    "marketing_row": row.id,
                    "batch": row.batch,
                    "line": row.line,
                    "external_id": row.external_id,
                    "utm_source": row.utm_source,
                    "company": row.company,
                    "phone": row.phone,
                    "email": row.email,
                    "received_at": _iso(row.received_at),
                    "reason": "in marketing's export, no lead here with the same id, phone or e-mail",
                }
            )
        else:
            matched_leads.add(hit)
    for lead in ours:
        if lead.id not in matched_leads:
            per_source[lead.utm_source or "(none)"]["unmatched_ours"].append(
                {
                    "side": "crm",
                    "lead_id": lead.id,
                    "external_id": lead.external_id,
                    "utm_source": lead.utm_source,
                    "company": lead.company,
                    "phone": lead.phone,
                    "email": lead.email,
                    "received_at": _iso(lead.created_at),
                    "reason": "a lead here that marketing's export does not list",
                }
            )
    table = []
    rows: list[dict[str, Any]] = []
    max_dev = 0.0
    for source, e in sorted(per_source.items(), key=lambda kv: -kv[1]["theirs"]):
        deviation = (e["ours"] - e["theirs"]) / e["theirs"] if e["theirs"] else (1.0 if e["ours"] else 0.0)
        flagged = abs(deviation) > limits["max_deviation"]
        max_dev = max(max_dev, abs(deviation))
        table.append(
            {
                "utm_source": source,
                "crm": e["ours"],
                "marketing": e["theirs"],
                "deviation": round(deviation, 4),
                "flagged": flagged,
                "unmatched_marketing": len(e["unmatched_theirs"]),
                "unmatched_crm": len(e["unmatched_ours"]),
            }
        )
        if flagged:
            rows += e["unmatched_theirs"] + e["unmatched_ours"]
    flagged_sources = [t for t in table if t["flagged"]]
    status = "fail" if flagged_sources else "ok"
    check = Check(
        id="source_consistency",
        title=title,
        status=status,
        figure=round(max_dev, 4),
        unit="max deviation",
        display=_pct(max_dev),
        threshold=limits,
        summary=f"{len(ours)} leads here vs {len(theirs)} in marketing's export; "
        f"{len(flagged_sources)} source(s) deviate by more than {_pct(limits['max_deviation'])}",
        reasons=[
            f"{t['utm_source']}: {t['crm']} here vs {t['marketing']} marketing ({t['deviation'] * 100:+.1f}%)"
            for t in flagged_sources
        ],
        details={"by_source": table, "crm_total": len(ours), "marketing_total": len(theirs)},
    )
    return _cap(check, rows, limit)


# --- forecast vs confirmed ---------------------------------------------------------------------


def forecast_gap(
    session: Session, caller: auth.Caller, window: Window, limits: dict[str, Any], limit: int | None = ROW_CAP
) -> Check:
    """Marked won vs confirmed by payment evidence (copilot.stages.forecast), and by rep."""
    f = forecast(session, caller)
    gap = f.won_claimed_amount - f.confirmed_revenue
    share = gap / f.won_claimed_amount if f.won_claimed_amount else 0.0
    logins = _logins(session)
    claimed: dict[Any, float] = defaultdict(float)
    confirmed: dict[Any, float] = defaultdict(float)
    unconfirmed: dict[Any, list[int]] = defaultdict(list)
    unconfirmed_ids = set(f.won_unconfirmed_ids)
    scope = auth.opportunity_scope(caller)
    for opp_id, owner_id, amount in session.execute(
        select(OpportunityRow.id, OpportunityRow.owner_id, OpportunityRow.amount).where(
            OpportunityRow.status == "won", scope
        )
    ):
        claimed[owner_id] += amount or 0.0
        if opp_id in unconfirmed_ids:
            unconfirmed[owner_id].append(opp_id)
    for owner_id, amount in session.execute(
        select(OpportunityRow.owner_id, func.sum(StagePaymentRow.amount))
        .join(OpportunityRow, OpportunityRow.id == StagePaymentRow.opportunity_id)
        .where(scope)
        .group_by(OpportunityRow.owner_id)
    ):
        confirmed[owner_id] += amount or 0.0
    rows = sorted(
        (
            {
                "owner": logins.get(owner, (None,))[0] if owner else None,
                "owner_id": owner,
                "won_claimed": round(claimed[owner], 2),
                "confirmed": round(confirmed[owner], 2),
                "gap": round(claimed[owner] - confirmed[owner], 2),
                "unconfirmed_opportunity_ids": sorted(unconfirmed[owner]),
            }
            for owner in set(claimed) | set(confirmed)
        ),
        key=lambda r: -r["gap"],
    )
    status = _grade(share, limits["ok_share"], limits["warn_share"], higher_is_better=False)
    check = Check(
        id="forecast_gap",
        title="签约与回款 Forecast vs confirmed",
        status=status,  # type: ignore[arg-type]
        figure=round(gap, 2),
        unit="CNY",
        display=f"{gap / 10000:,.1f}万",
        threshold=limits,
        summary=f"marked won {f.won_claimed_amount / 10000:,.1f}万, confirmed by payment "
        f"{f.confirmed_revenue / 10000:,.1f}万: gap {gap / 10000:,.1f}万 ({_pct(share)}); "
        f"weighted pipeline {f.weighted_pipeline / 10000:,.1f}万",
        reasons=[f"{f.won_unconfirmed_count} deals marked won without a confirmed payment"]
        if status != "ok"
        else [],
        details={
            "weighted_pipeline": f.weighted_pipeline,
            "won_claimed_amount": f.won_claimed_amount,
            "confirmed_revenue": f.confirmed_revenue,
            "won_unconfirmed_count": f.won_unconfirmed_count,
            "won_unconfirmed_amount": f.won_unconfirmed_amount,
            "gap_share": round(share, 4),
        },
    )
    return _cap(check, rows, limit)


CHECKS = {
    "lead_latency": lead_latency,
    "assignment": assignment_failures,
    "duplicates": duplicates,
    "stages": stages,
    "source_consistency": source_consistency,
    "forecast_gap": forecast_gap,
}
