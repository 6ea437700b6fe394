"""The CLI in-process with the clock pinned: report files, exit codes, marketing import, metrics."""

from __future__ import annotations

import json

import pdfplumber
import pytest
from typer.testing import CliRunner

from copilot.cli import app, common


@pytest.fixture
def cli(context, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COPILOT_DATA_DIR", str(context.settings.data_dir))
    monkeypatch.delenv("COPILOT_DATABASE_URL", raising=False)
    common.context.cache_clear()
    yield CliRunner()
    common.context.cache_clear()


def test_report_writes_html_and_pdf(cli, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    r = cli.invoke(
        app, ["health", "report", "--week", "2026-W47", "--json", "--html", str(html), "--pdf", str(pdf)]
    )
    assert r.exit_code == 1, r.output  # a check fails -> exit 1 (for cron and CI)
    body = json.loads(r.stdout)
    assert body["week"] == "2026-W47" and body["status"] == "fail"
    assert "<svg" in html.read_text(encoding="utf-8")
    with pdfplumber.open(pdf) as doc:
        assert "每周巡检" in doc.pages[0].extract_text()


def test_import_marketing_then_metrics(cli, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "marketing.csv"
    export.write_text(
        "线索编号,来源,留资时间,电话\nX-1,baidu,2026-11-17 10:00,13900000001\nX-2,baidu,2026-11-17 11:00,13900000002\n",
        encoding="utf-8",
    )
    r = cli.invoke(app, ["import", "marketing-leads", str(export), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {
        "batch": "marketing.csv",
        "imported": 2,
        "replaced": 0,
        "span": ["2026-11-17T10:00:00+08:00", "2026-11-17T11:00:00+08:00"],
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("来源,留资时间\nbaidu,yesterday\n", encoding="utf-8")
    r = cli.invoke(app, ["import", "marketing-leads", str(bad)])
    assert r.exit_code != 0 and "line 2 received_at" in str(r.exception)  # main() prints it as one line
    m = cli.invoke(app, ["metrics", "new-customers", "--month", "2026-11", "--json"])
    assert m.exit_code == 0, m.output
    assert [d["count"] for d in json.loads(m.stdout)["definitions"]] == [11, 3, 4]
