"""`copilot voice-note add|show` and `copilot tags confirm|reject|stats` as a script sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COPILOT = [sys.executable, "-c", "from copilot.cli import main; main()"]
FIXTURES = Path(__file__).parents[2] / "fixtures" / "voice"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
    env.pop("COPILOT_DATABASE_URL", None)
    return subprocess.run([*COPILOT, *args], capture_output=True, text=True, env=env, timeout=300)


def _customer(data_dir: Path) -> None:
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.db.schema import CustomerRow

    ctx = build_context(Settings(data_dir=data_dir))
    with ctx.db.transaction() as session:
        session.add(CustomerRow(name="宁波海润机械", name_key="宁波海润机械", external_id="CRM-42", tags=[]))
    ctx.db.dispose()


def test_text_note_by_customer_name_then_confirm_and_reject(tmp_path: Path) -> None:
    _customer(tmp_path)
    added = run(
        tmp_path,
        "voice-note",
        "add",
        "宁波海润机械",
        "--text",
        "他们最关注能耗成本。施耐德也在投标。",
        "--recorded-at",
        "2026-11-24T10:00:00+08:00",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    note = json.loads(added.stdout)
    assert note["status"] == "tagged" and note["transcript"]["language"] == "zh"
    tags = {t["id"]: t for t in note["tags"]}
    assert set(tags) == {"cares_energy_cost", "competitor"}
    assert tags["cares_energy_cost"]["evidence"]["quote"] == "他们最关注能耗成本。"
    assert (
        tags["cares_energy_cost"]["status"] == "proposed" and tags["competitor"]["value"]["id"] == "schneider"
    )
    confirmed = run(tmp_path, "tags", "confirm", str(tags["cares_energy_cost"]["tag_row_id"]), "--json")
    assert json.loads(confirmed.stdout)["status"] == "confirmed"
    rejected = run(tmp_path, "tags", "reject", str(tags["competitor"]["tag_row_id"]), "--reason", "old news")
    assert rejected.returncode == 0 and "rejected" in rejected.stdout
    shown = json.loads(run(tmp_path, "voice-note", "show", str(note["id"]), "--json").stdout)
    assert {t["id"]: t["status"] for t in shown["tags"]} == {
        "cares_energy_cost": "confirmed",
        "competitor": "rejected",
    }
    stats = {s["id"]: s for s in json.loads(run(tmp_path, "tags", "stats", "--json").stdout)["tags"]}
    assert stats["cares_energy_cost"]["precision"] == 1.0


def test_audio_note_with_wait_by_external_id(tmp_path: Path) -> None:
    _customer(tmp_path)
    added = run(
        tmp_path,
        "voice-note",
        "add",
        "CRM-42",
        str(FIXTURES / "phrase.silk"),
        "--language",
        "en",
        "--wait",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    note = json.loads(added.stdout)
    assert note["status"] == "tagged" and note["kind"] == "audio"
    assert "energy" in note["transcript"]["text"].lower() and note["transcript"]["segments"]
    assert "cares_energy_cost" in {t["id"] for t in note["tags"]}


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    _customer(tmp_path)
    missing = run(tmp_path, "voice-note", "add", "nobody", "--text", "hello")
    assert missing.returncode == 3 and "no customer" in missing.stderr
    empty = run(tmp_path, "voice-note", "add", "CRM-42", str(FIXTURES / "empty.wav"))
    assert empty.returncode == 2 and "empty" in empty.stderr
    neither = run(tmp_path, "voice-note", "add", "CRM-42")
    assert neither.returncode == 2
    unknown_tag = run(tmp_path, "tags", "confirm", "999")
    assert unknown_tag.returncode == 3
