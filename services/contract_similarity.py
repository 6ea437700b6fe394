"""Secondary signal: sentences that read like a playbook exemplar but matched no rule.

The playbook's exemplar clauses are embedded with the bundled MiniLM (`retrieval.embedder`);
each English sentence that no rule flagged is compared with them, and one close enough (cosine
at or above `similarity.threshold`) becomes a low-severity flag with `source: similarity` whose
explanation says it is a resemblance to check, not a rule. Chinese text is left to the patterns
and numeric extractors: the bundled MiniLM turns much of Chinese into [UNK].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from extractors.clauses import Clause
from services.contract_flags import clause_flag
from services.contract_models import Flag
from services.contract_playbook import Playbook

_EXEMPLARS: dict[tuple[int, str], tuple[list[str], np.ndarray]] = {}


def _exemplars(playbook: Playbook, embedder: Any, lang: str) -> tuple[list[str], np.ndarray]:
    key = (playbook.version, lang)
    if key not in _EXEMPLARS:
        kinds, texts = [], []
        for kind in playbook.kinds:
            if not kind.detection.rules:
                continue
            for text in kind.detection.exemplars.get(lang, []):
                kinds.append(kind.id)
                texts.append(text)
        _EXEMPLARS[key] = (kinds, embedder.embed(texts) if texts else np.zeros((0, embedder.dimension)))
    return _EXEMPLARS[key]


def similarity_flags(
    clauses: list[Clause],
    spans: dict[int, list[tuple[int, int]]],
    flagged: set[tuple[str, int]],
    playbook: Playbook,
    embedder: Any,
    *,
    lang: str,
    file_name: str,
) -> list[Flag]:
    """Low-severity flags for sentences resembling an exemplar of a kind not already flagged there."""
    if lang not in playbook.similarity.languages or embedder is None:
        return []
    kinds, vectors = _exemplars(playbook, embedder, lang)
    if not kinds:
        return []
    items = [(c, s, e) for c in clauses for s, e in spans.get(c.index, []) if e - s >= 25]
    if not items:
        return []
    sims = embedder.embed([c.text[s:e] for c, s, e in items]) @ vectors.T
    out: list[Flag] = []
    for (clause, s, e), row in zip(items, sims, strict=True):
        best = int(np.argmax(row))
        score = float(row[best])
        kind_id = kinds[best]
        if score < playbook.similarity.threshold or (kind_id, clause.index) in flagged:
            continue
        kind = playbook.kind(kind_id)
        quote = clause.text[s:e]
        if _rules_saw(playbook, kind, quote):
            continue  # the rules looked at this sentence and decided (e.g. 30 days is fine): no overruling
        flagged.add((kind_id, clause.index))
        out.append(
            clause_flag(
                kind,
                clause,
                (s, e),
                playbook,
                lang,
                file_name,
                severity="low",
                explanation=f"reads like the playbook's example of {kind.title.en} (similarity {score:.2f}); no rule matched, check it",
                rule=f"{kind_id}.similarity",
                source="similarity",
            )  # fmt: skip
        )
    return out


def _rules_saw(playbook: Playbook, kind: Any, sentence: str) -> bool:
    """True when one of the kind's rules took the sentence as a candidate (its context matched)."""
    for rule in kind.detection.rules:
        patterns = rule.any + rule.all
        if patterns and any(playbook.compiled(p).search(sentence) for p in patterns):
            return True
    return False
