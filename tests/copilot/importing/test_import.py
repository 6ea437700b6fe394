"""Import edge cases: encodings, empty and malformed files, bad cells, re-import, dry run, size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copilot.auth import system_caller
from copilot.dedup.normalise import make_uscc
from copilot.errors import InvalidInput
from copilot.importing.service import import_file
from copilot.records.service import list_records
from copilot.records.specs import CUSTOMERS, LEADS

USCC_A = make_uscc("91310000MA1FL0001")
USCC_B = make_uscc("91440300MA5DC0002")

ZH_CSV = f"""客户名称,统一社会信用代码,城市,行业,电话,外部编号
上海瑞金医院有限公司,{USCC_A},上海市,医疗,021-64370045,C1
深圳恒通汽车零部件有限公司,{USCC_B},深圳市,汽车制造,0755-88888888,C2
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _names(context) -> list[str]:  # type: ignore[no-untyped-def]
    with context.db.read() as session:
        return sorted(c.name for c in list_records(session, system_caller(), CUSTOMERS, limit=500).items)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_chinese_headers_in_every_encoding(any_context, tmp_path: Path, encoding: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    summary = import_file(
        any_context.db, system_caller(), "customers", _write(tmp_path, "c.csv", ZH_CSV, encoding)
    )
    assert (summary.imported, summary.updated, summary.rejected) == (2, 0, 0)
    assert summary.encoding == expected
    assert _names(any_context) == ["上海瑞金医院有限公司", "深圳恒通汽车零部件有限公司"]


def test_empty_file_is_a_clear_error(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="empty"):
        import_file(context.db, system_caller(), "customers", _write(tmp_path, "e.csv", ""))
    with pytest.raises(InvalidInput, match="no rows"):
        import_file(context.db, system_caller(), "customers", _write(tmp_path, "h.csv", "客户名称,城市\n"))


def test_missing_required_column_names_it(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=r"missing required column name \(客户名称") as caught:
        import_file(
            context.db, system_caller(), "customers", _write(tmp_path, "m.csv", "城市,行业\n上海市,医疗\n")
        )
    assert caught.value.details["missing"] == ["name"]


def test_bad_rows_reported_with_line_field_reason_and_good_rows_kept(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "name,uscc,external_id\n"
        f"好公司,{USCC_A},A1\n"
        "坏信用代码,91350100M000100Y44,A2\n"
        ",,A3\n"
        "另一家好公司,,A4\n"
    )
    summary = import_file(context.db, system_caller(), "customers", _write(tmp_path, "b.csv", text))
    assert (summary.imported, summary.rejected) == (2, 2)
    by_line = {e.line: e for e in summary.errors}
    assert by_line[3].field == "uscc" and "check digit" in by_line[3].reason
    assert by_line[4].field == "name"
    assert _names(context) == ["另一家好公司", "好公司"]


def test_bad_date_is_reported(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "来源,公司,留资时间\n官网表单,甲公司,2026-11-03 09:30\n展会,乙公司,下周二\n官网表单,丙公司,2026/11/05\n"
    summary = import_file(context.db, system_caller(), "leads", _write(tmp_path, "l.csv", text))
    assert (summary.imported, summary.rejected) == (2, 1)
    assert (
        summary.errors[0].line == 3
        and summary.errors[0].field == "created_at"
        and "下周二" in summary.errors[0].reason
    )
    with context.db.read() as session:
        leads = {lead.company: lead for lead in list_records(session, system_caller(), LEADS).items}
    # naive times in a file are local (Asia/Shanghai): 09:30 there is 01:30 UTC
    assert leads["甲公司"].created_at.isoformat() == "2026-11-03T01:30:00+00:00"


def test_same_external_id_twice_updates_and_reimport_does_not_duplicate(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "external_id,name,city\nX1,旧名称,上海市\nX1,新名称,苏州市\n"
    first = import_file(context.db, system_caller(), "customers", _write(tmp_path, "d.csv", text))
    assert (first.imported, first.updated) == (1, 1)
    again = import_file(context.db, system_caller(), "customers", _write(tmp_path, "d.csv", text))
    assert (again.imported, again.updated) == (0, 2)
    assert _names(context) == ["新名称"]


def test_dry_run_reports_without_writing(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = import_file(
        context.db, system_caller(), "customers", _write(tmp_path, "c.csv", ZH_CSV), dry_run=True
    )
    assert summary.dry_run and summary.imported == 2
    assert _names(context) == []


def test_jsonl_with_a_broken_line_and_references(context, small_org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_file(context.db, system_caller(), "customers", _write(tmp_path, "c.csv", ZH_CSV))
    lines = [
        json.dumps(
            {
                "external_id": "P1",
                "customer": "C1",
                "name": "李总",
                "title": "副院长",
                "phone": "13812345678",
            },
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"external_id": "P2", "customer": "没有这家", "name": "王工"}, ensure_ascii=False),
        json.dumps({"external_id": "P3", "customer": USCC_B, "name": "张经理"}, ensure_ascii=False),
    ]
    summary = import_file(
        context.db, system_caller(), "contacts", _write(tmp_path, "p.jsonl", "\n".join(lines) + "\n")
    )
    assert (summary.imported, summary.rejected) == (2, 2)
    reasons = {e.line: (e.field, e.reason) for e in summary.errors}
    assert reasons[2][1].startswith("not valid JSON")
    assert reasons[3] == ("customer", "no customer matches '没有这家'")


def test_unsupported_type_and_undecodable_bytes(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="unsupported file type"):
        import_file(context.db, system_caller(), "customers", _write(tmp_path, "c.xlsx", "x"))
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"name\n" + bytes([0xFF, 0xFE, 0x81, 0x20, 0xFF]) * 10)
    with pytest.raises(InvalidInput, match="neither UTF-8 nor GBK"):
        import_file(context.db, system_caller(), "customers", bad)


def test_fifty_megabyte_file_streams_with_flat_memory(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """~50 MB of leads (a long free-text column) imports while peak Python allocations stay small."""
    import tracemalloc

    path = tmp_path / "big.csv"
    filler = "客户在官网反复查看预测性维护白皮书并留言询问报价。" * 12
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("external_id,source,company,utm_campaign,notes\n")
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(f"L{rows},官网表单,公司{rows},c{rows % 7},{filler}\n")
            rows += 1
    assert path.stat().st_size >= 50 * 1024 * 1024
    tracemalloc.start()
    summary = import_file(context.db, system_caller(), "leads", path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.imported == rows and summary.rejected == 0
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB for a {path.stat().st_size / 1e6:.0f} MB file"
