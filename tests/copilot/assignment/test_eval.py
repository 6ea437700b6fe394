from __future__ import annotations


def test_eval_scenarios_all_hold(capsys) -> None:  # type: ignore[no-untyped-def]
    from eval.assignment.run import main

    assert main([]) == 0
    assert "expectations hold" in capsys.readouterr().out
    assert main(["no-such-scenario"]) == 2
