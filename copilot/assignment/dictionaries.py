"""The organisation's dictionaries a rule is checked against, and did-you-mean suggestions.

Values come from the store (departments.region, users.region, department names, logins, lead
sources seen) and from a dictionary file of canonical values with the aliases people type
(`US` for `North America`): `<COPILOT_DATA_DIR>/assignment-dictionary.yaml` when it exists,
else the bundled `defaults/dictionary.yaml`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.db.schema import DepartmentRow, LeadRow, UserRow
from copilot.errors import InvalidInput

DEFAULT_DICTIONARY = Path(__file__).with_name("defaults") / "dictionary.yaml"
KINDS = ("regions", "sources", "industries", "size_bands")
DATA_DIR_FILE = "assignment-dictionary.yaml"


def dictionary_path(settings: Any) -> Path | None:
    """The organisation's own dictionary in the data dir, if it has one (None = the bundled file)."""
    path = Path(settings.data_dir) / DATA_DIR_FILE
    return path if path.exists() else None


@lru_cache(maxsize=8)
def load_file(path: Path | None = None) -> dict[str, dict[str, list[str]]]:
    path = path or DEFAULT_DICTIONARY
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"cannot read the routing dictionary {path}: {exc}", details={"field": "dictionary"}
        ) from exc
    out: dict[str, dict[str, list[str]]] = {}
    for kind in KINDS:
        section = data.get(kind) or {}
        if not isinstance(section, dict):
            raise InvalidInput(f"{path}: {kind} must map a value to its aliases", details={"field": kind})
        out[kind] = {str(k): [str(a) for a in (v or [])] for k, v in section.items()}
    return out


@dataclass
class Dictionary:
    """Known values per kind (canonical -> where it came from) and alias -> canonical."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    departments: set[str] = field(default_factory=set)
    logins: set[str] = field(default_factory=set)

    def add(self, kind: str, value: str | None, origin: str) -> None:
        if value:
            self.values.setdefault(kind, {}).setdefault(value, origin)

    def known(self, kind: str, value: Any) -> bool:
        folded = {v.casefold() for v in self.values.get(kind, {})}
        return str(value).strip().casefold() in folded

    def suggest(self, kind: str, value: Any) -> list[str]:
        """Did you mean: an alias first, then close spellings."""
        text = str(value).strip()
        alias = self.aliases.get(kind, {}).get(text.casefold())
        suggestions = [alias] if alias else []
        pool = (
            list(self.values.get(kind, {}))
            if kind not in ("departments", "logins")
            else sorted(self.departments if kind == "departments" else self.logins)
        )
        for close in difflib.get_close_matches(text, pool, n=3, cutoff=0.6):
            if close not in suggestions:
                suggestions.append(close)
        return suggestions


def build(session: Session, dictionary_path: Path | None = None) -> Dictionary:
    d = Dictionary()
    for name, region in session.execute(select(DepartmentRow.name, DepartmentRow.region)):
        d.departments.add(name)
        d.add("regions", region, f"departments.region of {name}")
    for login, region in session.execute(select(UserRow.login, UserRow.region)):
        d.logins.add(login)
        d.add("regions", region, f"users.region of {login}")
    for (source,) in session.execute(select(LeadRow.source).distinct()):
        d.add("sources", source, "lead sources in the store")
    for (industry,) in session.execute(select(LeadRow.industry).distinct()):
        d.add("industries", industry, "lead industries in the store")
    for (band,) in session.execute(select(LeadRow.size_band).distinct()):
        d.add("size_bands", band, "lead size bands in the store")
    file_data = load_file(dictionary_path)
    for kind, entries in file_data.items():
        for canonical, aliases in entries.items():
            d.add(kind, canonical, "dictionary file")
            for alias in aliases:
                d.aliases.setdefault(kind, {})[alias.casefold()] = canonical
    return d
