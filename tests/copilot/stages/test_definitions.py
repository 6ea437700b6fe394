"""Stage definitions: the seeds' default pipeline, validation that names the field, versions."""

from __future__ import annotations

import copy

import pytest

from copilot.errors import InvalidInput
from copilot.stages.definitions import default_pipeline, validate_definition


def test_default_pipeline_is_the_seeds_pipeline() -> None:
    p = default_pipeline()
    assert p.keys == [
        "初步接触",
        "需求分析",
        "方案演示",
        "报价审批",
        "合同审批中",
        "法务签署完成",
        "首笔回款到账",
    ]
    assert [s.timeout_days for s in p.stages[:4]] == [7, 10, 5, 3]
    assert [r.action for s in p.stages[:4] for r in s.evidence] == [
        "首次沟通记录",
        "客户需求确认书 (签字)",
        "客户演示反馈",
        "内部报价单审批流",
    ]
    won = p.won_stage
    assert won.outcome == "won" and won.confirm_role.value == "finance" and won.requires_payment
    assert {r.id for r in won.evidence} == {"bank_receipt", "invoice_pdf"}
    assert p.timeouts.inactivity_downgrade_days == 15
    probabilities = [s.probability for s in p.stages]
    assert probabilities == sorted(probabilities)
    assert p.kind_of_file("回单.PDF") == "pdf" and p.kind_of_file("call.m4a") == "recording"
    assert p.kind_of_file("x.exe") is None


def test_validation_names_the_field() -> None:
    data = default_pipeline().model_dump(mode="json")
    bad = copy.deepcopy(data)
    bad["stages"][2]["timeout_days"] = -1
    with pytest.raises(InvalidInput) as err:
        validate_definition(bad)
    assert err.value.details["problems"][0]["field"] == "stages.2.timeout_days"
    bad = copy.deepcopy(data)
    bad["stages"][0]["evidence"][0]["kinds"] = ["fax"]
    with pytest.raises(InvalidInput) as err:
        validate_definition(bad)
    assert err.value.details["problems"][0]["field"].startswith("stages.0.evidence.0.kinds")
    bad = copy.deepcopy(data)
    bad["stages"][-1]["outcome"] = None
    with pytest.raises(InvalidInput, match="outcome: won"):
        validate_definition(bad)


def test_admin_replaces_definitions_as_a_new_version(world) -> None:  # type: ignore[no-untyped-def]
    client, org = world.client, world.org
    current = client.get("/stages/definitions", headers=org.headers("east.rep")).json()
    assert current["version"] == 0
    changed = copy.deepcopy(current)
    changed["stages"][0]["timeout_days"] = 5
    r = client.put("/stages/definitions", json=changed, headers=org.headers("east.rep"))
    assert r.status_code == 403
    r = client.put("/stages/definitions?note=shorter", json=changed, headers=org.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    assert (
        client.get("/stages/definitions", headers=org.headers("admin")).json()["stages"][0]["timeout_days"]
        == 5
    )
    broken = copy.deepcopy(changed)
    broken["stages"][1]["probability"] = 2
    r = client.put("/stages/definitions", json=broken, headers=org.headers("admin"))
    assert (
        r.status_code == 422
        and r.json()["error"]["details"]["problems"][0]["field"] == "stages.1.probability"
    )


def test_a_stage_in_use_cannot_be_removed(world) -> None:  # type: ignore[no-untyped-def]
    world.opportunity()
    data = world.client.get("/stages/definitions", headers=world.org.headers("admin")).json()
    data["stages"] = data["stages"][1:]
    r = world.client.put("/stages/definitions", json=data, headers=world.org.headers("admin"))
    assert r.status_code == 422
    assert r.json()["error"]["details"]["orphaned"] == ["初步接触"]


def test_cli_definitions_round_trip_through_set(context, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from copilot.cli.app import app
    from copilot.stages import cli as stages_cli

    monkeypatch.setattr(stages_cli, "context", lambda: context)
    shown = CliRunner().invoke(app, ["stages", "definitions", "--yaml"])
    assert shown.exit_code == 0 and "首笔回款到账" in shown.stdout
    edited = tmp_path / "pipeline.yaml"
    edited.write_text(shown.stdout.replace("timeout_days: 3.0", "timeout_days: 4.0"), "utf-8")
    result = CliRunner().invoke(app, ["stages", "set", str(edited), "--note", "报价审批放宽到4天", "--json"])
    assert result.exit_code == 0, result.output
    with context.db.read() as session:
        from copilot.stages.definitions import active_pipeline

        pipeline = active_pipeline(session)
    assert pipeline.version == 1 and pipeline.stage("报价审批").timeout_days == 4
