"""The matching engine and clustering: strong keys, gates, explanations, the chaining guard, rules files."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.dedup.cluster import build_clusters
from copilot.dedup.engine import Prepared, compare, scored_pairs
from copilot.dedup.normalise import make_uscc
from copilot.dedup.rules import default_rules, load_rules_file
from copilot.dedup.scan import scan_records
from copilot.errors import InvalidInput

USCC_A = make_uscc("91440300MA5ABCDE1")
USCC_B = make_uscc("91440300MA5ABCDE2")


def _prepared(*records: dict) -> Prepared:
    prepared = Prepared(default_rules("customers"))
    for i, record in enumerate(records):
        prepared.add({"id": i, **record})
    return prepared


def test_same_uscc_decides_whatever_the_names_say() -> None:
    p = _prepared(
        {"name": "瑞金医院", "uscc": USCC_A}, {"name": "上海交通大学医学院附属瑞金医院", "uscc": USCC_A}
    )
    result = compare(p, 0, 1)
    assert result.is_match and result.score == 1.0 and result.decided_by == "strong_key:uscc"
    assert "strong key" in result.reason()


def test_two_valid_uscc_are_two_entities_even_with_equal_names() -> None:
    p = _prepared(
        {"name": "北京协和医院", "uscc": USCC_A, "city": "北京市"},
        {"name": "北京协和医院", "uscc": USCC_B, "city": "北京市"},
    )
    result = compare(p, 0, 1)
    assert not result.is_match and result.decided_by == "conflict:uscc"
    assert "two entities" in result.reason()


def test_weak_match_is_explained_field_by_field() -> None:
    p = _prepared(
        {
            "name": "上海瑞金医院有限公司",
            "phone": "021-64370045",
            "city": "上海市",
            "address": "上海市黄浦区瑞金二路197号",
        },
        {"name": "瑞金醫院", "phone": "+86 21 6437 0045", "city": "上海", "address": "瑞金二路197号"},
    )
    result = compare(p, 0, 1)
    assert result.is_match and result.score >= 0.85
    fields = {f.field: f for f in result.fields}
    assert fields["name"].left == fields["name"].right == "瑞金医院"
    assert fields["phone"].score == 1.0 and fields["city"].score == 1.0
    assert "agree: name" in result.reason()


def test_shared_phone_alone_never_matches() -> None:
    p = _prepared(
        {"name": "华信科技有限公司", "phone": "021-60000000", "city": "上海市"},
        {"name": "博远物流有限公司", "phone": "021-60000000", "city": "上海市"},
    )
    result = compare(p, 0, 1)
    assert not result.is_match and result.decided_by == "gate:name"


def test_name_alone_is_too_little() -> None:
    p = _prepared({"name": "华信科技有限公司"}, {"name": "华信科技"})
    assert compare(p, 0, 1).decided_by == "too_few_fields"


def test_cluster_guard_refuses_chaining_two_uscc_through_a_lookalike() -> None:
    # B has no uscc and looks like both A and C; A and C carry different valid uscc
    p = _prepared(
        {"name": "华信科技有限公司", "uscc": USCC_A, "city": "深圳市", "phone": "0755-80000001"},
        {"name": "华信科技", "city": "深圳市", "phone": "0755-80000001"},
        {"name": "深圳华信科技有限公司", "uscc": USCC_B, "city": "深圳市", "phone": "0755-80000001"},
    )
    clusters = build_clusters(p, scored_pairs(p))
    assert len(clusters) == 1 and len(clusters[0].members) == 2
    assert clusters[0].guarded, "the refused link is reported"


def test_scan_reports_rate_and_clusters() -> None:
    records = [
        {"id": 1, "name": "瑞金医院", "phone": "021-64370045", "city": "上海市"},
        {"id": 2, "name": "上海瑞金医院有限公司", "phone": "02164370045", "city": "上海市"},
        {"id": 3, "name": "华山医院", "phone": "021-52889999", "city": "上海市"},
        {"id": 4, "name": "北京协和医院", "phone": "010-69156114", "city": "北京市"},
    ]
    result = scan_records(records, default_rules("customers"))
    report = result.report(lambda idx: {i: records[i] for i in idx})
    assert report["duplicate_rate"] == 0.25
    assert [m["id"] for m in report["clusters"][0]["members"]] == [1, 2]
    assert report["clusters"][0]["pairs"][0]["fields"]
    assert report["rules"] == "customers@v1"


def test_blocking_keeps_comparisons_far_from_quadratic() -> None:
    from copilot.dedup.engine import candidate_pairs

    records = [{"id": i, "name": f"公司{i:05d}科技", "city": "上海市"} for i in range(2000)]
    p = Prepared(default_rules("customers"))
    p.extend(records)
    pairs = sum(1 for _ in candidate_pairs(p))
    assert pairs < 2000 * 20  # all pairs would be ~2 million


def test_rules_file_errors_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("id: x\nfields:\n  name: {comparator: telepathy}\nblocking: {exact: [name]}\n")
    with pytest.raises(InvalidInput, match="telepathy"):
        load_rules_file(bad)
    bad.write_text("id: x\nfields:\n  name: {}\nblocking: {exact: [nope]}\n")
    with pytest.raises(InvalidInput, match="nope"):
        load_rules_file(bad)
    with pytest.raises(InvalidInput, match="does not exist"):
        load_rules_file(tmp_path / "missing.yaml")


def test_contacts_rules_merge_li_zong_by_mobile_within_a_customer() -> None:
    p = Prepared(default_rules("contacts"))
    p.add({"id": 1, "customer_id": 7, "name": "李总", "phone": "138 1234 5678"})
    p.add({"id": 2, "customer_id": 7, "name": "李建国", "phone": "+86 13812345678"})
    p.add({"id": 3, "customer_id": 8, "name": "李建国", "phone": "13812345678"})
    assert compare(p, 0, 1).decided_by == "strong_key:mobile"
    assert not compare(p, 1, 2).is_match  # another customer's contact is another person here
