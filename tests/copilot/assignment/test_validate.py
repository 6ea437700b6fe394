from __future__ import annotations

from copilot.assignment import versions
from copilot.assignment.rules import load_yaml
from copilot.bootstrap import AppContext


def _check(ctx: AppContext, text: str) -> dict:
    with ctx.db.read() as session:
        return versions.check(session, load_yaml(text))


def _codes(report: dict) -> list[str]:
    return [e["code"] for e in report["errors"]]


def test_region_us_against_north_america_is_an_error_with_did_you_mean(
    context: AppContext, small_org
) -> None:
    report = _check(
        context,
        "name: t\nrules:\n  - {id: amazon, when: {source: amazon_us, region: US}, assign: {team: 北美事业部}}\nfallback: {user: sea.rep}\n",
    )
    assert not report["ok"]
    [error] = report["errors"]
    assert error["code"] == "unknown_value" and error["value"] == "US"
    assert error["suggestions"][0] == "North America"
    assert "did you mean 'North America'" in error["message"]


def test_region_dictionary_comes_from_departments_and_users(context: AppContext, small_org) -> None:
    from copilot import org

    with context.db.transaction() as session:
        org.add_user(session, login="apac", role="rep", region="APAC")
    report = _check(
        context,
        "name: t\nrules:\n  - {id: a, when: {region: APAC}, assign: {users: [apac]}}\nfallback: {user: apac}\n",
    )
    assert report["ok"], report


def test_unknown_team_and_user_with_suggestions(context: AppContext, small_org) -> None:
    report = _check(
        context,
        "name: t\nrules:\n  - {id: a, when: {region: 华东}, assign: {team: 华东事业, users: [east.rep3]}}\nfallback: {user: east.rep}\n",
    )
    by_code = {e["code"]: e for e in report["errors"]}
    assert by_code["unknown_team"]["suggestions"][0] == "华东事业部"
    assert "east.rep" in by_code["unknown_user"]["suggestions"]


def test_shadowed_never_matching_and_missing_fallback(context: AppContext, small_org) -> None:
    report = _check(
        context,
        """
name: t
rules:
  - {id: all-east, when: {region: 华东}, assign: {team: 华东事业部}}
  - {id: east-big, when: {region: 华东, budget: {range: [100, null]}}, assign: {team: 华东事业部}}
  - {id: impossible, when: {budget: {range: [500, 100]}}, assign: {team: 华东事业部}}
  - {id: both, when: {region: 华东}, assign: {team: 华东事业部}}
""",
    )
    codes = _codes(report)
    assert codes.count("shadowed") == 2  # east-big and both are caught by all-east
    assert "never_matches" in codes and "no_fallback" in codes


def test_empty_team_and_inactive_members(context: AppContext, small_org) -> None:
    from copilot import org

    with context.db.transaction() as session:
        org.deactivate_user(session, "na.rep")
        org.deactivate_user(session, "east.rep2")
    report = _check(
        context,
        "name: t\nrules:\n  - {id: na, when: {region: North America}, assign: {team: 北美事业部}}\n"
        "  - {id: east, when: {region: 华东}, assign: {team: 华东事业部}}\nfallback: {user: east.rep}\n",
    )
    [empty] = [e for e in report["errors"] if e["code"] == "empty_team"]
    assert "na.rep inactive" in empty["message"]
    [warning] = [w for w in report["warnings"] if w["code"] == "unavailable_members"]
    assert warning["excluded"] == [{"login": "east.rep2", "reason": "inactive (deactivated or departed)"}]


def test_dictionary_file_in_the_data_dir_replaces_the_bundled_one(context, small_org) -> None:  # type: ignore[no-untyped-def]
    from copilot.assignment import dictionaries

    (context.settings.data_dir / dictionaries.DATA_DIR_FILE).write_text(
        "regions:\n  North America: [美国站]\nsources:\n  amazon_us: []\n", encoding="utf-8"
    )
    path = dictionaries.dictionary_path(context.settings)
    rules = load_yaml(
        "name: t\nrules:\n  - {id: a, when: {source: amazon_us, region: 美国站}, assign: {team: 北美事业部}}\nfallback: {user: na.rep}\n"
    )
    with context.db.read() as session:
        report = versions.check(session, rules, path)
    [error] = report["errors"]
    assert error["value"] == "美国站" and error["suggestions"][0] == "North America"
