"""Sample contracts composed from labelled clause libraries (deterministic, seeded).

The libraries (`library/zh.yaml`, `library/en.yaml`) hold clause variants, each labelled with
the risk kinds it must raise (or marked as a look-alike that must not). Composing picks one
variant per topic, omits some protective clauses (labelled as missing), adds boilerplate and an
equipment schedule, and numbers the clauses in one of several house styles. The eval set
(`python -m eval.contracts.compose` -> eval/contracts/contracts.jsonl) and the demo's contracts
are both made here, from different seeds.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent / "library"
OUT = Path(__file__).resolve().parents[2] / "eval" / "contracts" / "contracts.jsonl"
ZH_COUNT, EN_COUNT = 28, 12
SEED = 20261124

ZH_CUSTOMERS = [
    "华东精密制造有限公司",
    "江苏恒瑞机械股份有限公司",
    "浙江万向汽车部件有限公司",
    "广州白云电器设备有限公司",
    "北京燕山石化装备有限公司",
    "武汉光谷智能装备有限公司",
    "成都天府医疗器械有限公司",
    "青岛海湾化工有限公司",
    "苏州工业园区新材料有限公司",
    "深圳南山电子科技有限公司",
]
ZH_SUPPLIERS = ["上海智联工业软件有限公司", "上海云控自动化系统有限公司"]
EN_CUSTOMERS = [
    "Northwind Manufacturing Ltd",
    "Fabrikam Industries GmbH",
    "Tailspin Components Pte Ltd",
    "Adventure Works Plc",
    "Litware Automotive Inc",
]
EN_SUPPLIERS = [
    "Shanghai Zhilian Industrial Software Co., Ltd.",
    "Shanghai Yunkong Automation Systems Co., Ltd.",
]
CN_NUMS = "一二三四五六七八九十"
CN_ITEMS = [
    "数控加工中心",
    "伺服驱动器",
    "工业控制器",
    "视觉检测相机",
    "边缘计算网关",
    "电能质量分析仪",
    "温湿度传感器",
    "工业交换机",
]
EN_ITEMS = [
    "CNC machining centre",
    "servo drive",
    "industrial controller",
    "vision inspection camera",
    "edge gateway",
    "power quality analyser",
    "temperature sensor",
    "industrial switch",
]


def cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMS[n - 1]
    if n < 20:
        return "十" + CN_NUMS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMS[tens - 1] + "十" + (CN_NUMS[ones - 1] if ones else "")


def _schedule(lang: str, rng: random.Random, rows: int) -> list[str]:
    """Schedule lines (equipment list) to give contracts realistic length."""
    out = []
    for i in range(rows):
        if lang == "zh":
            item = rng.choice(CN_ITEMS)
            out.append(
                f"设备编号EQ-{1000 + i}：{item}，数量{rng.randint(1, 12)}台，单价人民币{rng.randint(8, 90) * 1000}元，"
                f"交货地点为甲方指定厂区，技术参数符合国家标准及附件二技术规格书的要求。"
            )
        else:
            item = rng.choice(EN_ITEMS)
            out.append(
                f"Item EQ-{1000 + i}: {item}, quantity {rng.randint(1, 12)}, unit price USD {rng.randint(2, 40) * 500}, "
                "delivered to the Customer's designated plant and conforming to the technical specification in Schedule 2."
            )
    return out


def compose_one(index: int, lang: str, library: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    topics = library["topics"]
    style = (
        rng.choice(["article", "article", "article", "enum", "dotted"])
        if lang == "zh"
        else rng.choice(["article", "numbered"])
    )
    customer = rng.choice(ZH_CUSTOMERS if lang == "zh" else EN_CUSTOMERS)
    supplier = rng.choice(ZH_SUPPLIERS if lang == "zh" else EN_SUPPLIERS)
    amount = f"{rng.randint(12, 980) * 10000:,}"
    chosen: list[tuple[dict[str, Any], dict[str, Any]]] = []
    subject = None
    missing: list[str] = []
    for t_i, topic in enumerate(topics):
        if topic.get("data_clause"):
            continue
        variants = topic["variants"]
        variant = variants[(index * 7 + t_i * 3 + rng.randint(0, len(variants) - 1)) % len(variants)]
        if topic["topic"] == "confidentiality" and subject and subject.get("requires_data"):
            # the work touches data: a data clause is there, or its absence is labelled
            data_topic = next(t for t in topics if t.get("data_clause"))
            if rng.random() < 0.5:
                chosen.append((data_topic, data_topic["variants"][0]))
            else:
                missing.append("data_protection_missing")
        omit = topic.get("omit_means_missing")
        if (
            omit
            and rng.random()
            < {
                "late_payment_remedy_missing": 0.3,
                "confidentiality_one_sided": 0.2,
                "force_majeure_missing": 0.3,
            }[omit]
        ):
            missing.append(omit)
            continue
        if topic["topic"] == "subject":
            subject = variant
        chosen.append((topic, variant))
    # a realistic amount of boilerplate, and a schedule: 3-10 pages in all
    boiler = list(library["boilerplate"])
    rng.shuffle(boiler)
    middle = chosen[2:-1]
    for b in boiler[: rng.randint(4, len(boiler))]:
        middle.insert(
            rng.randint(0, len(middle)),
            (
                {"title": b["title"], "topic": "boilerplate"},
                {"id": "boilerplate", "kinds": [], "text": b["text"]},
            ),
        )
    chosen = chosen[:2] + middle + chosen[-1:]
    clauses, labels = [], []
    for n, (topic, variant) in enumerate(chosen, start=1):
        title = topic["title"]
        if lang == "zh":
            heading = {
                "article": f"第{cn_number(n)}条 {title}",
                "enum": f"{cn_number(n)}、{title}",
                "dotted": f"{n}. {title}",
            }[style]
        else:
            heading = {"article": f"Article {n} {title}", "numbered": f"{n}. {title.upper()}"}[style]
        paragraphs = [p.replace("{amount}", amount) for p in variant["text"]]
        if style in ("dotted", "numbered") and len(paragraphs) > 1:
            paragraphs = [f"{n}.{k} {p}" for k, p in enumerate(paragraphs, start=1)]
        clauses.append({"heading": heading, "paragraphs": paragraphs})
        if topic.get("topic") != "boilerplate":
            labels.append(
                {
                    "clause": str(n),
                    "topic": topic["topic"],
                    "variant": variant["id"],
                    "kinds": variant.get("kinds", []),
                    "lookalike": bool(variant.get("lookalike")),
                    "text": "".join(paragraphs) if lang == "zh" else " ".join(paragraphs),
                }
            )
    rows = rng.choice([6, 12, 30, 60, 110, 160])
    schedule_title = "附件一 供货清单" if lang == "zh" else "SCHEDULE 1 - EQUIPMENT LIST"
    signature = (
        [
            f"甲方（盖章）：{customer}",
            "授权代表：",
            f"乙方（盖章）：{supplier}",
            "授权代表：",
            schedule_title,
            *_schedule(lang, rng, rows),
        ]
        if lang == "zh"
        else [
            f"Signed for {customer}: ____________",
            f"Signed for {supplier}: ____________",
            schedule_title,
            *_schedule(lang, rng, rows),
        ]
    )
    preamble = (
        [
            f"甲方（买方）：{customer}",
            f"乙方（卖方）：{supplier}",
            "甲乙双方根据《中华人民共和国民法典》及相关法律法规，经平等协商，就乙方向甲方提供产品及服务事宜达成如下协议：",
        ]
        if lang == "zh"
        else [
            f'This Agreement is made between {customer} (the "Customer") and {supplier} (the "Supplier").',
            "The parties agree as follows:",
        ]
    )
    title = (
        rng.choice(["设备采购合同", "技术服务合同", "软件许可及实施合同", "产品购销合同"])
        if lang == "zh"
        else rng.choice(["SUPPLY AGREEMENT", "SERVICES AGREEMENT", "EQUIPMENT PURCHASE AGREEMENT"])
    )
    return {
        "id": f"{lang}-{index:03d}",
        "lang": lang,
        "source": {
            "title": title,
            "lang": lang,
            "reference": f"HT-2026-{index:04d}" if lang == "zh" else f"AGR-2026-{index:04d}",
            "preamble": preamble,
            "clauses": clauses,
            "signature": signature,
        },
        "labels": labels,
        "missing": sorted(missing),
        "lookalikes": [lb["variant"] for lb in labels if lb["lookalike"]],
    }


def library(lang: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{lang}.yaml").read_text(encoding="utf-8"))


def compose(zh_count: int = ZH_COUNT, en_count: int = EN_COUNT, seed: int = SEED) -> list[dict[str, Any]]:
    zh, en = library("zh"), library("en")
    out = []
    for i in range(zh_count):
        out.append(compose_one(i, "zh", zh, random.Random(seed + i)))
    for i in range(en_count):
        out.append(compose_one(100 + i, "en", en, random.Random(seed + 100 + i)))
    return out


def main(argv: list[str] | None = None) -> int:
    contracts = compose()
    with OUT.open("w", encoding="utf-8") as fh:
        for c in contracts:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"wrote {len(contracts)} contracts to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
