"""`copilot contract review --json` and `copilot contract queue --json` on a real PDF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from copilot.contracts.documents import ContractSource, SourceClause, render_pdf


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "copilot"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_review_and_queue_json(tmp_path: Path) -> None:
    pdf = tmp_path / "合同.pdf"
    render_pdf(
        ContractSource(
            title="产品购销合同",
            preamble=["甲方：江苏恒瑞机械股份有限公司", "乙方：上海智联工业软件有限公司"],
            clauses=[
                SourceClause(
                    heading="第一条 付款",
                    paragraphs=["本合同采用背靠背付款方式，甲方在收到业主支付的相应款项后付款。"],
                )
            ],
        ),
        pdf,
    )
    data_dir = tmp_path / "data"
    r = _run(["contract", "review", str(pdf), "--json"], data_dir)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"flags", "missing", "summary"} <= set(out)
    assert [f["category"] for f in out["flags"]] == ["pay_when_paid"]
    q = _run(["contract", "queue", "--json"], data_dir)
    assert q.returncode == 0, q.stderr
    assert json.loads(q.stdout)[0]["id"] == out["contract_id"]
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    e = _run(["contract", "review", str(bad), "--json"], data_dir)
    assert e.returncode == 2 and "empty" in e.stderr
