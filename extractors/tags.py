"""Profile-tag matching over the text of a note: which tags of the taxonomy it supports, where.

The taxonomy (`prompts/tags/taxonomy.yaml`, models in `extractors.tag_taxonomy`), the competitor dictionary (`competitors.yaml`) and
the negation / hedging cues (`cues.yaml`) are data. Matching runs sentence by sentence:
keyword patterns first (both languages), then, for English sentences no pattern claimed,
embedding similarity to each tag's exemplar phrases (the bundled MiniLM is weak on Chinese, so
Chinese relies on the patterns). A match is dropped when its clause negates it ("not worried
about price", "价格不是问题") or doubts it ("not sure whether"), and softened when hedged
("maybe", "可能"). Value tags read their value from the same sentence (extractors.values).
Every proposal says which method found it and why (`explanation`), with the character span.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from extractors import deadlines
from extractors import values as value_extractors
from extractors.sentences import CJK, clause_bounds, detect_language, split_sentences
from extractors.tag_taxonomy import (
    PROMPTS_DIR,
    Competitor,
    CompetitorDictionary,
    Cues,
    TagDefinition,
    Taxonomy,
    competitors_path,
    load_competitors,
    load_cues,
    load_taxonomy,
)

__all__ = [
    "PROMPTS_DIR",
    "Competitor",
    "CompetitorDictionary",
    "ContactRef",
    "Cues",
    "ProposedTag",
    "TagDefinition",
    "Tagger",
    "Taxonomy",
    "competitors_path",
    "detect_language",
    "load_competitors",
    "load_cues",
    "load_taxonomy",
    "span_key",
    "split_sentences",
]


class ContactRef(BaseModel):
    """A known person of the customer, for matching the decision maker."""

    id: int
    name: str
    title: str | None = None


class ProposedTag(BaseModel):
    """One tag the text supports: the span it rests on, the value read there, how it was found."""

    tag_id: str
    label: str
    value: dict[str, Any] | None = None
    start: int = Field(description="Character offset of the evidence in the note text.")
    end: int
    quote: str
    confidence: float
    method: str = Field(description="pattern | exemplar | dictionary, with the value extractor")
    explanation: list[str] = Field(default_factory=list)

    @property
    def span_key(self) -> str:
        return span_key(self.tag_id, self.quote)


def span_key(tag_id: str, quote: str) -> str:
    """Identifies 'this tag on this wording', so a rejected one is not proposed again."""
    normalised = re.sub(r"\W+", "", quote.lower())
    return f"{tag_id}:{hashlib.sha1(normalised.encode('utf-8')).hexdigest()[:16]}"


@dataclass
class _Candidate:
    tag: TagDefinition
    start: int  # in the sentence
    end: int
    confidence: float
    method: str
    explanation: list[str] = field(default_factory=list)
    competitor: Competitor | None = None


# --- the tagger ------------------------------------------------------------------------------


@contextmanager
def _single_thread_torch() -> Iterator[None]:
    """Embed a note's few sentences on one thread. Intra-op parallelism does not pay off for a
    batch of ten short sentences, and on a busy CPU (a transcription running beside it, other
    processes) torch's spinning worker threads made it 20x slower (1.9 s vs 83 ms for 8
    sentences, measured here); the previous setting is restored afterwards."""
    try:
        import torch
    except ImportError:  # pragma: no cover - a dependency of the embedder
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class Tagger:
    """Proposes profile tags for a note's text. Built once per process (patterns compiled,
    exemplar embeddings computed once); `tag()` is cheap."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        competitors: CompetitorDictionary | None = None,
        cues: Cues | None = None,
        embedder: Any = None,
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.competitors = competitors or load_competitors()
        self.cues = cues or load_cues()
        self.vocab = value_extractors.load_vocabulary()
        self.embedder = embedder
        self._patterns = {
            t.id: [re.compile(p, re.IGNORECASE) for p in t.patterns] for t in self.taxonomy.tags
        }
        self._cue = {
            kind: {
                lang: re.compile("|".join(f"(?:{p})" for p in pats), re.I)
                for lang, pats in getattr(self.cues, kind).items()
                if pats
            }
            for kind in ("negation", "doubt", "hedge", "keep", "negation_after")
        }
        self._aliases: list[tuple[re.Pattern[str], Competitor, str]] = []
        for competitor in self.competitors.competitors:
            for alias in competitor.aliases:
                if CJK.search(alias):
                    pattern = re.compile(re.escape(alias))
                else:
                    pattern = re.compile(
                        rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])",
                        re.IGNORECASE if len(alias) > 3 else 0,
                    )
                self._aliases.append((pattern, competitor, alias))
        self._exemplar_tags: list[TagDefinition] = [t for t in self.taxonomy.tags if t.exemplars]
        self._exemplar_vectors: Any = None
        self._exemplar_owner: list[str] = []

    # -- cues --

    def _cue_before(self, kind: str, language: str, clause: str) -> re.Match[str] | None:
        pattern = self._cue[kind].get(language)
        if pattern is None:
            return None
        window = self.cues.window.get(language, 40)
        text = clause[-window:]
        matches = list(pattern.finditer(text))
        return matches[-1] if matches else None

    def _polarity(self, sentence: str, start: int, end: int, language: str) -> tuple[str, str | None]:
        """'negated' | 'doubted' | 'hedged' | 'plain', and the cue that decided it."""
        c_start, c_end = clause_bounds(sentence, start)
        before = sentence[c_start:start]
        after = sentence[end:c_end]
        doubt = self._cue_before("doubt", language, before)
        if doubt:
            return "doubted", doubt.group(0)
        negation = self._cue_before("negation", language, before)
        if negation:
            keep = self._cue["keep"].get(language)
            window_text = before[-self.cues.window.get(language, 40) :]
            kept = keep and any(k.start() <= negation.start() < k.end() for k in keep.finditer(window_text))
            if not kept:
                return "negated", negation.group(0)
        after_pattern = self._cue["negation_after"].get(language)
        if after_pattern:
            found = after_pattern.search(after)
            if found:
                return "negated", found.group(0).strip()
        hedge = self._cue_before("hedge", language, sentence[:start][-self.cues.window.get(language, 40) :])
        if hedge:
            return "hedged", hedge.group(0)
        return "plain", None

    # -- exemplars --

    def _ensure_exemplars(self) -> None:
        if self._exemplar_vectors is not None or self.embedder is None:
            return
        phrases: list[str] = []
        for tag in self._exemplar_tags:
            for phrase in tag.exemplars:
                phrases.append(phrase)
                self._exemplar_owner.append(tag.id)
        self._exemplar_vectors = self.embedder.embed(phrases) if phrases else None

    def _exemplar_scores(self, sentences: list[str]) -> list[dict[str, float]]:
        with _single_thread_torch():
            self._ensure_exemplars()
            if self._exemplar_vectors is None or not sentences:
                return [{} for _ in sentences]
            vectors = self.embedder.embed(sentences)
        similarity = vectors @ self._exemplar_vectors.T
        scores: list[dict[str, float]] = []
        for row in similarity:
            best: dict[str, float] = {}
            for owner, value in zip(self._exemplar_owner, row, strict=True):
                best[owner] = max(best.get(owner, -1.0), float(value))
            scores.append(best)
        return scores

    # -- main entry --

    def tag(
        self,
        text: str,
        *,
        recorded_on: date,
        language: str | None = None,
        contacts: list[ContactRef] | None = None,
        suppressed: set[str] | None = None,
    ) -> list[ProposedTag]:
        """Tags the text supports, best first within each tag id; `suppressed` holds span keys
        the rep rejected before (not proposed again)."""
        language = language if language in ("zh", "en") else detect_language(text)
        contacts = contacts or []
        suppressed = suppressed or set()
        spans = split_sentences(text)
        sentences = [text[s:e] for s, e in spans]
        proposals: list[ProposedTag] = []
        unmatched_en: list[int] = []
        per_sentence: list[list[_Candidate]] = []
        for sentence in sentences:
            candidates = self._pattern_candidates(sentence)
            per_sentence.append(candidates)
            if detect_language(sentence) == "en" and self.embedder is not None:
                unmatched_en.append(len(per_sentence) - 1)
        if unmatched_en:
            scores = self._exemplar_scores([sentences[i] for i in unmatched_en])
            for index, score in zip(unmatched_en, scores, strict=True):
                claimed = {c.tag.id for c in per_sentence[index]}
                for tag_id, similarity in score.items():
                    if tag_id in claimed or similarity < self.taxonomy.exemplar_threshold:
                        continue
                    tag = self.taxonomy.get(tag_id)
                    assert tag is not None
                    per_sentence[index].append(
                        _Candidate(
                            tag,
                            0,
                            len(sentences[index]),
                            round(min(0.85, 0.4 + similarity * 0.5), 3),
                            "exemplar",
                            [f"similar to an exemplar of {tag_id} (cosine {similarity:.2f})"],
                        )
                    )
        for (s_start, _), sentence, candidates in zip(spans, sentences, per_sentence, strict=True):
            sentence_language = "zh" if CJK.search(sentence) else "en"
            has_commitment = any(c.tag.id == "next_step" for c in candidates)
            for candidate in candidates:
                if candidate.tag.id == "timeline" and has_commitment:
                    continue  # a date inside our own commitment is that step's due date, not theirs
                proposal = self._finish(
                    candidate, sentence, sentence_language, recorded_on, contacts, language
                )
                if proposal is None:
                    continue
                proposal.start += s_start
                proposal.end += s_start
                if proposal.span_key in suppressed:
                    continue
                proposals.append(proposal)
        return _dedupe(proposals)

    def _pattern_candidates(self, sentence: str) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        for tag in self.taxonomy.tags:
            if tag.value == "competitor":
                for pattern, competitor, alias in self._aliases:
                    for match in pattern.finditer(sentence):
                        candidates.append(
                            _Candidate(
                                tag,
                                match.start(),
                                match.end(),
                                0.9,
                                "dictionary",
                                [f"competitor alias '{alias}' ({competitor.id})"],
                                competitor=competitor,
                            )
                        )
                continue
            for pattern in self._patterns[tag.id]:
                match = pattern.search(sentence)
                if match:
                    candidates.append(
                        _Candidate(
                            tag,
                            match.start(),
                            match.end(),
                            0.85,
                            "pattern",
                            [f"keyword pattern matched '{match.group(0)}'"],
                        )
                    )
                    break
        return candidates

    def _finish(
        self,
        candidate: _Candidate,
        sentence: str,
        language: str,
        recorded_on: date,
        contacts: list[ContactRef],
        note_language: str,
    ) -> ProposedTag | None:
        tag = candidate.tag
        polarity, cue = self._polarity(sentence, candidate.start, candidate.end, language)
        if polarity in ("negated", "doubted"):
            return None
        confidence = candidate.confidence
        explanation = list(candidate.explanation)
        if polarity == "hedged":
            confidence *= self.cues.hedge_factor
            explanation.append(f"hedged by '{cue}' (confidence x{self.cues.hedge_factor})")
        value: dict[str, Any] | None = None
        method = candidate.method
        if tag.value == "budget":
            money = value_extractors.find_money(sentence, language, self.vocab)
            if money:
                nearest = min(money, key=lambda f: abs(f.start - candidate.start))
                value = nearest.value
                method += "+money"
                explanation.append(f"amount read from '{nearest.value['text']}'")
            else:
                confidence *= 0.6
                explanation.append("no amount stated")
        elif tag.value == "timeline":
            dates = deadlines.find_dates(sentence, recorded_on, language, self.vocab)
            if not dates:
                return None  # an event word without a date is not a timeline
            nearest = min(dates, key=lambda f: abs(f.start - candidate.start))
            value = nearest.value
            method += "+date"
            explanation.append(f"'{nearest.value['text']}' resolved against {recorded_on.isoformat()}")
        elif tag.value == "competitor":
            competitor = candidate.competitor
            assert competitor is not None
            value = {
                "id": competitor.id,
                "name": competitor.name,
                "alias": sentence[candidate.start : candidate.end],
            }
        elif tag.value == "person":
            value = self._person(sentence, candidate.start, language, contacts, explanation)
            method += "+person" if value else ""
        elif tag.value == "commitment":
            dates = deadlines.find_dates(sentence, recorded_on, language, self.vocab)
            due = min(dates, key=lambda f: abs(f.start - candidate.start)).value["date"] if dates else None
            value = {"action": sentence.strip(), "due": due}
            if due is None:
                confidence *= 0.7
                explanation.append("no due date stated")
            else:
                explanation.append(f"due {due}")
        if confidence < self.taxonomy.min_confidence:
            return None
        # the evidence is the whole sentence: a rep judges a tag by what was said around the keyword
        start, end = 0, len(sentence)
        return ProposedTag(
            tag_id=tag.id,
            label=tag.label.get(note_language, tag.label["en"]),
            value=value,
            start=start,
            end=end,
            quote=sentence[start:end],
            confidence=round(confidence, 3),
            method=method,
            explanation=explanation,
        )

    def _person(
        self, sentence: str, position: int, language: str, contacts: list[ContactRef], explanation: list[str]
    ) -> dict[str, Any] | None:
        # a known contact named in full wins; then a titled name matched by surname
        for contact in contacts:
            if contact.name and contact.name.lower() in sentence.lower():
                explanation.append(f"matches contact {contact.name} (#{contact.id}) by full name")
                return {"name": contact.name, "contact_id": contact.id, "new_contact": False}
        people = value_extractors.find_people(sentence, language, self.vocab)
        if not people:
            return None
        person = min(people, key=lambda f: abs(f.start - position)).value
        surname = person["surname"].lower()
        for contact in contacts:
            parts = contact.name.lower().split()
            if contact.name.lower().startswith(surname) or surname in parts:
                explanation.append(
                    f"'{person['name']}' matches contact {contact.name} (#{contact.id}) by surname"
                )
                return {
                    **person,
                    "contact_id": contact.id,
                    "contact_name": contact.name,
                    "new_contact": False,
                }
        explanation.append(
            f"'{person['name']}' is not among the customer's contacts: proposed as a new contact"
        )
        return {**person, "contact_id": None, "new_contact": True}


def _value_key(proposal: ProposedTag) -> str:
    value = proposal.value or {}
    for key in ("amount", "date", "id", "name"):
        if key in value and value[key] is not None:
            return f"{key}={value[key]}"
    return ""


def _dedupe(proposals: list[ProposedTag]) -> list[ProposedTag]:
    """One proposal per tag and value (the most confident; earliest on ties)."""
    best: dict[tuple[str, str], ProposedTag] = {}
    for proposal in proposals:
        key = (
            proposal.tag_id,
            _value_key(proposal) if proposal.tag_id != "next_step" else str(proposal.start),
        )
        current = best.get(key)
        if current is None or proposal.confidence > current.confidence:
            best[key] = proposal
    return sorted(best.values(), key=lambda p: (p.start, p.tag_id))
