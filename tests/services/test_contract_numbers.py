from __future__ import annotations

import re

import pytest

from services import contract_numbers as n

PAY = [re.compile(r"付款|支付|付清|结算|pay|net", re.I)]
OVERDUE = [re.compile(r"逾期|overdue", re.I)]


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        ("甲方在收到发票后一百二十日内支付货款。", 120),
        ("货款结算方式为月结90天+票到60天。", 150),
        ("月结60天加票到45天结算。", 105),
        ("验收合格后30日内付款。", 30),
        ("甲方应于六个月内付清全部款项。", 180),
        ("甲方应在45个工作日内支付。", 63),
        ("The Customer shall pay within one hundred and twenty (120) days of receipt.", 120),
        ("Payment terms are net 150 days.", 150),
        ("The Customer shall pay within ninety days of invoice.", 90),
    ],
)
def test_payment_days(sentence: str, days: float) -> None:
    fig = n.payment_days(sentence, context=PAY, segment_unless=OVERDUE)
    assert fig is not None and fig.value == pytest.approx(days)


def test_payment_days_ignores_overdue_and_delivery_periods() -> None:
    assert (
        n.payment_days("甲方逾期付款超过120日的，乙方有权解除合同。", context=PAY, segment_unless=OVERDUE)
        is None
    )
    fig = n.payment_days(
        "乙方应在收到订单后120天内交货，甲方于验收后30日内付款。", context=PAY, segment_unless=OVERDUE
    )
    assert fig is not None and fig.value == 30


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("乙方逾期交货的，违约金按日万分之五计算，且累计不超过合同总额5%。", 5),
        ("乙方每逾期一日按合同总价的千分之五支付违约金。", float("inf")),
        ("乙方每逾期一日按千分之三支付违约金，违约金累计不超过合同总价的30%。", 30),
        ("乙方应向甲方支付合同总额20%的违约金。", 20),
        (
            "the Supplier shall pay liquidated damages of 0.5% of the Contract Price for each day of delay.",
            float("inf"),
        ),
        ("liquidated damages of 1% per week, up to a maximum of 25% of the Contract Price.", 25),
    ],
)
def test_penalty(sentence: str, value: float) -> None:
    fig = n.penalty(sentence, sentence)
    assert fig is not None and fig.value == value


def test_warranty_and_notice() -> None:
    ctx = [re.compile(r"质保|warrant", re.I)]
    assert n.warranty_months("设备质保期为五年。", segment_unless=[], context=ctx).value == 60
    assert (
        n.warranty_months(
            "质保期为12个月，质保期满后30日内退还质保金。", segment_unless=[], context=ctx
        ).value
        == 12
    )
    assert (
        n.warranty_months("warranty for a period of sixty (60) months", segment_unless=[], context=ctx).value
        == 60
    )
    assert n.notice_days("期满后自动续期一年，除非一方在期满前7日书面通知。", "").value == 7
    assert (
        n.notice_days("renew unless either party gives at least sixty (60) days written notice", "").value
        == 60
    )
    assert n.notice_days("期满后自动续期一年。", "") is None


def test_normalise_numbers() -> None:
    assert n.normalise_numbers("一百二十日") == "120日"
    assert n.normalise_numbers("百分之五") == "5%"
    assert n.normalise_numbers("千分之五") == "千分之5"
    assert n.normalise_numbers("thirty (30) days").strip() == "30 days"
