"""Value extractors: amounts in Chinese and English words, deadlines resolved against a date."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.values import find_dates, find_money, find_people, parse_zh_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("五十", 50),
        ("一百二十万", 1_200_000),
        ("1.5亿", 150_000_000),
        ("1.5个亿", 150_000_000),
        ("两千五百", 2500),
        ("一点五亿", 150_000_000),
        ("80万", 800_000),
        ("3千万", 30_000_000),
        ("十万", 100_000),
    ],
)
def test_parse_zh_number(text: str, expected: float) -> None:
    assert parse_zh_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sentence", "amount", "currency"),
    [
        ("预算大概五十万，希望尽快上线", 500_000, "CNY"),
        ("项目预算1.5个亿，分三期", 150_000_000, "CNY"),
        ("预算两千万美元", 20_000_000, "USD"),
        ("They have a budget of about two point five million yuan.", 2_500_000, "CNY"),
        ("about four hundred thousand dollars", 400_000, "USD"),
        ("They set aside three hundred and fifty thousand RMB.", 350_000, "CNY"),
        ("Budget is $1.2 million for phase one.", 1_200_000, "USD"),
        ("Budget is around 800k.", 800_000, "CNY"),
    ],
)
def test_find_money(sentence: str, amount: float, currency: str) -> None:
    found = find_money(sentence, "zh" if "预算" in sentence else "en")
    assert found, sentence
    assert found[0].value["amount"] == pytest.approx(amount)
    assert found[0].value["currency"] == currency
    assert sentence[found[0].start : found[0].end].strip() == found[0].value["text"]


def test_bare_numbers_are_not_money() -> None:
    assert find_money("They had three shutdowns and ninety one percent yield.", "en") == []
    assert find_money("去年停了三次", "zh") == []
    assert find_money("I think so, I'm sure.", "en") == []


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


def test_find_people() -> None:
    names = [f.value["name"] for f in find_people("由厂长赵总拍板，采购部的刘经理负责", "zh")]
    assert names == ["赵总", "刘经理"]
    assert (
        find_people("The person who makes the final call is Mister Liu.", "en")[0].value["surname"] == "Liu"
    )
