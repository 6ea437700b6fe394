from __future__ import annotations

import pytest
import yaml

from copilot.errors import InvalidInput
from services.contract_playbook import KIND_IDS, PLAYBOOK_PATH, default_playbook, parse_playbook


def test_shipped_playbook_has_exactly_the_17_kinds() -> None:
    playbook = default_playbook()
    assert [k.id for k in playbook.kinds] == list(KIND_IDS)
    assert playbook.version == 1
    for kind in playbook.kinds:
        assert kind.fallback.zh and kind.fallback.en and kind.description.zh and kind.description.en


def _raw() -> dict:
    return yaml.safe_load(PLAYBOOK_PATH.read_text(encoding="utf-8"))


def test_a_missing_kind_is_refused() -> None:
    raw = _raw()
    raw["kinds"] = raw["kinds"][1:]
    with pytest.raises(InvalidInput) as err:
        parse_playbook(raw)
    assert "payment_term_over_90_days" in err.value.message


def test_a_broken_pattern_is_refused_naming_kind_and_place() -> None:
    raw = _raw()
    raw["kinds"][1]["detection"]["rules"][0]["any"].append("背靠背(")
    with pytest.raises(InvalidInput) as err:
        parse_playbook(raw)
    assert err.value.details["field"] == "kinds.pay_when_paid.detection.rules[0].any"


def test_threshold_must_name_a_parameter() -> None:
    raw = _raw()
    raw["kinds"][0]["parameters"] = {}
    with pytest.raises(InvalidInput) as err:
        parse_playbook(raw)
    assert "max_days" in err.value.message


def test_not_yaml() -> None:
    with pytest.raises(InvalidInput):
        parse_playbook("kinds: [unclosed")
