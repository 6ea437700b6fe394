"""The handover package on the labelled eval accounts and on edge cases (pure engine, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eval.handover.run import NOW, history_of, load_accounts
from services.handover import build_package
from services.handover_models import HActivity, HContact, History
from services.handover_rules import load_rules
from services.handover_text import cn_numerals_to_digits, parse_due

ACCOUNTS, OURS = load_accounts()


@pytest.mark.parametrize("index", range(len(ACCOUNTS)), ids=[a["id"] for a in ACCOUNTS])
def test_labelled_people_conflicts_and_open_promises_are_found(index: int) -> None:
    account = ACCOUNTS[index]
    package = build_package(history_of(account, index, OURS))
    labels = account["labels"]
    assert {p.name for p in package.people} == set(labels["people"])
    for label in labels["conflicts"]:
        hit = [c for c in package.conflicts if label["key"] in c.summary]
        assert hit and hit[0].resolved == label["resolved"], (label, package.conflicts)
    open_texts = [p.text for p in package.promises if p.status != "kept"]
    for key in labels["open_promises"]:
        assert any(key in t for t in open_texts), (key, open_texts)
    for entry in [*package.people, *package.conflicts, *package.promises, *package.opportunities]:
        assert entry.evidence, entry


def _history(**kw) -> History:  # type: ignore[no-untyped-def]
    return History(customer_id=1, customer_name="测试客户", now=NOW, **kw)


def test_our_own_people_are_never_customer_people() -> None:
    h = _history(
        contacts=[HContact(1, "王建国", "总经理")],
        activities=[
            HActivity(
                1,
                "visit",
                NOW - timedelta(days=3),
                "拜访王建国。",
                participants=["王建国", "赵磊", "zhao.lei"],
            )
        ],
        our_people={"赵磊", "zhao.lei"},
    )
    assert [p.name for p in build_package(h).people] == ["王建国"]


def test_people_merge_by_phone_and_name_with_the_dedup_normaliser() -> None:
    h = _history(
        contacts=[
            HContact(1, "李 芳", "采购经理", phone="138-0000-1111"),
            HContact(2, "李芳(采购)", None, phone="+86 13800001111"),
        ],
        activities=[HActivity(1, "call", NOW - timedelta(days=1), "和李芳通电话。", participants=["李芳"])],
    )
    people = build_package(h).people
    assert len(people) == 1 and people[0].contact_id == 1 and people[0].interactions == 1


def test_closeness_gives_reasons_and_never_met_for_new_arrivals() -> None:
    h = _history(
        contacts=[HContact(1, "王建国", "总经理"), HContact(2, "周敏", "财务总监")],
        activities=[
            HActivity(
                i, "call", NOW - timedelta(days=10 * i), "王建国主动来电,很满意,感谢我们。", contact_id=1
            )
            for i in range(1, 5)
        ]
        + [HActivity(9, "note", NOW - timedelta(days=2), "新任采购经理孙涛上周到岗,还没见过。")],
    )
    people = {p.name: p for p in build_package(h).people}
    wang = people["王建国"]
    assert wang.closeness.frequency == 4 and wang.closeness.reciprocity == 4 and wang.closeness.tone > 0
    assert any(r.startswith("recency: last contact 10 days") for r in wang.closeness.reasons)
    assert people["孙涛"].never_met and people["孙涛"].new_arrival and people["孙涛"].closeness.score == 0
    assert people["周敏"].never_met and not people["周敏"].new_arrival
    assert wang.closeness.score > people["周敏"].closeness.score


def test_promise_status_from_later_history() -> None:
    made = NOW - timedelta(days=20)
    h = _history(
        activities=[
            HActivity(
                1,
                "visit",
                made,
                "我们承诺12月30日前提供节能案例报告。我们答应三天内寄送样品。我们会安排一次参观。",
            ),
            HActivity(2, "email", made + timedelta(days=2), "样品已发送,客户已签收。"),
        ]
    )
    promises = {p.text: p for p in build_package(h).promises}
    report = promises["我们承诺12月30日前提供节能案例报告。"]
    assert report.status == "open" and report.due.date().isoformat() == "2026-12-30"
    sample = promises["我们答应三天内寄送样品。"]
    assert sample.status == "kept" and sample.evidence[-1].id == "2"
    visit = promises["我们会安排一次参观。"]
    assert visit.status == "open" and visit.due is None and "no date" in visit.due_reason


def test_overdue_when_the_date_has_passed_and_customer_promises_do_not_count() -> None:
    h = _history(
        activities=[
            HActivity(1, "call", NOW - timedelta(days=30), "我们承诺备件48小时到货。客户承诺月底前付款。"),
        ]
    )
    promises = build_package(h).promises
    assert [p.status for p in promises] == ["overdue"] and "48" in promises[0].text


def test_conflict_follow_ups_merge_and_resolution_is_found() -> None:
    t = NOW - timedelta(days=100)
    h = _history(
        activities=[
            HActivity(1, "delivery", t, "设备延迟交货一周,客户很不满。"),
            HActivity(2, "complaint", t + timedelta(days=5), "客户再次投诉延迟交货,升级到领导。"),
            HActivity(3, "call", t + timedelta(days=20), "补偿方案达成一致,问题解决。"),
            HActivity(4, "note", t + timedelta(days=60), "验收款争议,客户扣款。"),
        ]
    )
    conflicts = build_package(h).conflicts
    assert [(c.kind, c.resolved) for c in conflicts] == [("dispute", False), ("escalation", True)]
    assert len(conflicts[1].evidence) == 3 and conflicts[1].resolution == "补偿方案达成一致,问题解决。"


def test_empty_history_says_what_is_missing() -> None:
    package = build_package(_history())
    assert package.people == [] and package.conflicts == [] and package.promises == []
    assert len(package.missing) == 3 and package.notes


def test_ten_thousand_character_note_does_not_break_the_engine() -> None:
    h = _history(activities=[HActivity(1, "note", NOW, "很长的记录" * 2000 + "我们承诺下周回复。")])
    assert build_package(h).promises[0].due is not None


def test_due_dates_zh_and_en() -> None:
    rules = load_rules()
    at = datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert parse_due("我们承诺两周内完成", at, rules)[0] == at + timedelta(days=14)
    assert parse_due("备件48小时到货", at, rules)[0].date().isoformat() == "2026-11-05"
    assert parse_due("we will send it by Dec 10", at, rules)[0].date().isoformat() == "2026-12-10"
    assert parse_due("月底前发过去", at, rules)[0].date().isoformat() == "2026-11-30"
    assert parse_due("1月5日前提供", at, rules)[0].date().isoformat() == "2027-01-05"
    assert parse_due("尽快提供", at, rules) == (None, "no date in the promise")
    assert cn_numerals_to_digits("二十四小时、十天、两周") == "24小时、10天、2周"
