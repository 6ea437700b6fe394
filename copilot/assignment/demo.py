"""Demo step: the demo organisation's routing history and its current rule set.

The core step inserts the leads before any rule exists (they arrive unowned, in their region's
department pool). This step replays their arrival through the engine, in time order, so the
demo carries a realistic history for the health report:
1. the legacy version (no validation, no fallback; region 'US' and an empty team for Amazon
   leads) routes every lead that arrived before the fix: the first 417 Amazon leads strand;
2. the current version (demo_rules.yaml) is saved, dry-run and published at the fix time; the
   stranded leads are re-routed then (`copilot assign reassign --rule-version` in effect);
3. later leads are routed by the current version on arrival;
4. most owners call their leads (activities -> first contact), a few mark test leads invalid.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from copilot.assignment import dictionaries, routing, service, versions
from copilot.assignment.rules import load_yaml
from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import LeadRow
from copilot.models import ActivityIn
from copilot.records.service import insert_many
from copilot.records.specs import ACTIVITIES

DEFAULTS = Path(__file__).with_name("defaults")
STRANDED = 417  # the seeds' count of Amazon leads that went nowhere
CONTACT_DAYS = 45


def load_assignment(context: AppContext, state: Any) -> dict[str, Any]:
    rng = state.rng
    dictionary = dictionaries.dictionary_path(context.settings)
    legacy_rules = load_yaml((DEFAULTS / "demo_legacy_rules.yaml").read_text("utf-8"))
    current_rules = load_yaml((DEFAULTS / "demo_rules.yaml").read_text("utf-8"))
    with context.db.transaction() as session:
        leads = list(session.scalars(select(LeadRow).order_by(LeadRow.created_at, LeadRow.id)))
        amazon = [lead for lead in leads if lead.source == "amazon_us"]
        fix_at = amazon[min(STRANDED, len(amazon)) - 1].created_at + timedelta(minutes=30)
        legacy = versions.save_draft(
            session, legacy_rules, note="旧版: 上线时未校验, 无兜底", dictionary_path=dictionary
        )
        legacy.status, legacy.published_at, legacy.retired_at = (
            "retired",
            leads[0].created_at - timedelta(days=1),
            fix_at,
        )
        before = [lead for lead in leads if lead.created_at < fix_at]
        after = [lead for lead in leads if lead.created_at >= fix_at]
        routing.route_rows(session, before, version=legacy, mode="arrival", at_arrival=True)
        current = versions.save_draft(
            session,
            current_rules,
            note="修复 region 映射, 增加兜底分配与加权轮询",
            dictionary_path=dictionary,
        )
        versions.simulate_version(session, current, sample=500, dictionary_path=dictionary)
        versions.publish(session, current, dictionary_path=dictionary)
        current.published_at = fix_at
        refreshed = (
            select(LeadRow).order_by(LeadRow.created_at, LeadRow.id).execution_options(populate_existing=True)
        )
        stranded = [
            lead for lead in session.scalars(refreshed) if lead.created_at < fix_at and lead.owner_id is None
        ]
        routing.route_rows(session, stranded, version=current, mode="reassign", at=fix_at)
        routing.route_rows(session, after, version=current, mode="arrival", at_arrival=True)
        leads = list(session.scalars(refreshed))
        contacts = _first_contacts(rng, leads)
        insert_many(session, system_caller(), ACTIVITIES, contacts)
        invalid = 0
        for lead in leads:
            if lead.owner_id and (lead.phone == "13800138000" or (lead.email or "").endswith("@test.com")):
                reason = "号码错误" if lead.phone == "13800138000" else "测试数据"
                service.mark_invalid(session, system_caller(), lead.id, reason)
                invalid += 1
        result = {
            "rule_versions": 2,
            "legacy_version_id": legacy.id,
            "current_version_id": current.id,
            "stranded_then_rerouted": len(stranded),
            "fix_at": fix_at.isoformat(),
            "first_contacts": len(contacts),
            "invalid_marked": invalid,
        }
    state.facts["assignment"] = result
    return result


def _first_contacts(rng: Any, leads: list[LeadRow]) -> list[ActivityIn]:
    """A first call for most recent assigned leads, hours after assignment (some slow, some never)."""
    newest = max(lead.created_at for lead in leads)
    at_most = now()
    items: list[ActivityIn] = []
    for lead in leads:
        if (
            lead.owner_id is None
            or lead.assigned_at is None
            or lead.created_at < newest - timedelta(days=CONTACT_DAYS)
        ):
            continue
        if rng.random() < 0.2:
            continue  # never contacted: the SLA escalation's material
        delay = timedelta(hours=rng.choice([0.5, 1, 2, 3, 6, 12, 20, 30, 48]))
        if lead.assigned_at + delay > at_most:
            continue
        items.append(
            ActivityIn(
                external_id=f"DEMO-LA-{lead.id}",
                lead_id=lead.id,
                kind="call",
                subject="首次电话联系",
                text=f"首次致电 {lead.contact_name or ''} ({lead.company or ''}), 确认需求与预算",
                occurred_at=lead.assigned_at + delay,
                author_id=lead.owner_id,
            )
        )
    return items
