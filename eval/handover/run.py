"""`python -m eval handover`: relationship-map recall/precision on labelled account histories, and
the ordering of good vs poor scripted practice dialogues (and how many poor ones pass).

Targets (issue 12): map recall >= 0.9 for people, conflicts and open promises; good > poor in
>= 95% of pairs; no poor dialogue passes. The persona's grounding is checked on every account.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from copilot.dedup.normalise import normalise_person_name
from services.handover import build_package
from services.handover_models import HActivity, HContact, History, HOpportunity
from services.handover_scenarios import SCENARIOS, build_persona
from services.handover_scoring import score_dialogue
from services.simulation import Simulation, load_dialogue_rules

HERE = Path(__file__).parent
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def load_accounts() -> tuple[list[dict[str, Any]], set[str]]:
    data = yaml.safe_load((HERE / "accounts.yaml").read_text("utf-8"))
    ours = {normalise_person_name(n) for n in data["our_people"]} | {n.lower() for n in data["our_people"]}
    return data["accounts"], ours


def history_of(account: dict[str, Any], index: int, ours: set[str]) -> History:
    contacts = [HContact(id=index * 100 + i + 1, **c) for i, c in enumerate(account["contacts"])]
    by_name = {c.name: c.id for c in contacts}
    activities = [
        HActivity(
            id=index * 1000 + i + 1,
            kind=a["kind"],
            occurred_at=NOW - timedelta(days=a["days_ago"]),
            text=a["text"],
            contact_id=by_name.get(a.get("contact", "")),
            participants=list(a.get("participants", [])),
        )
        for i, a in enumerate(sorted(account["activities"], key=lambda x: -x["days_ago"]))
    ]
    o = account["opportunity"]
    return History(
        customer_id=index + 1,
        customer_name=account["customer"],
        now=NOW,
        tags=list(account["tags"]),
        contacts=contacts,
        activities=activities,
        our_people=ours,
        opportunities=[
            HOpportunity(
                id=index + 1,
                name=o["name"],
                stage=o["stage"],
                status="open",
                amount=o["amount"],
                stage_entered_at=NOW - timedelta(days=20),
            )
        ],
    )


def _match(predicted: list[str], labels: list[str]) -> tuple[int, int]:
    """(labels found, predictions that match a label): substring match either way."""
    found = sum(1 for lab in labels if any(lab in p or p in lab for p in predicted))
    right = sum(1 for p in predicted if any(lab in p or p in lab for lab in labels))
    return found, right


def map_metrics(accounts: list[dict[str, Any]], ours: set[str]) -> dict[str, Any]:
    totals = {
        k: {"labels": 0, "found": 0, "predicted": 0, "right": 0}
        for k in ("people", "conflicts", "open_promises")
    }
    misses: list[str] = []
    for i, account in enumerate(accounts):
        package = build_package(history_of(account, i, ours))
        labels = account["labels"]
        pairs = {
            "people": ([p.name for p in package.people], labels["people"]),
            "conflicts": ([c.summary for c in package.conflicts], [c["key"] for c in labels["conflicts"]]),
            "open_promises": (
                [p.text for p in package.promises if p.status != "kept"],
                labels["open_promises"],
            ),
        }
        for key, (pred, lab) in pairs.items():
            found, right = _match(pred, lab)
            t = totals[key]
            t["labels"] += len(lab)
            t["found"] += found
            t["predicted"] += len(pred)
            t["right"] += right
            if found < len(lab) or right < len(pred):
                misses.append(f"{account['id']} {key}: predicted {pred} labelled {lab}")
        for c in labels["conflicts"]:
            hit = next((x for x in package.conflicts if c["key"] in x.summary), None)
            if hit is not None and hit.resolved != c["resolved"]:
                misses.append(
                    f"{account['id']} conflict {c['key']!r}: resolved={hit.resolved}, labelled {c['resolved']}"
                )
    out = {}
    for key, t in totals.items():
        out[key] = {
            "recall": round(t["found"] / t["labels"], 3) if t["labels"] else 1.0,
            "precision": round(t["right"] / t["predicted"], 3) if t["predicted"] else 1.0,
        }
    out["misses"] = misses
    return out


def dialogue_metrics(accounts: list[dict[str, Any]], ours: set[str]) -> dict[str, Any]:
    scripts = yaml.safe_load((HERE / "dialogues.yaml").read_text("utf-8"))
    averse = load_dialogue_rules().monologue_averse_tags
    pairs = ordered = poor_total = poor_passed = good_total = good_passed = 0
    ungrounded: list[str] = []
    failures: list[str] = []
    for i, account in enumerate(accounts):
        history = history_of(account, i, ours)
        corpus = history.corpus()
        package = build_package(history)
        lang = "en" if account["family"].endswith("_en") else "zh"
        for scenario in SCENARIOS:
            persona = build_persona(package, scenario, tags_averse=averse, predecessor="赵磊")
            scores = {}
            for quality in ("good", "poor"):
                scores[quality] = []
                for n, script in enumerate(scripts[lang][scenario][quality]):
                    turns = [t.format(**account["keys"]) for t in script]
                    sim = Simulation.start(persona.model_copy(deep=True), seed=i * 100 + n)
                    replies = [sim.opening()] + [sim.respond(t) for t in turns]
                    for r in replies:  # the persona's grounding: every fact it spoke is in the history
                        ungrounded += [
                            f"{account['id']}/{scenario}: {s!r}" for s in r.slots if s not in corpus
                        ]
                    result = score_dialogue(persona, turns, NOW)
                    scores[quality].append(result.score)
                    if quality == "poor":
                        poor_total += 1
                        poor_passed += result.passed
                        if result.passed:
                            failures.append(
                                f"{account['id']}/{scenario} poor #{n} passed with {result.score}"
                            )
                    else:
                        good_total += 1
                        good_passed += result.passed
                        if not result.passed:
                            failures.append(
                                f"{account['id']}/{scenario} good #{n} failed: {result.summary} "
                                + str([(c.criterion, c.grade) for c in result.criteria])
                            )
            for g in scores["good"]:
                for p in scores["poor"]:
                    pairs += 1
                    ordered += g > p
    return {
        "pairs": pairs,
        "ordered_share": round(ordered / pairs, 3) if pairs else 0.0,
        "poor_dialogues": poor_total,
        "poor_passed": poor_passed,
        "good_dialogues": good_total,
        "good_passed": good_passed,
        "ungrounded_persona_facts": len(ungrounded),
        "examples": (failures + ungrounded)[:20],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval handover")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    accounts, ours = load_accounts()
    report = {
        "accounts": len(accounts),
        "map": map_metrics(accounts, ours),
        "dialogues": dialogue_metrics(accounts, ours),
    }
    m, d = report["map"], report["dialogues"]
    ok = (
        all(m[k]["recall"] >= 0.9 for k in ("people", "conflicts", "open_promises"))
        and d["ordered_share"] >= 0.95
        and d["poor_passed"] == 0
        and d["ungrounded_persona_facts"] == 0
    )
    report["targets_met"] = ok
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"accounts: {len(accounts)}")
        for k in ("people", "conflicts", "open_promises"):
            print(
                f"map {k:14} recall {m[k]['recall']:.3f}  precision {m[k]['precision']:.3f}  (target recall >= 0.9)"
            )
        print(f"dialogues: good > poor in {d['ordered_share']:.1%} of {d['pairs']} pairs (target >= 95%)")
        print(
            f"poor dialogues passing: {d['poor_passed']} of {d['poor_dialogues']} (target 0); "
            f"good passing: {d['good_passed']} of {d['good_dialogues']}"
        )
        print(f"persona facts absent from the history: {d['ungrounded_persona_facts']} (target 0)")
        for line in m["misses"] + d["examples"]:
            print(f"  - {line}")
        print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1
