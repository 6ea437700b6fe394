"""The foundation's demo step: organisation, customers with planted duplicates, contacts, leads,
opportunities with stage histories, activities.

Planted duplicates carry the external id of their original plus a suffix (`DEMO-C-00012~d1`),
so the dedup evaluation can read the truth from the data. The seeds' cases are planted by name:
上海交通大学医学院附属瑞金医院 stored 17 times, 李总 created three times by three people,
and look-alikes that are different legal entities (腾讯科技(深圳) vs 深圳市腾讯计算机系统).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from copilot import org
from copilot.auth import system_caller
from copilot.bootstrap import AppContext
from copilot.clock import now
from copilot.db.schema import OpportunityRow, StageHistoryRow
from copilot.dedup.normalise import make_uscc
from copilot.demo import DemoState
from copilot.models import ActivityIn, ContactIn, CustomerIn, LeadIn, OpportunityIn
from copilot.records.service import CreateOptions, insert_many
from copilot.records.specs import ACTIVITIES, CONTACTS, CUSTOMERS, LEADS, OPPORTUNITIES

N_CUSTOMERS = 2000
N_LEADS = 5000
N_OPPORTUNITIES = 500
DUPLICATE_SHARE = 0.05
INACTIVE_REP = "zhao.lei"
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# (login, name, role, department index or None)
PEOPLE: list[tuple[str, str, str, int | None]] = [
    ("admin", "系统管理员", "admin", None),
    ("legal.chen", "陈律师", "legal", None),
    ("finance.wu", "吴会计", "finance", None),
    ("wang.min", "王敏", "manager", 0),
    ("li.qiang", "李强", "rep", 0),
    ("zhang.jie", "张杰", "rep", 0),
    ("liu.yang", "刘洋", "rep", 0),
    ("chen.jing", "陈静", "rep", 0),
    ("zhao.lei", "赵磊", "rep", 0),
    ("sun.li", "孙丽", "rep", 0),
    ("huang.tao", "黄涛", "manager", 1),
    ("zhou.na", "周娜", "rep", 1),
    ("wu.chao", "吴超", "rep", 1),
    ("xu.fang", "徐芳", "rep", 1),
    ("lin.feng", "林峰", "rep", 1),
    ("he.yan", "何艳", "rep", 1),
    ("luo.ming", "罗明", "rep", 1),
    ("mike.zhang", "Mike Zhang", "manager", 2),
    ("amy.li", "Amy Li", "rep", 2),
    ("tom.wang", "Tom Wang", "rep", 2),
    ("lucy.chen", "Lucy Chen", "rep", 2),
    ("jack.liu", "Jack Liu", "rep", 2),
    ("grace.xu", "Grace Xu", "rep", 2),
    ("gao.wen", "高文", "manager", 3),
    ("liang.yu", "梁雨", "rep", 3),
    ("xie.hui", "谢慧", "rep", 3),
    ("song.bo", "宋波", "rep", 3),
    ("tang.yi", "唐怡", "rep", 3),
    ("han.xue", "韩雪", "rep", 3),
    ("new.hire", "钱新", "rep", 0),
]


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    return yaml.safe_load(Path(__file__).with_name("vocab.yaml").read_text("utf-8"))


def _org_code(key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return "".join(ORG_ALPHABET[b % 31] for b in digest[:9])


def demo_uscc(key: str, region_code: str = "310000", kind: str = "91") -> str:
    return make_uscc(kind + region_code + _org_code(key))


def load_core(context: AppContext, state: DemoState) -> dict[str, Any]:
    rng = state.rng
    vocab = vocabulary()
    caller = system_caller()
    with context.db.transaction() as session:
        depts = [org.get_or_create_department(session, d["name"], d["region"]) for d in vocab["departments"]]
        state.departments = {d.name: d.id for d in depts}
        keys: dict[str, str] = {}
        for login, name, role, dept_index in PEOPLE:
            created = org.add_user(
                session,
                login=login,
                name=name,
                role=role,
                department=depts[dept_index].name if dept_index is not None else None,
            )
            state.users[login] = created.user.id
            keys[login] = created.api_key
        org.deactivate_user(session, INACTIVE_REP)
        context.settings.data_dir.mkdir(parents=True, exist_ok=True)
        key_file = context.settings.data_dir / "demo-admin-key.txt"
        key_file.write_text(keys["admin"] + "\n")
        key_file.chmod(0o600)
        (context.settings.data_dir / "demo-keys.yaml").write_text(yaml.safe_dump(keys, allow_unicode=True))
        (context.settings.data_dir / "demo-keys.yaml").chmod(0o600)

        reps_by_dept = {
            d.id: [
                state.users[login]
                for login, _, role, i in PEOPLE
                if role == "rep" and i is not None and depts[i].id == d.id and login != "new.hire"
            ]
            for d in depts
        }
        customer_items, planted = _customers(rng, vocab, depts, reps_by_dept)
        planted_on_purpose = CreateOptions(skip_checks="demo load: duplicates are planted on purpose")
        customers = insert_many(session, caller, CUSTOMERS, customer_items, options=planted_on_purpose)
        state.customers = [c.id for c in customers]
        by_external = {c.external_id: c for c in customers}
        state.facts["planted_duplicates"] = planted
        state.facts["ruijin_external_ids"] = [e for e in by_external if e.startswith("DEMO-C-RUIJIN")]

        contacts = insert_many(
            session, caller, CONTACTS, _contacts(rng, vocab, customers), options=planted_on_purpose
        )
        leads = insert_many(session, caller, LEADS, _leads(rng, vocab, depts, reps_by_dept, customers))
        opportunities = _opportunities(session, caller, rng, vocab, customers, state)
        activities = insert_many(
            session, caller, ACTIVITIES, _activities(rng, vocab, customers, contacts, opportunities, state)
        )
    return {
        "users": len(PEOPLE),
        "departments": len(depts),
        "customers": len(customers),
        "planted_duplicates": sum(len(v) for v in planted.values()),
        "contacts": len(contacts),
        "leads": len(leads),
        "opportunities": len(opportunities),
        "activities": len(activities),
    }


def _name(rng: Any, vocab: dict[str, Any], industry: str, city: str, used: set[str]) -> str:
    forms = vocab["industries"][industry]["forms"]
    for _ in range(50):
        name = rng.choice(forms).format(
            brand=rng.choice(vocab["brands"]) + rng.choice(["", "", "科创", "智造", "华", "联"]),
            city=city.rstrip("市"),
            n=rng.randint(1, 9),
        )
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("demo name space exhausted")


def _variant(rng: Any, name: str, province: str, kind: int) -> str:
    """A duplicate as people type it: suffix changed, region prefixed, brackets, spaces."""
    base = name
    for suffix in ("股份有限公司", "有限公司"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    options = [
        base,
        province.rstrip("省市") + base + "有限公司",
        base + "有限责任公司",
        name.replace("有限公司", "(有限公司)") if "有限公司" in name else base + "(总部)",
        " ".join(base) if len(base) < 6 else base[:2] + " " + base[2:] + "有限公司",
    ]
    return options[kind % len(options)]


def _customers(
    rng: Any, vocab: dict[str, Any], depts: list[Any], reps_by_dept: dict[int, list[int]]
) -> tuple[list[CustomerIn], dict[str, list[str]]]:
    items: list[CustomerIn] = []
    planted: dict[str, list[str]] = {}
    used: set[str] = set()
    industries = list(vocab["industries"])
    n_duplicates = int(N_CUSTOMERS * DUPLICATE_SHARE)
    specials = _special_customers(vocab, depts, reps_by_dept)
    n_originals = N_CUSTOMERS - n_duplicates - len(specials)
    for i in range(n_originals):
        dept = depts[i % 2] if rng.random() < 0.85 else depts[2 + i % 2]
        domestic = dept.region in ("华东", "华南")
        province = rng.choice([d for d in vocab["departments"] if d["name"] == dept.name][0]["provinces"])
        city = rng.choice(vocab["cities"][province])
        industry = industries[i % len(industries)] if domestic else "跨境电商"
        if domestic:
            name = _name(rng, vocab, industry, city, used)
            uscc = (
                demo_uscc(
                    name, vocab["region_codes"].get(province, "310000"), "12" if "医院" in name else "91"
                )
                if rng.random() < 0.8
                else None
            )
            phone = (
                f"0{rng.choice(['21', '512', '571', '755', '20', '592'])}-{rng.randint(5000000, 89999999)}"
            )
        else:
            while True:
                name = rng.choice(vocab["english_forms"]).format(
                    brand_en=f"{rng.choice(vocab['english_brands'])} {rng.choice(['Global', 'Direct', 'Group', 'Supply', 'Online', 'Home'])}"
                )
                if name not in used:
                    used.add(name)
                    break
            uscc, phone = (
                None,
                f"+1 {rng.randint(200, 999)} {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
            )
        owner = rng.choice(reps_by_dept[dept.id]) if rng.random() < 0.9 else None
        items.append(
            CustomerIn(
                external_id=f"DEMO-C-{i:05d}",
                name=name,
                uscc=uscc,
                province=province,
                city=city,
                industry=industry,
                address=f"{city}{rng.choice(['高新区', '经开区', '工业园区', '中心区'])}{rng.choice(vocab['brands'])}路{rng.randint(1, 999)}号",
                legal_representative=rng.choice(vocab["surnames"]) + rng.choice(vocab["given_names"]),
                phone=phone,
                email=f"info@{_org_code(name).lower()[:6]}.com.cn"
                if domestic
                else f"hello@{name.split()[0].lower()}.com",
                website=None,
                size_band=rng.choice(vocab["size_bands"]),
                owner_id=owner,
                department_id=dept.id,
                tags=[],
            )
        )
    items.extend(specials)
    planted.update({s.external_id.split("~")[0]: [] for s in specials if "~" not in (s.external_id or "")})
    for s in specials:
        if s.external_id and "~" in s.external_id:
            planted.setdefault(s.external_id.split("~")[0], []).append(s.external_id)
    originals = [c for c in items[:n_originals] if c.uscc or rng.random() < 0.5]
    remaining = N_CUSTOMERS - len(items)
    for j in range(remaining):
        original = originals[(j * 37) % len(originals)]
        number = len(planted.get(original.external_id or "", [])) + 1
        dup_id = f"{original.external_id}~d{number}"
        planted.setdefault(original.external_id or "", []).append(dup_id)
        other_rep = [
            r for r in reps_by_dept.get(original.department_id or 0, []) if r != original.owner_id
        ] or [original.owner_id]
        items.append(
            original.model_copy(
                update={
                    "external_id": dup_id,
                    "name": _variant(rng, original.name, original.province or "", j),
                    "uscc": original.uscc if j % 3 else None,
                    "phone": (original.phone or "").replace("-", " ")
                    if j % 2
                    else "+86 " + (original.phone or "").lstrip("0"),
                    "owner_id": rng.choice(other_rep),
                    "address": (original.address or "") + ("" if j % 2 else "(东门)"),
                }
            )
        )
    return items, {k: v for k, v in planted.items() if v}


def _special_customers(
    vocab: dict[str, Any], depts: list[Any], reps_by_dept: dict[int, list[int]]
) -> list[CustomerIn]:
    east = depts[0]
    south = depts[1]
    reps = reps_by_dept[east.id]
    ruijin_uscc = demo_uscc("ruijin", "310000", "12")
    ruijin_names = [
        "上海交通大学医学院附属瑞金医院",
        "瑞金医院",
        "上海瑞金医院有限公司",
        "上海市瑞金医院",
        "瑞金医院(总院)",
        "上海交通大学医学院附属瑞金医院(本部)",
        "上海 瑞金医院",
        "瑞金醫院",
        "交大医学院附属瑞金医院",
        "上海交通大学附属瑞金医院",
        "瑞金医院(设备科)",
        "上海瑞金医院",
        "瑞金医院有限公司",
        "上海市瑞金医院有限公司",
        "瑞金医院 ",
        "上海瑞金医院(信息科)",
        "瑞金医院(采购中心)",
    ]
    items = []
    for k, name in enumerate(ruijin_names):
        items.append(
            CustomerIn(
                external_id="DEMO-C-RUIJIN" + ("" if k == 0 else f"~d{k}"),
                name=name,
                uscc=ruijin_uscc if k % 3 == 0 else None,
                province="上海市",
                city="上海市",
                industry="医疗",
                address="上海市黄浦区瑞金二路197号" if k % 2 == 0 else "瑞金二路197号",
                legal_representative="宁光",
                phone=["021-64370045", "+86 21 6437 0045", "(021)64370045", "02164370045"][k % 4],
                email="info@rjh.com.cn" if k % 4 == 0 else None,
                size_band="1000+",
                owner_id=reps[k % len(reps)],
                department_id=east.id,
                tags=[],
            )
        )
    south_reps = reps_by_dept[south.id]
    lookalikes = [
        (
            "DEMO-C-TENCENT-A",
            "腾讯科技(深圳)有限公司",
            demo_uscc("tencent-a", "440300"),
            "SaaS",
            "深圳市",
            "广东省",
            "马化腾",
        ),
        (
            "DEMO-C-TENCENT-B",
            "深圳市腾讯计算机系统有限公司",
            demo_uscc("tencent-b", "440300"),
            "SaaS",
            "深圳市",
            "广东省",
            "马化腾",
        ),
        (
            "DEMO-C-PUMCH",
            "北京协和医院",
            demo_uscc("pumch", "110000", "12"),
            "医疗",
            "北京市",
            "北京市",
            "张抒扬",
        ),
        (
            "DEMO-C-PUMC",
            "北京协和医学院",
            demo_uscc("pumc", "110000", "12"),
            "医疗",
            "北京市",
            "北京市",
            "王辰",
        ),
    ]
    for ext, name, uscc, industry, city, province, rep in lookalikes:
        items.append(
            CustomerIn(
                external_id=ext,
                name=name,
                uscc=uscc,
                province=province,
                city=city,
                industry=industry,
                legal_representative=rep,
                owner_id=south_reps[0],
                department_id=south.id,
                size_band="1000+",
            )
        )
    return items


def _contacts(rng: Any, vocab: dict[str, Any], customers: list[Any]) -> list[ContactIn]:
    items: list[ContactIn] = []
    for c in customers:
        if c.external_id and "~" in c.external_id:
            continue
        titles = vocab["industries"].get(c.industry or "", vocab["industries"]["SaaS"])["titles"]
        for k in range(rng.randint(1, 3)):
            english = c.department_id and c.province and c.province[0].isascii()
            name = (
                rng.choice(vocab["english_people"])
                if english
                else rng.choice(vocab["surnames"]) + rng.choice(vocab["given_names"])
            )
            items.append(
                ContactIn(
                    external_id=f"{c.external_id}-P{k}",
                    customer_id=c.id,
                    name=name,
                    title=rng.choice(titles),
                    phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
                    email=None,
                    wechat=None,
                )
            )
    # 李总 created three times by three people (the seeds' contact case)
    ruijin = next(c for c in customers if c.external_id == "DEMO-C-RUIJIN")
    for k, (name, phone, title) in enumerate(
        [
            ("李总", "138 1234 5678", "副院长"),
            ("李建国", "+86 13812345678", "副院长"),
            ("李 总", "13812345678", None),
        ]
    ):
        items.append(
            ContactIn(
                external_id=f"DEMO-P-LIZONG-{k}",
                customer_id=ruijin.id,
                name=name,
                title=title,
                phone=phone,
                wechat="lijianguo_rj" if k == 1 else None,
            )
        )
    return items


def _leads(
    rng: Any,
    vocab: dict[str, Any],
    depts: list[Any],
    reps_by_dept: dict[int, list[int]],
    customers: list[Any],
) -> list[LeadIn]:
    items: list[LeadIn] = []
    start = now() - timedelta(days=90)
    industries = list(vocab["industries"])
    for i in range(N_LEADS):
        source = rng.choice(vocab["lead_sources"])
        dept = depts[2] if source == "amazon_us" else rng.choice(depts)
        domestic = dept.region in ("华东", "华南")
        created = start + timedelta(seconds=rng.randint(0, 90 * 86400))
        english = not domestic
        name = (
            rng.choice(vocab["english_people"])
            if english
            else rng.choice(vocab["surnames"]) + rng.choice(vocab["given_names"])
        )
        test_row = rng.random() < 0.03
        phone = (
            "13800138000"
            if test_row and i % 2
            else f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"
        )
        email = (
            f"test{i}@test.com"
            if test_row and not i % 2
            else (f"contact{i}@example.com.cn" if domestic else f"buyer{i}@example.com")
        )
        region = dept.region
        items.append(
            LeadIn(
                external_id=f"DEMO-L-{i:05d}",
                source=source,
                utm_source=vocab["utm_sources"][source],
                utm_medium="cpc" if source in ("百度推广", "抖音直播") else "organic",
                utm_campaign=f"2026Q{1 + created.month // 4}-{vocab['utm_sources'][source]}",
                company=(
                    rng.choice(vocab["brands"]) + rng.choice(["科技", "制造", "医疗", "贸易"]) + "有限公司"
                )
                if domestic
                else f"{rng.choice(vocab['english_brands'])} Inc.",
                contact_name=name,
                contact_title=rng.choice(vocab["decision_roles"]),
                phone=phone,
                email=email,
                region=region,
                industry=rng.choice(industries) if domestic else "跨境电商",
                size_band=rng.choice(vocab["size_bands"]),
                budget=float(rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 500])) * 10000,
                decision_role=rng.choice(vocab["decision_roles"]),
                purchase_timeline=rng.choice(vocab["timelines"]),
                department_id=dept.id,
                created_at=created,
            )
        )
    return items


def _opportunities(
    session: Any, caller: Any, rng: Any, vocab: dict[str, Any], customers: list[Any], state: DemoState
) -> list[Any]:
    """Opportunities with stage histories: most moving normally, some parked for weeks."""
    stages = vocab["stages"]
    originals = [c for c in customers if c.external_id and "~" not in c.external_id and c.owner_id]
    chosen = rng.sample(originals, N_OPPORTUNITIES)
    items = []
    plans = []
    for i, c in enumerate(chosen):
        products = vocab["industries"].get(c.industry or "", vocab["industries"]["SaaS"])["products"]
        product = rng.choice(products)
        created = now() - timedelta(days=rng.randint(20, 200))
        final_index = min(int(rng.random() ** 1.3 * len(stages)), len(stages) - 1)
        lost = final_index < 5 and rng.random() < 0.12
        stuck = not lost and final_index < 4 and rng.random() < 0.35
        plans.append((final_index, lost, stuck, created))
        items.append(
            OpportunityIn(
                external_id=f"DEMO-O-{i:04d}",
                customer_id=c.id,
                name=f"{c.name} {product}",
                amount=float(rng.choice([8, 15, 30, 50, 86, 120, 200, 350, 500])) * 10000,
                product=product,
                stage=stages[0],
                owner_id=c.owner_id,
                created_at=created,
            )
        )
    rows = insert_many(session, caller, OPPORTUNITIES, items)
    for row, (final_index, lost, stuck, created) in zip(rows, plans, strict=True):
        _advance_history(session, row, stages, final_index, lost, stuck, created, rng, vocab)
    state.facts["stuck_opportunities"] = [r.external_id for r, p in zip(rows, plans, strict=True) if p[2]]
    return rows


def _advance_history(
    session: Any,
    row: OpportunityRow,
    stages: list[str],
    final_index: int,
    lost: bool,
    stuck: bool,
    created: Any,
    rng: Any,
    vocab: dict[str, Any],
) -> None:
    at = created
    horizon = now() - timedelta(days=rng.randint(25, 60) if stuck else rng.randint(1, 6))
    step = (horizon - created) / max(final_index, 1)
    for index in range(1, final_index + 1):
        at = created + step * index
        session.add(
            StageHistoryRow(
                opportunity_id=row.id,
                from_stage=stages[index - 1],
                to_stage=stages[index],
                actor_id=row.owner_id,
                at=at,
                reason=None,
            )
        )
    row.stage = stages[final_index]
    row.stage_entered_at = at
    if final_index == len(stages) - 1:
        row.status = "won"
    elif lost:
        row.status = "lost"
        row.lost_reason = rng.choice(vocab["lost_reasons"])


def _activities(
    rng: Any,
    vocab: dict[str, Any],
    customers: list[Any],
    contacts: list[Any],
    opportunities: list[Any],
    state: DemoState,
) -> list[ActivityIn]:
    contacts_by_customer: dict[int, list[Any]] = {}
    for p in contacts:
        contacts_by_customer.setdefault(p.customer_id, []).append(p)
    customer_by_id = {c.id: c for c in customers}
    items: list[ActivityIn] = []
    kinds = list(vocab["activity_templates"])
    for o in opportunities:
        c = customer_by_id[o.customer_id]
        people = contacts_by_customer.get(c.id, [])
        stuck = o.external_id in state.facts.get("stuck_opportunities", [])
        last = (
            o.stage_entered_at - timedelta(days=rng.randint(1, 5))
            if stuck
            else now() - timedelta(days=rng.randint(0, 10))
        )
        for k in range(rng.randint(2, 6)):
            kind = kinds[(k + o.id) % len(kinds)]
            person = rng.choice(people) if people else None
            text = rng.choice(vocab["activity_templates"][kind]).format(
                product=o.product or "方案",
                concern=rng.choice(vocab["concerns"]),
                contact=person.name if person else "客户",
                title=person.title if person and person.title else "负责人",
            )
            items.append(
                ActivityIn(
                    external_id=f"{o.external_id}-A{k}",
                    customer_id=c.id,
                    contact_id=person.id if person else None,
                    opportunity_id=o.id,
                    kind=kind,
                    subject=f"{o.product} 跟进",
                    text=text,
                    occurred_at=last - timedelta(days=k * rng.randint(3, 9)),
                    author_id=o.owner_id,
                    participants=[person.name] if person else [],
                )
            )
    return items
