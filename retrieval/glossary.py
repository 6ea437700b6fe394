"""The bilingual domain glossary (prompts/retrieval/glossary.yaml) and query expansion with it.

Why: the bundled encoder cannot bridge Chinese and English (cosine ~0.10 between a sentence and
its translation), and BM25 matches only shared words. Adding the glossary's other-language
terms to a query lets both sides find documents written in the other language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "prompts" / "retrieval" / "glossary.yaml"


class Term(BaseModel):
    zh: list[str] = []
    en: list[str] = []


class Glossary(BaseModel):
    version: int
    terms: list[Term]


@dataclass(frozen=True)
class Expansion:
    query: str
    added: list[str]


@lru_cache(maxsize=1)
def load_glossary(path: Path = GLOSSARY_PATH) -> Glossary:
    return Glossary.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _contains(query: str, term: str) -> bool:
    if re.search(r"[\u3400-\u9fff]", term):
        return term in query
    return re.search(rf"(?<![a-z0-9]){re.escape(term.lower())}(?![a-z0-9])", query.lower()) is not None


def expand_query(query: str, glossary: Glossary | None = None) -> Expansion:
    """The query plus every glossary term that shares an entry with a term found in it."""
    glossary = glossary or load_glossary()
    added: list[str] = []
    for entry in glossary.terms:
        terms = [*entry.zh, *entry.en]
        if any(_contains(query, t) for t in terms):
            added.extend(t for t in terms if not _contains(query, t) and t not in added)
    return Expansion(query=" ".join([query, *added]) if added else query, added=added)
