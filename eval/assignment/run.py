"""`python -m eval assignment [SCENARIO ...]`: scenario files with expected owners, each run on a
fresh store through the real path (rule versions, publish, records.create_record + arrival hook,
reassign, health check). Prints one line per expectation that fails and a table; exit 1 if any.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

SCENARIOS = Path(__file__).with_name("scenarios")


class Failure(Exception):
    pass


def _expect(ok: bool, message: str, failures: list[str]) -> None:
    if not ok:
        failures.append(message)


def run_scenario(path: Path) -> dict[str, Any]:
    from sqlalchemy import select

    from copilot import org as org_service
    from copilot.assignment import service, versions
    from copilot.assignment.rules import parse_rule_set
    from copilot.auth import system_caller
    from copilot.bootstrap import build_context
    from copilot.config import Settings
    from copilot.db.schema import LeadRow, UserRow
    from copilot.errors import Conflict
    from copilot.models import CustomerIn, LeadIn
    from copilot.records.service import create_record
    from copilot.records.specs import CUSTOMERS, LEADS

    spec = yaml.safe_load(path.read_text("utf-8"))
    failures: list[str] = []
    checked = 0
    refs: dict[str, int] = {}
    caller = system_caller()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = build_context(Settings(data_dir=Path(tmp) / "data"))
        try:
            with ctx.db.transaction() as session:
                for d in spec["org"].get("departments", []):
                    org_service.get_or_create_department(session, d["name"], d.get("region"))
                for u in spec["org"]["users"]:
                    org_service.add_user(
                        session,
                        login=u["login"],
                        role=u.get("role", "rep"),
                        department=u.get("department"),
                        region=u.get("region"),
                        can_receive_leads=u.get("can_receive_leads"),
                    )
                    if u.get("active") is False:
                        org_service.deactivate_user(session, u["login"])
                for c in spec["org"].get("customers", []):
                    owner = org_service.get_user_by_login(session, c.pop("owner")).id
                    create_record(session, caller, CUSTOMERS, CustomerIn(owner_id=owner, **c))

            def login_of(session: Any, user_id: int | None) -> str | None:
                return session.scalar(select(UserRow.login).where(UserRow.id == user_id)) if user_id else None

            for index, step in enumerate(spec["steps"]):
                where = f"{path.stem} step {index + 1}"
                if "publish" in step:
                    p = step["publish"]
                    with ctx.db.transaction() as session:
                        row = versions.save_draft(session, parse_rule_set(p["rules"]))
                        versions.simulate_version(session, row, sample=20)
                        errors = {e["code"] for e in row.validation["errors"]}
                        expected = set(p.get("expect_errors", []))
                        checked += 1
                        _expect(
                            errors == expected,
                            f"{where}: validation errors {sorted(errors)}, expected {sorted(expected)}",
                            failures,
                        )
                        for value, suggestion in (p.get("expect_suggestions") or {}).items():
                            found = [e for e in row.validation["errors"] if e.get("value") == value]
                            checked += 1
                            _expect(
                                bool(found) and found[0]["suggestions"][:1] == [suggestion],
                                f"{where}: no did-you-mean {suggestion!r} for {value!r}",
                                failures,
                            )
                        try:
                            versions.publish(session, row)
                            refused = False
                        except Conflict:
                            refused = True
                        checked += 1
                        _expect(
                            refused == bool(expected),
                            f"{where}: publish {'refused' if refused else 'accepted'} unexpectedly",
                            failures,
                        )
                elif "leads" in step:
                    for lead in step["leads"]:
                        expect = lead.pop("expect", "__unchecked__")
                        outcome = lead.pop("outcome", None)
                        ref = lead.pop("ref", None)
                        with ctx.db.transaction() as session:
                            created = create_record(
                                session, caller, LEADS, LeadIn(**{"source": "官网表单", **lead})
                            )
                            owner = login_of(session, created.owner_id)
                        if ref:
                            refs[ref] = created.id
                        if expect != "__unchecked__":
                            checked += 1
                            _expect(
                                owner == expect,
                                f"{where}: lead {lead} went to {owner}, expected {expect}",
                                failures,
                            )
                        if outcome:
                            with ctx.db.read() as session:
                                trace = service.lead_trace(session, caller, created.id)["latest"]
                            checked += 1
                            _expect(
                                trace["outcome"] == outcome,
                                f"{where}: lead {lead} outcome {trace['outcome']}, expected {outcome}",
                                failures,
                            )
                elif "deactivate" in step:
                    with ctx.db.transaction() as session:
                        for login in step["deactivate"]:
                            org_service.deactivate_user(session, login)
                elif "move" in step:
                    with ctx.db.transaction() as session:
                        for login, dept in step["move"].items():
                            user = org_service.get_user_by_login(session, login)
                            user.department_id = org_service.get_or_create_department(session, dept).id
                elif "department" in step:
                    with ctx.db.transaction() as session:
                        org_service.get_or_create_department(
                            session, step["department"]["name"], step["department"].get("region")
                        )
                elif "reassign" in step:
                    r = step["reassign"]
                    with ctx.db.transaction() as session:
                        service.reassign(
                            session,
                            from_login=r.get("from"),
                            unassigned=r.get("unassigned", False),
                            apply=True,
                        )
                    with ctx.db.read() as session:
                        for ref, login in (r.get("expect") or {}).items():
                            owner = login_of(session, session.get(LeadRow, refs[ref]).owner_id)
                            checked += 1
                            _expect(
                                owner == login,
                                f"{where}: reassigned {ref} went to {owner}, expected {login}",
                                failures,
                            )
                elif "check" in step:
                    with ctx.db.read() as session:
                        health = service.group_health(session)
                    found = sorted({m["login"] for m in health["members"]})
                    checked += 1
                    _expect(
                        found == sorted(step["check"]["members"]),
                        f"{where}: health check lists {found}, expected {step['check']['members']}",
                        failures,
                    )
                else:
                    raise Failure(f"{where}: unknown step {sorted(step)}")
        finally:
            ctx.db.dispose()
    return {
        "scenario": path.stem,
        "description": spec.get("description", ""),
        "checks": checked,
        "failures": failures,
    }


def main(argv: list[str]) -> int:
    paths = sorted(SCENARIOS.glob("*.yaml"))
    if argv:
        paths = [p for p in paths if p.stem in argv]
        if not paths:
            print(
                f"no scenario named {' '.join(argv)}; have {', '.join(p.stem for p in sorted(SCENARIOS.glob('*.yaml')))}",
                file=sys.stderr,
            )
            return 2
    results = [run_scenario(p) for p in paths]
    for r in results:
        for f in r["failures"]:
            print(f"FAIL {f}")
    width = max(len(r["scenario"]) for r in results)
    print(f"{'scenario'.ljust(width)}  checks  passed  result")
    for r in results:
        passed = r["checks"] - len(r["failures"])
        print(
            f"{r['scenario'].ljust(width)}  {r['checks']:>6}  {passed:>6}  {'pass' if not r['failures'] else 'FAIL'}"
        )
    total = sum(r["checks"] for r in results)
    bad = sum(len(r["failures"]) for r in results)
    print(f"all scenarios: {total - bad}/{total} expectations hold")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
