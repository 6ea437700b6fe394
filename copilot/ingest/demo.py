"""The demo's public signals and call transcripts (the `signals` demo step), generated from
`defaults/demo.yaml` with the demo's seed, and the labelled retrieval queries built from them.

The seeds' cases are planted on one automaker: its 焊装车间 节拍瓶颈 news, an 'AI质检系统'
采购公告, three views of the 预测性维护 white paper and three of the MES对接文档.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.clock import now
from copilot.db.schema import CustomerRow, DepartmentRow
from copilot.dedup.normalise import normalise_company_name

ENGLISH_REGIONS = ("North America", "Southeast Asia")
SEED_TOPICS = ("news_welding", "tender_ai_qc", "web_pm", "web_mes")


@lru_cache(maxsize=1)
def demo_spec() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "defaults" / "demo.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DemoCustomer:
    id: int
    name: str
    industry: str | None
    city: str | None
    uscc: str | None
    lang: str  # zh | en

    @property
    def brand(self) -> str:
        if self.lang == "en":
            words = re.sub(r"[.,]", "", self.name).split()
            return " ".join(words[:2]) if len(words) > 2 else words[0]
        return normalise_company_name(self.name)


@dataclass
class DemoCorpus:
    signals: list[dict[str, Any]] = field(default_factory=list)
    transcripts: list[tuple[int, dict[str, Any]]] = field(
        default_factory=list
    )  # (customer id, transcript json)
    groups: dict[tuple[int, str], list[str]] = field(
        default_factory=dict
    )  # (customer, topic) -> external ids
    values: dict[tuple[int, str], dict[str, Any]] = field(
        default_factory=dict
    )  # what the templates were filled with
    customers: dict[int, DemoCustomer] = field(default_factory=dict)
    automaker: int | None = None


def demo_customers(session: Session) -> list[DemoCustomer]:
    """Live customers whose normalised name is unique (so public signals link unambiguously)."""
    rows = session.execute(
        select(
            CustomerRow.id,
            CustomerRow.name,
            CustomerRow.industry,
            CustomerRow.city,
            CustomerRow.uscc,
            DepartmentRow.region,
        )
        .join(DepartmentRow, DepartmentRow.id == CustomerRow.department_id, isouter=True)
        .where(CustomerRow.merged_into_id.is_(None))
        .order_by(CustomerRow.id)
    ).all()
    counts: dict[str, int] = {}
    for row in rows:
        key = normalise_company_name(row.name)
        counts[key] = counts.get(key, 0) + 1
    return [
        DemoCustomer(r.id, r.name, r.industry, r.city, r.uscc, "en" if r.region in ENGLISH_REGIONS else "zh")
        for r in rows
        if counts[normalise_company_name(r.name)] == 1
    ]


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format(**values)


def _values(rng: random.Random, customer: DemoCustomer, product: str) -> dict[str, Any]:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭"
    given = ["伟", "芳", "磊", "静", "强", "敏", "杰", "涛", "明", "华"]
    en_people = ["John Smith", "Maria Garcia", "David Lee", "Sarah Chen", "Peter Brown", "Linda Wong"]
    if customer.lang == "en":
        person, person2 = rng.sample(en_people, 2)
    else:
        person = rng.choice(surnames) + rng.choice(given)
        person2 = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
    return {
        "name": customer.name,
        "brand": customer.brand,
        "product": product,
        "city": customer.city or ("苏州市" if customer.lang == "zh" else "Austin"),
        "person": person,
        "person2": person2,
        "n": rng.randint(2, 9),
        "budget": rng.choice([80, 120, 260, 300, 450, 600, 980]),
    }


def _signal(
    topic: dict[str, Any],
    lang: str,
    values: dict[str, Any],
    ext: str,
    at: datetime,
    company: str,
    uscc: str | None,
) -> dict[str, Any]:
    fields = {k: _fill(v, values) for k, v in topic[lang].items()}
    obj: dict[str, Any] = {"id": ext, "type": topic["type"], "source": _source(topic["type"], lang)}
    if topic["type"] == "tender":
        obj |= {
            "buyer": company,
            "published_at": at.isoformat(),
            "deadline": (at + timedelta(days=20)).date().isoformat(),
        }
        obj["url"] = f"https://ggzy.example.cn/notice/{ext}"
    elif topic["type"] == "registry_change":
        obj |= {"company": company, "changed_at": at.isoformat()}
        if uscc:
            obj["uscc"] = uscc
    elif topic["type"] == "web_event":
        obj |= {"visitor_company": company, "at": at.isoformat(), "dwell_seconds": values["n"] * 37}
    else:
        obj |= {"company": company, "published_at": at.isoformat(), "url": f"https://news.example.cn/{ext}"}
    return obj | fields


def _source(kind: str, lang: str) -> str:
    return {
        "tender": "公共资源交易平台" if lang == "zh" else "tender portal",
        "news": "行业新闻" if lang == "zh" else "industry news",
        "registry_change": "企业信用信息公示系统",
        "wechat_article": "微信公众号" if lang == "zh" else "company blog",
        "web_event": "官网行为",
    }[kind]


def build_corpus(customers: list[DemoCustomer], seed: int, *, today: datetime | None = None) -> DemoCorpus:
    """Deterministic for a seed and customer list (dates are relative to `today`)."""
    spec = demo_spec()
    vocab = yaml.safe_load((Path(__file__).parents[1] / "demo" / "vocab.yaml").read_text(encoding="utf-8"))
    rng = random.Random(seed * 7 + 9)
    today = (today or now()).replace(hour=9, minute=0, second=0, microsecond=0)
    topics = {t["id"]: t for t in spec["topics"]}
    corpus = DemoCorpus(customers={c.id: c for c in customers})
    picked = (
        customers
        if len(customers) <= spec["customers_with_signals"]
        else rng.sample(customers, spec["customers_with_signals"])
    )
    picked.sort(key=lambda c: c.id)
    automakers = [c for c in picked if c.industry == "汽车制造" and c.lang == "zh"]
    corpus.automaker = automakers[0].id if automakers else None
    low, high = spec["signals_per_customer"]
    serial = 0

    def product_of(c: DemoCustomer) -> str:
        products = vocab["industries"].get(c.industry or "", {}).get("products") or ["数据中台"]
        return rng.choice(products)

    for c in picked:
        eligible = [t for t in topics.values() if not t.get("industries") or c.industry in t["industries"]]
        chosen = rng.sample(eligible, min(len(eligible), rng.randint(low, high)))
        if c.id == corpus.automaker:
            chosen = [topics[t] for t in SEED_TOPICS] + [t for t in chosen if t["id"] not in SEED_TOPICS]
        for topic in chosen:
            values = _values(rng, c, product_of(c))
            corpus.values[(c.id, topic["id"])] = values
            repeat = (
                3
                if c.id == corpus.automaker and topic["id"] in ("web_pm", "web_mes")
                else rng.randint(*topic.get("repeat", [1, 1]))
            )
            for _ in range(repeat):
                serial += 1
                ext = f"DEMO-S-{serial:05d}"
                at = today - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 9))
                corpus.signals.append(_signal(topic, c.lang, values, ext, at, c.name, c.uscc))
                corpus.groups.setdefault((c.id, topic["id"]), []).append(ext)
    unlinked = spec["unlinked"]
    for _ in range(spec["unlinked_public_signals"]):
        serial += 1
        company = rng.choice(unlinked["forms"]).format(
            brand=rng.choice(unlinked["brands"]) + rng.choice("东南西北中")
        )
        fake = DemoCustomer(-1, company, None, None, None, "zh")
        topic = topics[rng.choice(unlinked["topics"])]
        values = _values(rng, fake, rng.choice(unlinked["product"]))
        at = today - timedelta(days=rng.randint(0, 365))
        corpus.signals.append(_signal(topic, "zh", values, f"DEMO-S-{serial:05d}", at, company, None))
    _transcripts(corpus, picked, spec["transcripts"], vocab, rng, today)
    return corpus


def _transcripts(
    corpus: DemoCorpus,
    picked: list[DemoCustomer],
    spec: dict[str, Any],
    vocab: dict[str, Any],
    rng: random.Random,
    today: datetime,
) -> None:
    callees = sorted(rng.sample(picked, min(spec["count"], len(picked))), key=lambda c: c.id)
    if corpus.automaker and all(c.id != corpus.automaker for c in callees):
        callees[0] = corpus.customers[corpus.automaker]
    for n, c in enumerate(callees, start=1):
        lang = spec[c.lang]
        products = vocab["industries"].get(c.industry or "", {}).get("products") or ["数据中台"]
        titles = vocab["industries"].get(c.industry or "", {}).get("titles") or ["CTO"]
        values = _values(rng, c, rng.choice(products)) | {"title": rng.choice(titles)}
        customer_role = _fill(lang["roles"]["customer"][0], values)
        rep_role = lang["roles"]["rep"]
        turns = [{"speaker": rep_role, "text": _fill(rng.choice(lang["openers"]), values)}]
        said = rng.sample(
            lang["customer"], k=min(len(lang["customer"]), rng.randint(*spec["turns_per_call"]) // 2)
        )
        for line in said:
            turns.append({"speaker": customer_role, "text": _fill(line, values)})
            turns.append({"speaker": rep_role, "text": _fill(rng.choice(lang["rep"]), values)})
        clock = 0.0
        for turn in turns:
            length = 3.0 + len(turn["text"]) * 0.18
            turn["start"], turn["end"] = round(clock, 1), round(clock + length, 1)
            clock += length + rng.uniform(0.3, 2.0)
        at = today - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 8))
        corpus.transcripts.append(
            (
                c.id,
                {
                    "id": f"DEMO-T-{n:03d}",
                    "title": _fill(lang["title"], values),
                    "occurred_at": at.isoformat(),
                    "turns": turns,
                },
            )
        )


def load_signals_step(context: Any, state: Any) -> dict[str, Any]:
    """Demo step: store and index the generated signals and transcripts."""
    from copilot.ingest.report import IngestReport
    from copilot.ingest.service import index_signals, index_transcripts, store_signals, store_transcripts
    from extractors.public import draft_from_fields
    from extractors.transcripts import transcript_from_json

    with context.db.read() as session:
        customers = demo_customers(session)
    corpus = build_corpus(customers, state.seed)
    state.facts["signal_automaker"] = corpus.automaker
    signals = IngestReport(kind="signals")
    drafts = [draft_from_fields(obj, where=obj["id"]) for obj in corpus.signals]
    ids = store_signals(context, drafts, signals)
    index_signals(context, ids, signals)
    transcripts = IngestReport(kind="transcripts")
    transcript_ids: list[int] = []
    for customer_id, obj in corpus.transcripts:
        transcript = transcript_from_json(obj, where=obj["id"])
        transcript_ids += store_transcripts(context, [transcript], transcripts, customer_id=customer_id)
    index_transcripts(context, transcript_ids, transcripts)
    return {
        "signals": signals.new,
        "signals_linked": signals.linked,
        "transcripts": transcripts.new,
        "chunks": signals.chunks + transcripts.chunks,
        "index_deferred": signals.index_deferred or transcripts.index_deferred,
        "automaker": corpus.automaker,
    }
