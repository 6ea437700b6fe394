"""Deadlines resolved against the recording date, in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.deadlines import find_dates

REF = date(2026, 11, 24)  # a Tuesday in Q4


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("希望下个季度末之前完成改造", "2027-03-31"),
        ("预计明年三月前定下来", "2027-03-31"),
        ("今年年底前要上线", "2026-12-31"),
        ("必须一月中旬前完成安装", "2027-01-20"),
        ("下个月底就要投产", "2026-12-31"),
        ("我下周三前把方案发给王总", "2026-12-02"),
        ("三个月内看效果", "2027-02-24"),
        ("明年一季度末之前要完成采购", "2027-03-31"),
        ("They want the new line running by the end of next quarter.", "2027-03-31"),
        ("They want the machines on the floor by March next year.", "2027-03-31"),
        ("Decision in January, I think.", "2027-01-31"),
        ("They need it operational within six months.", "2027-05-24"),
        ("They want to go live in the second quarter of next year.", "2027-06-30"),
        ("I will send it by Friday.", "2026-11-27"),
        ("We meet next Tuesday.", "2026-12-01"),
        ("Installed by the end of the year.", "2026-12-31"),
        ("They plan to decide by the end of next month.", "2026-12-31"),
    ],
)
def test_find_dates(sentence: str, expected: str) -> None:
    found = find_dates(sentence, REF, "en")
    assert found, sentence
    assert found[0].value["date"] == expected


def test_may_the_verb_is_not_a_month() -> None:
    assert find_dates("They may decide later.", REF, "en") == []
