"""`copilot assign ...` end to end in a subprocess (a fresh data dir each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_org

RULES = """
name: cli
rules:
  - {id: amazon, when: {source: amazon_us, region: US}, assign: {team: 北美事业部}}
fallback: {user: sea.rep}
"""


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("copilot")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_validate_simulate_check(context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_org(context)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "source,region,company\namazon_us,North America,Acme\namazon_us,US,Beta\n", encoding="utf-8"
    )
    data_dir = context.settings.data_dir

    bad = _run(data_dir, "assign", "rules", "validate", str(rules))
    assert bad.returncode == 2 and "did you mean 'North America'" in bad.stdout

    sim = _run(data_dir, "assign", "simulate", "--rules", str(rules), "--leads", str(leads), "--json")
    assert sim.returncode == 0, sim.stderr
    report = json.loads(sim.stdout)
    assert report["outcomes"] == {"fallback": 1, "assigned": 1}
    assert report["fallback_used"] == 1 and report["paths"][0]["owner"] == "sea.rep"

    imported = _run(data_dir, "assign", "rules", "import", str(rules), "--json")
    assert imported.returncode == 0 and json.loads(imported.stdout)["status"] == "draft"

    check = _run(data_dir, "assign", "check", "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] is True
