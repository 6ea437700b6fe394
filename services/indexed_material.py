"""What the customer's calls, contracts and voice notes say about the brief's topics.

The signals table holds the signal wall; the retrieval index also holds material that has no
row a rule reads: call transcripts (speaker turns with times), contract clauses (page and
position) and voice notes. For the topics of the fired trigger cards (then the topics of recent
signals) the brief runs one hybrid search per topic, restricted to this customer and to what the
caller may see (`retrieval.search.search_many`), keeps only the spans that are really about the
topic (the same keyword + embedding test the rules use, on the vectors the index stored), and
cites each span verbatim with its provenance. Nothing here is required: an index that is
empty, busy or unreachable leaves the rest of the brief intact and `status` says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from copilot.auth import Caller
from copilot.bootstrap import AppContext
from copilot.models import EvidenceRef
from services.facts import CustomerFacts
from services.topics import TopicMatcher, load_glossary
from services.triggers import TriggerCard

if TYPE_CHECKING:
    from retrieval.search import Hit

log = logging.getLogger(__name__)

MATERIAL_KINDS = ["transcript", "contract", "voice_note"]
MAX_TOPICS = 4
SEARCH_LIMIT = 6  # candidates per topic before the topic test
SPANS_PER_TOPIC = 2
RELATED_PER_CARD = 3
QUERY_KEYWORDS = 8
_SKIP_TOPICS = {"injection_marker"}
_KIND_LABEL = {
    "transcript": {"zh": "通话记录", "en": "call transcript"},
    "contract": {"zh": "合同", "en": "contract"},
    "voice_note": {"zh": "拜访录音", "en": "voice note"},
}


class Finding(BaseModel):
    """One cited span of a call, contract or voice note that is about one of the brief's topics."""

    topic: str
    topic_label: str
    kind: str = Field(description="transcript | contract | voice_note")
    title: str
    text: str = Field(description="The statement: which document talks about which topic.")
    how: str = Field(description="Why the span counts as about the topic (keyword or similarity).")
    rule_ids: list[str] = Field(default_factory=list, description="Trigger cards on the same topic.")
    evidence: list[EvidenceRef]


@dataclass
class Material:
    findings: list[Finding] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    status: str = "ok"
    contract_flags: int = 0  # findings that are contract-review flags (services.contract_points)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "topics": self.topics,
            "spans": len(self.findings) - self.contract_flags,
            "contract_flags": self.contract_flags,
        }


def topic_query(topic_id: str) -> str:
    """A bilingual query for a topic: both labels and its first glossary keywords (BM25 carries
    Chinese recall, the labels carry the dense side)."""
    topic = load_glossary().topics[topic_id]
    parts = list(dict.fromkeys([*topic.label.values(), *topic.keywords[:QUERY_KEYWORDS]]))
    return " ".join(parts)


def brief_topics(facts: CustomerFacts, cards: list[TriggerCard], matcher: TopicMatcher) -> list[str]:
    """The fired cards' topics (most severe first), then topics of the newest signals."""
    topics: list[str] = [t for card in cards for t in card.topics]
    for item in facts.signals[:30]:
        topics += list(matcher.match_all(item.content))
    known = load_glossary().topics
    return [t for t in dict.fromkeys(topics) if t in known and t not in _SKIP_TOPICS][:MAX_TOPICS]


def _source_url(hit: Hit, customer_id: int) -> str | None:
    """Where the page can open the cited document (transcripts have no page of their own yet)."""
    if hit.url:
        return hit.url
    record = hit.record_id or hit.doc_key.partition(":")[2]
    if hit.kind == "contract" and record:
        return f"/app/contracts/{record}"
    if hit.kind == "voice_note":
        return f"/app/customers/{customer_id}/voice"
    return None


def _statement(kind: str, title: str, label: str | None, topic_label: str, lang: str) -> str:
    what = _KIND_LABEL.get(kind, {}).get(lang, kind)
    if lang == "zh":
        return f"{what}《{title}》{label + '：' if label else ''}谈到{topic_label}"
    return f"The {what} “{title}”{', ' + label + ',' if label else ''} discusses {topic_label}"


def find_material(
    context: AppContext,
    caller: Caller,
    facts: CustomerFacts,
    cards: list[TriggerCard],
    matcher: TopicMatcher,
) -> Material:
    """Cited spans of this customer's calls, contracts and voice notes about the brief's topics;
    attaches them to the cards on the same topic (`TriggerCard.related`)."""
    from retrieval.index import get_store
    from retrieval.search import search_many
    from retrieval.store import SearchFilter

    material = Material(topics=brief_topics(facts, cards, matcher))
    if not material.topics:
        material.status = "no topics to search for"
        return material
    customer_id = facts.customer.id
    try:
        results = search_many(
            context,
            [topic_query(t) for t in material.topics],
            customer_id=customer_id,
            kinds=MATERIAL_KINDS,
            caller=caller,
            limit=SEARCH_LIMIT,
        )
        ids = list(dict.fromkeys(h.id for hits in results for h in hits))
        store = get_store(context)
        stored = {v.id: v for v in store.dense_vectors(ids=ids)} if ids else {}
        if not ids:
            held = store.count(SearchFilter(customer_ids=[customer_id], kinds=MATERIAL_KINDS))
            material.status = (
                "empty: the index holds no calls, contracts or voice notes of this customer"
                if held == 0
                else "ok"
            )
    except Exception as exc:  # noqa: BLE001 - the index is an addition to the brief, never a condition
        log.warning("brief: index not searched: %s", exc)
        material.status = f"unavailable: {getattr(exc, 'message', None) or exc}"
        return material
    lang = facts.language
    glossary = load_glossary().topics
    seen: set[str] = set()
    for topic, hits in zip(material.topics, results, strict=True):
        kept = 0
        for hit in hits:
            if hit.id in seen or hit.customer_id != customer_id or kept >= SPANS_PER_TOPIC:
                continue
            vector = stored.get(hit.id)
            if vector is not None:
                matcher.seed(hit.quote, np.asarray(vector.dense, dtype=np.float32))
            match = matcher.match(topic, hit.quote)
            if match is None:
                continue
            seen.add(hit.id)
            kept += 1
            ref = hit.evidence()
            ref.url = _source_url(hit, customer_id)
            if vector is not None and vector.payload.get("indexed_at"):
                ref.ingested_at = datetime.fromisoformat(str(vector.payload["indexed_at"]))
            label = glossary[topic].name(lang)
            material.findings.append(
                Finding(
                    topic=topic,
                    topic_label=label,
                    kind=hit.kind,
                    title=hit.title or hit.file or hit.doc_key,
                    text=_statement(hit.kind, hit.title or hit.file or "", hit.label, label, lang),
                    how=match.how,
                    rule_ids=[c.rule_id for c in cards if topic in c.topics],
                    evidence=[ref],
                )
            )
    for card in cards:
        card.related = [f.evidence[0] for f in material.findings if f.topic in card.topics][:RELATED_PER_CARD]
    return material
