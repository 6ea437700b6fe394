"""README stays true: every setting is in the configuration table and the quickstart is the two commands."""

from pathlib import Path

from copilot.config import Settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        env = field.validation_alias if isinstance(field.validation_alias, str) else f"COPILOT_{name.upper()}"
        assert f"| `{env}` |" in README, f"{env} is missing from README's configuration table"


def test_quickstart_is_exactly_two_commands() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("```", 2)[1]
    assert quickstart.strip().splitlines() == ["make run", "make test"]
