"""Dedup bench: full scan of 100k and 1M generated customers (time, peak memory), and the p95 of
the creation check with 100k customers stored. Each scan runs in a subprocess of its own so its
peak RSS is its own. `--quick` runs 20k and skips the 1M scan."""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COMMON = (
    "华信博远中科天衡瑞丰恒通鼎盛明德安泰宏达同创汇智金桥启明长青嘉禾立信思源泰和卓越正源远景星河海纳德邦联拓新元睿达晨光"
    "青云鑫源聚能天成弘毅永安致远东方盛世华泰光大科达润泽宇航智联宝通恒瑞凯盛国际美家宜家百川万象千禾皓月朗润锦程荣昌"
)
TRADES = [
    "科技",
    "信息技术",
    "软件",
    "网络科技",
    "医疗器械",
    "生物医药",
    "电子",
    "机械设备",
    "精密制造",
    "新能源",
    "环保科技",
    "物流",
    "供应链管理",
    "建设工程",
    "食品",
    "化工",
    "汽车零部件",
    "教育科技",
    "文化传媒",
    "检测技术",
]
CITIES = [
    ("上海市", "021"),
    ("北京市", "010"),
    ("深圳市", "0755"),
    ("广州市", "020"),
    ("杭州市", "0571"),
    ("苏州市", "0512"),
    ("南京市", "025"),
    ("成都市", "028"),
    ("武汉市", "027"),
    ("无锡市", "0510"),
]


def generate(n: int, seed: int = 7, dup_share: float = 0.1) -> Iterator[dict[str, Any]]:
    """n customers, about `dup_share` of them retyped copies of earlier ones (streamed)."""
    rng = random.Random(seed)
    originals: list[tuple[str, str, str, str]] = []
    for i in range(n):
        if originals and rng.random() < dup_share:
            core, city, phone, rep = rng.choice(originals)
            yield {
                "id": i,
                "name": rng.choice([core, f"{city.rstrip('市')}{core}有限公司", f"{core}(总部)"]),
                "city": city,
                "phone": "+86 " + phone.lstrip("0"),
                "legal_representative": rep,
            }
            continue
        brand = rng.choice(COMMON) + rng.choice(COMMON) + rng.choice(["", "", rng.choice(COMMON)])
        core = brand + rng.choice(TRADES)
        city, area = rng.choice(CITIES)
        phone = f"{area}-{rng.randint(50000000, 89999999)}"
        rep = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(COMMON)
        if len(originals) < 200000:
            originals.append((core, city, phone, rep))
        yield {
            "id": i,
            "name": f"{core}有限公司",
            "city": city,
            "phone": phone,
            "legal_representative": rep,
            "industry": "制造",
            "address": f"{city}{rng.choice(COMMON)}路{rng.randint(1, 999)}号",
        }


def _scan_child(n: int) -> None:
    from copilot.dedup.rules import default_rules
    from copilot.dedup.scan import scan_records

    started = time.perf_counter()
    result = scan_records(generate(n), default_rules("customers"))
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mb": peak_mb,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "clusters": len(result.clusters),
                "rate": result.duplicate_rate,
            }
        )
    )


def _scan(n: int) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-c", f"from bench.bench_dedup import _scan_child; _scan_child({n})"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check_p95(n: int, probes: int = 300) -> float:
    """p95 ms of the creation check (candidate queries + scoring) with n customers stored (SQLite)."""
    from sqlalchemy import insert

    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.db.schema import CustomerRow
    from copilot.dedup.normalise import normalise_company_name, normalise_phone
    from copilot.dedup.service import check_new
    from copilot.errors import Conflict
    from copilot.models import CustomerIn
    from copilot.records.service import CreateOptions

    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        context = build_context(Settings(data_dir=Path(tmp), log_level="WARNING"))
        records = list(generate(n, seed=11, dup_share=0.0))
        with context.db.transaction() as session:
            for start in range(0, n, 5000):
                session.execute(
                    insert(CustomerRow),
                    [
                        {
                            "name": r["name"],
                            "name_key": normalise_company_name(r["name"]),
                            "city": r["city"],
                            "phone": r["phone"],
                            "phone_key": normalise_phone(r["phone"]),
                            "legal_representative": r["legal_representative"],
                            "industry": r["industry"],
                            "address": r["address"],
                        }
                        for r in records[start : start + 5000]
                    ],
                )
        rng = random.Random(3)
        timings = []
        outcomes = {"passed": 0, "refused": 0}
        with context.db.read() as session:
            for k in range(probes):
                base = rng.choice(records)
                if k % 2:  # a retyped duplicate: the check must find it
                    data = CustomerIn(
                        name=base["name"].replace("有限公司", "") + "(总部)",
                        city=base["city"],
                        phone="+86 " + base["phone"].lstrip("0"),
                    )
                else:  # a new company
                    data = CustomerIn(
                        name=f"全新{k}测试科技有限公司", city="上海市", phone=f"021-{10000000 + k}"
                    )
                started = time.perf_counter()
                try:
                    check_new(session, "customers", data, CreateOptions())
                    outcomes["passed"] += 1
                except Conflict:  # the expected outcome for the retyped duplicates
                    outcomes["refused"] += 1
                timings.append((time.perf_counter() - started) * 1000)
        context.db.dispose()
    if outcomes["refused"] < probes // 2 * 0.9:  # the check must find the retyped duplicates it is timed on
        raise AssertionError(f"creation check found only {outcomes['refused']} of {probes // 2} duplicates")
    return statistics.quantiles(timings, n=20)[-1]


def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = [(20000, 30.0 * 20000 / 100000)] if quick else [(100000, 30.0), (1000000, 300.0)]
    import os

    rows.append(
        {
            "area": "dedup",
            "metric": "load average at start (2 shared cores)",
            "value": round(os.getloadavg()[0], 1),
            "unit": "",
            "target": "",
            "ok": None,
        }
    )
    for n, limit in sizes:
        figures = _scan(n)
        label = f"{n // 1000}k"
        rows.append(
            {
                "area": "dedup",
                "metric": f"scan {label} customers, CPU time",
                "value": round(figures["cpu_seconds"], 1),
                "unit": "s",
                "target": "",
                "ok": None,
            }
        )
        rows.append(
            {
                "area": "dedup",
                "metric": f"scan {label} customers, wall time",
                "value": round(figures["seconds"], 1),
                "unit": "s",
                "target": f"≤ {limit:.0f} s",
                "ok": figures["seconds"] <= limit,
            }
        )
        rows.append(
            {
                "area": "dedup",
                "metric": f"scan {label} peak memory",
                "value": round(figures["peak_mb"]),
                "unit": "MB",
                "target": "≤ 4096 MB",
                "ok": figures["peak_mb"] <= 4096,
            }
        )
    stored = 20000 if quick else 100000
    p95 = _check_p95(stored)
    rows.append(
        {
            "area": "dedup",
            "metric": f"creation check p95 ({stored // 1000}k stored)",
            "value": round(p95, 2),
            "unit": "ms",
            "target": "≤ 20 ms",
            "ok": p95 <= 20,
        }
    )
    return rows
