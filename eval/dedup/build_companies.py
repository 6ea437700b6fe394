"""Builds eval/dedup/companies.jsonl: a labelled set of Chinese company records (deterministic).

`entity` is the truth: records sharing it are one legal entity. The set mixes
- real-world look-alikes that are different legal entities (腾讯科技(深圳) vs 深圳市腾讯计算机系统,
  北京协和医院 vs 北京协和医学院, 华为技术 vs 华为终端 ...), with and without their uscc;
- generated companies, each stored 1-4 times with the variants people type: legal form changed or
  dropped, province/city prefix added, traditional characters, brackets full/half width, spaces,
  desk qualifiers ('(采购部)'), English names, phone written as +86 / with dashes / landline vs
  switchboard, uscc present on some copies only, address abbreviated;
- distractors: same brand in another city or industry, parent vs 分公司, one character apart.
Run `python eval/dedup/build_companies.py` to regenerate; the file is committed.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import zhconv  # noqa: E402

from copilot.dedup.normalise import make_uscc  # noqa: E402

OUT = Path(__file__).with_name("companies.jsonl")
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

CITIES = {
    "上海市": ("上海市", "310000", "021", ["浦东新区", "闵行区", "徐汇区", "嘉定区"]),
    "北京市": ("北京市", "110000", "010", ["海淀区", "朝阳区", "亦庄经开区", "昌平区"]),
    "深圳市": ("广东省", "440300", "0755", ["南山区", "宝安区", "龙岗区", "福田区"]),
    "广州市": ("广东省", "440100", "020", ["天河区", "黄埔区", "番禺区"]),
    "杭州市": ("浙江省", "330100", "0571", ["滨江区", "余杭区", "西湖区"]),
    "苏州市": ("江苏省", "320500", "0512", ["工业园区", "吴中区", "高新区"]),
    "南京市": ("江苏省", "320100", "025", ["江宁区", "鼓楼区", "雨花台区"]),
    "成都市": ("四川省", "510100", "028", ["高新区", "武侯区", "双流区"]),
    "武汉市": ("湖北省", "420100", "027", ["东湖高新区", "江汉区", "洪山区"]),
    "无锡市": ("江苏省", "320200", "0510", ["新吴区", "滨湖区"]),
}
BRANDS = [
    "华信",
    "博远",
    "中科",
    "天衡",
    "瑞丰",
    "恒通",
    "鼎盛",
    "明德",
    "安泰",
    "宏达",
    "同创",
    "汇智",
    "金桥",
    "启明",
    "长青",
    "嘉禾",
    "立信",
    "思源",
    "泰和",
    "卓越",
    "正源",
    "远景",
    "星河",
    "海纳",
    "德邦",
    "联拓",
    "新元",
    "睿达",
    "晨光",
    "青云",
    "鑫源",
    "聚能",
    "天成",
    "弘毅",
    "永安",
    "致远",
    "东方",
    "盛世",
    "华泰",
    "光大",
    "科达",
    "润泽",
    "信达",
    "宇航",
    "智联",
    "宝通",
    "恒瑞",
    "凯盛",
]
TRADES = [
    ("科技", "SaaS"),
    ("信息技术", "SaaS"),
    ("软件", "SaaS"),
    ("网络科技", "SaaS"),
    ("医疗器械", "医疗"),
    ("生物医药", "医疗"),
    ("电子", "制造"),
    ("机械设备", "制造"),
    ("精密制造", "制造"),
    ("新能源", "能源"),
    ("环保科技", "能源"),
    ("物流", "物流"),
    ("供应链管理", "物流"),
    ("建设工程", "建筑"),
    ("食品", "消费"),
    ("化工", "制造"),
    ("汽车零部件", "制造"),
    ("教育科技", "教育"),
    ("文化传媒", "消费"),
    ("检测技术", "医疗"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建国",
    "海燕",
    "志强",
    "晓东",
]
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]

# Real look-alikes: (entity key, name, city, industry, legal representative, English name or None)
REAL = [
    (
        "tencent-a",
        "腾讯科技(深圳)有限公司",
        "深圳市",
        "SaaS",
        "马化腾",
        "Tencent Technology (Shenzhen) Co., Ltd.",
    ),
    (
        "tencent-b",
        "深圳市腾讯计算机系统有限公司",
        "深圳市",
        "SaaS",
        "马化腾",
        "Shenzhen Tencent Computer Systems Co., Ltd.",
    ),
    ("pumch", "北京协和医院", "北京市", "医疗", "张抒扬", "Peking Union Medical College Hospital"),
    ("pumc", "北京协和医学院", "北京市", "医疗", "王辰", "Peking Union Medical College"),
    ("huawei-tech", "华为技术有限公司", "深圳市", "制造", "赵明路", "Huawei Technologies Co., Ltd."),
    ("huawei-device", "华为终端有限公司", "深圳市", "制造", "何刚", "Huawei Device Co., Ltd."),
    ("ruijin", "上海交通大学医学院附属瑞金医院", "上海市", "医疗", "宁光", "Ruijin Hospital"),
    ("huashan", "复旦大学附属华山医院", "上海市", "医疗", "毛颖", "Huashan Hospital"),
    ("xiaomi-comm", "小米通讯技术有限公司", "北京市", "制造", "林斌", "Xiaomi Communications Co., Ltd."),
    ("xiaomi-tech", "小米科技有限责任公司", "北京市", "制造", "雷军", None),
    ("zte", "中兴通讯股份有限公司", "深圳市", "制造", "李自学", "ZTE Corporation"),
    ("zte-soft", "中兴软件技术有限公司", "南京市", "SaaS", "徐子阳", None),
    ("lenovo-bj", "联想(北京)有限公司", "北京市", "制造", "杨元庆", "Lenovo (Beijing) Co., Ltd."),
    ("lenovo-sh", "联想(上海)有限公司", "上海市", "制造", "乔健", None),
    (
        "jd-trade",
        "北京京东世纪贸易有限公司",
        "北京市",
        "消费",
        "刘强东",
        "Beijing Jingdong Century Trading Co., Ltd.",
    ),
    ("jd-logistics", "京东物流供应链有限公司", "北京市", "物流", "余睿", None),
]


def org_code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(9))


def uscc_for(rng: random.Random, region: str, hospital: bool = False) -> str:
    return make_uscc(("12" if hospital else "91") + region + org_code(rng))


def phone_for(rng: random.Random, area: str) -> str:
    return f"{area}-{rng.randint(5000000, 8999999) if len(area) == 4 else rng.randint(50000000, 89999999)}"


def phone_variant(rng: random.Random, phone: str) -> str:
    area, number = phone.split("-")
    return rng.choice(
        [
            f"+86 {area[1:]} {number}",
            f"({area}){number}",
            f"{area}{number}",
            f"{area} {number}",
            f"+86-{area[1:]}-{number}",
        ]
    )


def name_variants(
    rng: random.Random, name: str, core: str, city: str, province: str, english: str | None
) -> list[tuple[str, str]]:
    """(variant, kind) people type for the same company."""
    city_short = city.rstrip("市")
    options = [
        (core, "legal form dropped"),
        (f"{city_short}{core}有限公司", "city prefix added"),
        (f"{city}{core}有限责任公司", "legal form changed"),
        (zhconv.convert(name, "zh-tw"), "traditional characters"),
        (
            name.replace("(", "(").replace(")", ")") if "(" in name else f"{name}(采购部)",
            "brackets / desk qualifier",
        ),
        (" ".join([core[:2], core[2:]]) + " 有限公司", "spaces"),
        (
            f"{province.rstrip('省市')}{core}股份有限公司" if province != city else f"{city_short}市{core}",
            "province prefix",
        ),
        (f"{core}(总部)", "site qualifier"),
    ]
    if english:
        options.append((english, "English name"))
    rng.shuffle(options)
    return options


def record(rid: str, entity: str, name: str, kind: str, **fields: object) -> dict:
    return {"id": rid, "entity": entity, "name": name, "variant": kind, **fields}


def build(seed: int = 20261124) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"R{counter:04d}"

    for key, name, city, industry, rep, english in REAL:
        province, region, area, districts = CITIES[city]
        uscc = uscc_for(rng, region, "医院" in name or "医学院" in name)
        phone = phone_for(rng, area)
        address = f"{city}{rng.choice(districts)}{rng.choice(BRANDS)}路{rng.randint(1, 999)}号"
        base = dict(
            uscc=uscc,
            province=province,
            city=city,
            industry=industry,
            phone=phone,
            legal_representative=rep,
            address=address,
        )
        rows.append(record(next_id(), key, name, "original", **base))
        if english:
            rows.append(
                record(
                    next_id(),
                    key,
                    english,
                    "English name",
                    city=city,
                    phone=phone_variant(rng, phone),
                    uscc=uscc if rng.random() < 0.5 else None,
                )
            )
        trad = zhconv.convert(name, "zh-tw")
        rows.append(
            record(
                next_id(),
                key,
                trad if trad != name else name + " ",
                "traditional / retyped",
                city=city,
                industry=industry,
                phone=phone_variant(rng, phone),
                address=address.replace(city, ""),
            )
        )

    used: set[str] = set()
    n_entities = 95
    for e in range(n_entities):
        city = list(CITIES)[e % len(CITIES)]
        province, region, area, districts = CITIES[city]
        while True:
            brand = rng.choice(BRANDS) + rng.choice(["", "", "", "科", "盛", "联", "达"])
            trade, industry = rng.choice(TRADES)
            core = brand + trade
            if core not in used:
                used.add(core)
                break
        form = rng.choice(FORMS)
        name = f"{city.rstrip('市')}{core}{form}" if rng.random() < 0.6 else f"{core}{form}"
        uscc = uscc_for(rng, region)
        phone = phone_for(rng, area)
        street = f"{rng.choice(districts)}{rng.choice(BRANDS)}路{rng.randint(1, 999)}号"
        rep = rng.choice(SURNAMES) + rng.choice(GIVEN)
        email = f"info@{''.join(rng.choice('abcdefghkmnprstwxyz') for _ in range(6))}.com.cn"
        entity = f"gen-{e:03d}"
        full = dict(
            uscc=uscc,
            province=province,
            city=city,
            industry=industry,
            phone=phone,
            email=email,
            address=f"{city}{street}",
            legal_representative=rep,
        )
        rows.append(record(next_id(), entity, name, "original", **full))
        copies = rng.choice([0, 1, 1, 2, 2, 2, 3])
        for variant, kind in name_variants(rng, name, core, city, province, None)[:copies]:
            fields: dict[str, object] = {"city": city, "industry": industry}
            if rng.random() < 0.4:
                fields["uscc"] = uscc
            if rng.random() < 0.8:
                fields["phone"] = phone_variant(rng, phone)
            if rng.random() < 0.5:
                fields["address"] = street if rng.random() < 0.5 else f"{province}{city}{street}"
            if rng.random() < 0.4:
                fields["legal_representative"] = rep
            if rng.random() < 0.3:
                fields["email"] = email.upper()
            rows.append(record(next_id(), entity, variant, kind, **fields))
        # distractors: a different legal entity that looks alike
        roll = rng.random()
        if roll < 0.25:  # same brand and trade, another city (its own uscc; sometimes unknown)
            other_city = rng.choice([c for c in CITIES if c != city])
            o_province, o_region, o_area, o_districts = CITIES[other_city]
            rows.append(
                record(
                    next_id(),
                    f"{entity}-other-city",
                    f"{other_city.rstrip('市')}{core}有限公司",
                    "distractor: same name, other city",
                    uscc=uscc_for(rng, o_region) if rng.random() < 0.5 else None,
                    city=other_city,
                    province=o_province,
                    industry=industry,
                    phone=phone_for(rng, o_area),
                )
            )
        elif roll < 0.45:  # a branch office: its own uscc, same brand
            rows.append(
                record(
                    next_id(),
                    f"{entity}-branch",
                    f"{name}{rng.choice(['杭州', '南京', '成都', '武汉'])}分公司",
                    "distractor: branch",
                    uscc=uscc_for(rng, region),
                    city=city,
                    industry=industry,
                    phone=phone_for(rng, area),
                    legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                )
            )
        elif roll < 0.65:  # same brand, other trade
            other_trade = rng.choice([t for t in TRADES if t[0] != trade])
            rows.append(
                record(
                    next_id(),
                    f"{entity}-other-trade",
                    f"{brand}{other_trade[0]}有限公司",
                    "distractor: same brand, other trade",
                    uscc=uscc_for(rng, region) if rng.random() < 0.6 else None,
                    city=city,
                    industry=other_trade[1],
                    phone=phone_for(rng, area),
                )
            )
        elif roll < 0.8:  # one character apart, same city and trade (a real neighbour in the register)
            chars = list(brand)
            chars[-1] = rng.choice([c for c in "华达信通源泰盛恒安" if c != chars[-1]])
            rows.append(
                record(
                    next_id(),
                    f"{entity}-neighbour",
                    f"{''.join(chars)}{trade}有限公司",
                    "distractor: one character apart",
                    uscc=uscc_for(rng, region) if rng.random() < 0.5 else None,
                    city=city,
                    industry=industry,
                    phone=phone_for(rng, area),
                    legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                )
            )
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(
                json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n"
            )
    entities = len({r["entity"] for r in rows})
    print(f"{len(rows)} records, {entities} entities -> {OUT}")


if __name__ == "__main__":
    main()
