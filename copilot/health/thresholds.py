"""Thresholds are data: the bundled YAML, optionally overlaid by a file of the same shape."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from copilot.errors import InvalidInput

DEFAULTS = Path(__file__).parent / "defaults" / "thresholds.yaml"


@cache
def defaults() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))


def load(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Defaults, with `path`'s values on top; unknown checks or keys are named errors."""
    merged = {k: dict(v) for k, v in defaults().items()}
    if path is None:
        return merged
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"thresholds: cannot read {path}: {exc}", details={"field": "thresholds"}) from exc
    if not isinstance(data, dict):
        raise InvalidInput(
            "thresholds: the file must be a mapping of check -> values", details={"field": "thresholds"}
        )
    for check, values in data.items():
        if check not in merged:
            raise InvalidInput(
                f"thresholds.{check}: unknown check (known: {', '.join(merged)})",
                details={"field": f"thresholds.{check}"},
            )
        for key, value in (values or {}).items():
            if key not in merged[check]:
                raise InvalidInput(
                    f"thresholds.{check}.{key}: unknown setting",
                    details={"field": f"thresholds.{check}.{key}"},
                )
            if (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                and key != "inactive_member_fails"
            ):
                raise InvalidInput(
                    f"thresholds.{check}.{key}: must be a number, got {value!r}",
                    details={"field": f"thresholds.{check}.{key}"},
                )
            merged[check][key] = value
    return merged
