"""The CLI as a script sees it: --json on stdout, one-line errors on stderr, meaningful exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COPILOT = [sys.executable, "-c", "from copilot.cli import main; main()"]


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    env.pop("COPILOT_DATABASE_URL", None)
    return subprocess.run(
        [*COPILOT, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )


def test_users_add_list_deactivate_json(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        "users",
        "add",
        "wang.min",
        "--role",
        "manager",
        "--name",
        "王敏",
        "--department",
        "华东事业部",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    body = json.loads(added.stdout)
    assert body["api_key"].startswith("sc_") and body["user"]["department"] == "华东事业部"
    listed = json.loads(run(tmp_path, "users", "list", "--json").stdout)
    assert [(u["login"], u["role"], u["active"]) for u in listed] == [("wang.min", "manager", True)]
    assert run(tmp_path, "users", "deactivate", "wang.min").returncode == 0
    assert json.loads(run(tmp_path, "users", "list", "--json").stdout)[0]["active"] is False


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    bad_role = run(tmp_path, "users", "add", "x", "--role", "boss")
    assert bad_role.returncode == 2 and bad_role.stderr.strip().startswith("error: role must be one of")
    assert "Traceback" not in bad_role.stderr
    run(tmp_path, "users", "add", "x", "--role", "rep")
    dup = run(tmp_path, "users", "add", "x", "--role", "rep")
    assert dup.returncode == 5 and "already exists" in dup.stderr
    missing = run(tmp_path, "users", "deactivate", "nobody")
    assert missing.returncode == 3


def test_import_export_round_trip_with_summary(tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_text("客户名称,城市,外部编号\n甲公司,上海市,A\n乙公司,苏州市,B\n,无名,C\n", encoding="gbk")
    result = run(tmp_path / "d", "import", "customers", str(source))
    assert result.returncode == 0
    assert result.stdout.strip() == "imported 2, updated 0, rejected 1"
    assert "line 4: name:" in result.stderr
    as_json = json.loads(
        run(tmp_path / "d", "import", "customers", str(source), "--dry-run", "--json").stdout
    )
    assert as_json["dry_run"] is True and as_json["updated"] == 2
    out = tmp_path / "out.jsonl"
    exported = json.loads(run(tmp_path / "d", "export", "customers", str(out), "--json").stdout)
    assert exported["exported"] == 2
    names = sorted(json.loads(line)["name"] for line in out.read_text(encoding="utf-8").splitlines())
    assert names == ["乙公司", "甲公司"]


def test_help_does_not_import_torch(tmp_path: Path) -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from copilot.cli import app; from typer.testing import CliRunner; CliRunner().invoke(app, ['--help']); print('torch' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "False", probe.stderr
