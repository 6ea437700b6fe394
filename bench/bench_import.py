"""Import throughput: 100k generated customers from CSV into SQLite and PostgreSQL, peak memory.

Target (issue 2): >= 5,000 rows/s on SQLite on this machine. Rows/s counts the whole import:
reading, validating (uscc check digit), normalised keys, audit entries, one transaction, and the
duplicate check at creation (issue 5), made per 1,000-row batch (`copilot.dedup.creation`); a
second SQLite row measures the import path without that check. The generated names share one
prefix, so every row meets the full 50 name-prefix candidates: the check's worst case.
"""

from __future__ import annotations

import csv
import resource
import tempfile
import time
import uuid
from pathlib import Path

from copilot.auth import system_caller
from copilot.bootstrap import build_context
from copilot.config import Settings
from copilot.dedup.normalise import make_uscc
from copilot.records import service as records

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def write_customers(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["外部编号", "客户名称", "统一社会信用代码", "省份", "城市", "行业", "电话", "地址"])
        for i in range(n):
            org = "".join(ALPHABET[(i // 31**k) % 31] for k in range(9))
            writer.writerow(
                [
                    f"B{i}",
                    f"基准测试客户{i}科技有限公司",
                    make_uscc("91310000" + org),
                    "上海市",
                    "上海市",
                    "SaaS",
                    f"021-{6000000 + i}",
                    f"上海市浦东新区张江路{i}号",
                ]
            )


def _pg_url() -> str | None:
    try:
        import psycopg

        name = f"copilot_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception:
        return None


def _drop_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(quick: bool) -> list[dict]:
    from copilot.importing.service import import_file

    n = 10_000 if quick else 100_000
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "customers.csv"
        write_customers(source, n)
        targets = [("sqlite", None), ("sqlite, without creation checks", None)]
        pg = _pg_url()
        targets.append(("postgresql", pg))
        for label, url in targets:
            if label == "postgresql" and url is None:
                rows.append(
                    {
                        "area": "import",
                        "metric": "customers/s (postgresql)",
                        "value": "skipped: PostgreSQL not reachable",
                        "unit": "",
                        "target": "",
                        "ok": None,
                    }
                )
                continue
            settings = Settings(data_dir=Path(tmp) / f"data-{len(rows)}", database_url=url)
            ctx = build_context(settings)
            # the dedup creation check (issue 5) runs per row; this row shows the import path alone
            saved = records.BEFORE_CREATE.pop("customer", None) if "without" in label else None
            started = time.perf_counter()
            try:
                summary = import_file(ctx.db, system_caller(), "customers", source)
            finally:
                if saved is not None:
                    records.BEFORE_CREATE["customer"] = saved
            elapsed = time.perf_counter() - started
            ctx.db.dispose()
            if url:
                _drop_pg(url)
            assert summary.imported == n, summary.line()
            rate = n / elapsed
            target = ">= 5,000" if label == "sqlite" else ""
            rows.append(
                {
                    "area": "import",
                    "metric": f"customers/s ({label}, {n:,} rows)",
                    "value": rate,
                    "unit": "rows/s",
                    "target": target,
                    "ok": rate >= 5000 if label == "sqlite" else None,
                }
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(
        {
            "area": "import",
            "metric": "peak RSS of the bench process",
            "value": peak_mb,
            "unit": "MB",
            "target": "flat (streamed)",
            "ok": None,
        }
    )
    return rows
