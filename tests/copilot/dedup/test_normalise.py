"""Normalisation: the uscc check digit, company names of the seeds' cases, phones."""

import pytest

from copilot.dedup.normalise import (
    make_uscc,
    normalise_company_name,
    normalise_phone,
    phone_kind,
    uscc_problem,
)


def test_published_uscc_is_valid_and_one_changed_character_is_not() -> None:
    assert uscc_problem("91350100M000100Y43") is None
    assert "check digit" in (uscc_problem("91350100M000100Y44") or "")
    assert "18 characters" in (uscc_problem("9135010") or "")
    assert "not allowed" in (uscc_problem("91350100M000100I43") or "")
    assert uscc_problem(make_uscc("91310000MA1FL0000")) is None


@pytest.mark.parametrize(
    "name",
    ["瑞金医院", "上海瑞金医院有限公司", "上海交通大学医学院附属瑞金医院", "上海市瑞金医院"],
)
def test_ruijin_variants_share_one_core(name: str) -> None:
    assert normalise_company_name(name) == "瑞金医院"


def test_lookalikes_keep_distinct_cores() -> None:
    assert normalise_company_name("腾讯科技(深圳)有限公司") != normalise_company_name(
        "深圳市腾讯计算机系统有限公司"
    )
    assert normalise_company_name("北京协和医院") != normalise_company_name("北京协和医学院")
    assert normalise_company_name("腾讯科技(深圳)有限公司") == normalise_company_name(
        "腾讯科技(深圳)有限公司"
    )


def test_english_legal_forms() -> None:
    assert normalise_company_name("Acme Retail Co., Ltd.") == normalise_company_name("ACME Retail")


@pytest.mark.parametrize(
    ("raw", "digits", "kind"),
    [
        ("+86 138 1234 5678", "13812345678", "mobile"),
        ("021-64370045", "02164370045", "landline"),
        ("+86 21 6437 0045", "02164370045", "landline"),
        ("(021)64370045转8001", "02164370045", "landline"),
        ("12345", "12345", "invalid"),
    ],
)
def test_phones(raw: str, digits: str, kind: str) -> None:
    assert normalise_phone(raw) == digits
    assert phone_kind(raw) == kind


@pytest.mark.parametrize(
    "name",
    [
        "瑞金醫院",
        "Ruijin Hospital",
        "瑞金医院(设备科)",
        "上海瑞金医院(信息科)",
        "瑞金医院(采购中心)",
        "上海 瑞金医院",
    ],
)
def test_traditional_aliases_and_desk_qualifiers_reach_the_same_core(name: str) -> None:
    assert normalise_company_name(name) == "瑞金医院"


def test_bracketed_place_is_kept_but_desk_is_not() -> None:
    assert normalise_company_name("联想(北京)有限公司") != normalise_company_name("联想(上海)有限公司")
    assert normalise_company_name("华信科技(总部)") == normalise_company_name("华信科技有限公司")


def test_mixed_english_and_chinese_legal_forms() -> None:
    assert normalise_company_name("Evergreen Online Retail Corp.有限公司") == normalise_company_name(
        "Evergreen Online Retail"
    )


def test_foreign_numbers_are_not_read_as_chinese_mobiles() -> None:
    assert normalise_phone("+1 892 591 4323") == "+18925914323"
    assert phone_kind("+1 892 591 4323") == "invalid"
    assert normalise_phone("+86 10 7921 1848") == "01079211848"  # Beijing's area code starts with 1


def test_person_name_with_honorific_keeps_only_the_surname() -> None:
    from copilot.dedup.normalise import person_name_parts

    assert person_name_parts("李总") == ("李", True)
    assert person_name_parts("王 工") == ("王", True)
    assert person_name_parts("李建国") == ("李建国", False)
