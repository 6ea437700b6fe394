"""Value extractors: amounts in Chinese and English words and digits, titled names."""

from __future__ import annotations

import pytest

from extractors.values import find_money, find_people, parse_zh_number


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


def test_find_people() -> None:
    names = [f.value["name"] for f in find_people("由厂长赵总拍板，采购部的刘经理负责", "zh")]
    assert names == ["赵总", "刘经理"]
    assert (
        find_people("The person who makes the final call is Mister Liu.", "en")[0].value["surname"] == "Liu"
    )
