"""The demo corpus generator: size, the seeds' cases, transcripts; the eval labels point into it."""

from __future__ import annotations

import json
from collections import Counter

from copilot.ingest.demo import DemoCustomer, build_corpus
from eval.retrieval.run import load_queries, verdict


def _customers() -> list[DemoCustomer]:
    out = []
    for i in range(1200):
        industry = ["汽车制造", "医疗", "SaaS", "装备制造"][i % 4]
        lang = "en" if i % 3 == 0 else "zh"
        name = f"Brand{i} Trading Inc." if lang == "en" else f"品牌{i}号{industry}有限公司"
        out.append(DemoCustomer(i + 1, name, industry, "苏州市", None, lang))
    return out


def test_corpus_has_about_5000_signals_the_seed_cases_and_100_calls() -> None:
    corpus = build_corpus(_customers(), 20261124)
    assert 4500 <= len(corpus.signals) <= 6500
    assert len(corpus.transcripts) == 100
    auto = corpus.automaker
    assert auto is not None
    assert len(corpus.groups[(auto, "web_pm")]) == 3 and len(corpus.groups[(auto, "web_mes")]) == 3
    by_id = {s["id"]: s for s in corpus.signals}
    assert "焊装车间节拍瓶颈" in by_id[corpus.groups[(auto, "news_welding")][0]]["title"]
    assert "AI质检系统采购公告" in by_id[corpus.groups[(auto, "tender_ai_qc")][0]]["title"]
    assert Counter(s["type"] for s in corpus.signals).keys() >= {
        "tender",
        "news",
        "registry_change",
        "wechat_article",
        "web_event",
    }
    assert any(c == auto for c, _ in corpus.transcripts)
    assert build_corpus(_customers(), 20261124).signals == corpus.signals  # deterministic


def test_labelled_queries_cover_the_groups() -> None:
    queries = load_queries()
    assert len(queries) >= 150
    groups = Counter(q["group"] for q in queries)
    assert groups["zh"] >= 50 and groups["en"] >= 50 and groups["cross"] >= 30
    assert all(q["relevant"] and q["query"].strip() for q in queries)
    assert len({json.dumps(q["relevant"]) for q in queries}) == len(queries)


def test_verdict_flags_weak_hybrid() -> None:
    good = {"recall@10": 0.95, "mrr": 0.8}
    weak = {"recall@10": 0.5, "mrr": 0.3}
    result = {m: {"zh": dict(weak), "en": dict(good)} for m in ("dense", "sparse")}
    result["hybrid"] = {"zh": dict(good), "en": dict(good)}
    assert verdict(result) == []
    result["sparse"]["zh"] = {"recall@10": 0.97, "mrr": 0.9}
    assert any("sparse" in p for p in verdict(result))
