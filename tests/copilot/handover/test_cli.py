"""`copilot handover map|prepare|practice` and `copilot users deactivate --handover-to`, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from copilot.db.schema import AuditRow, CustomerRow, TodoRow
from tests.copilot.handover.conftest import seed_account


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("copilot")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_map_practice_and_deactivate_with_handover(context, small_org, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed_account(context, tmp_path)
    data_dir = context.settings.data_dir
    context.db.dispose()

    mapped = _run(data_dir, "handover", "map", "HX-1", "--json")
    assert mapped.returncode == 0, mapped.stderr
    package = json.loads(mapped.stdout)
    assert {"people", "conflicts", "promises", "opportunities"} <= set(package)

    typo = _run(data_dir, "handover", "map", "苏州精功机械")
    assert typo.returncode == 3 and "did you mean: 苏州精工机械有限公司" in typo.stderr

    script = tmp_path / "turns.txt"
    script.write_text(
        "王总您好,我是接替同事的新负责人。\n备件延迟交货是我们的责任,非常抱歉。\n"
        "备件48小时到货,我12月1日前落实。\n您最担心哪些问题?\n我们下周三上门,可以吗?\n",
        "utf-8",
    )
    practiced = _run(
        data_dir,
        "handover",
        "practice",
        "HX-1",
        "--scenario",
        "repair_conflict",
        "--script",
        str(script),
        "--json",
    )
    assert practiced.returncode == 0, practiced.stderr
    result = json.loads(practiced.stdout)
    assert {"turns", "score", "passed", "criteria"} <= set(result)
    assert len(result["turns"]) == 11 and result["passed"] is True

    human = _run(data_dir, "handover", "practice", "HX-1", "--scenario", "introduce", "--script", str(script))
    assert human.returncode == 0 and "score" in human.stdout

    piped = subprocess.run(  # not a TTY: the turns come from stdin, one per line
        [
            str(Path(sys.executable).with_name("copilot")),
            "handover",
            "practice",
            "HX-1",
            "--scenario",
            "advance_deal",
            "--json",
        ],
        input="您好。\n我们的产品很好。\n",
        capture_output=True,
        text=True,
        env={**os.environ, "COPILOT_DATA_DIR": str(data_dir)},
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    poor = json.loads(piped.stdout)
    assert len(poor["turns"]) == 5 and poor["passed"] is False and poor["score"] < result["score"]

    handed = _run(data_dir, "users", "deactivate", "east.rep", "--handover-to", "east.rep2", "--json")
    assert handed.returncode == 0, handed.stderr
    report = json.loads(handed.stdout)
    assert report["user"]["active"] is False and len(report["handed_over"]) == 1

    from copilot.bootstrap import build_context

    ctx = build_context(context.settings)
    with ctx.db.read() as s:
        customer = s.scalar(select(CustomerRow).where(CustomerRow.external_id == "HX-1"))
        assert customer.owner_id == small_org.ids["east.rep2"]
        actions = set(s.scalars(select(AuditRow.action)))
        assert {"handover.reassign", "handover.prepare", "user.deactivate"} <= actions
        assert (
            s.scalar(select(TodoRow).where(TodoRow.user_id == small_org.ids["east.rep2"])).kind == "handover"
        )
    ctx.db.dispose()
