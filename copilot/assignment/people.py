"""Who can receive leads: a snapshot of users and teams, pool filtering with reasons, and pickers.

The snapshot is read once per routing call (or once per batch), so every decision in a batch sees
the same organisation. Strategies that need shared state (round robin) do not pick here: they
return a counter key, and the caller advances that counter atomically in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd
from typing import Any

from copilot.assignment.rules import Action, RuleSet, Strategy


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    name: str
    role: str
    department_id: int | None
    active: bool
    can_receive_leads: bool
    region: str | None = None

    def unavailable_reason(self) -> str | None:
        if not self.active:
            return "inactive (deactivated or departed)"
        if not self.can_receive_leads:
            return "not allowed to receive leads (can_receive_leads is off)"
        return None


@dataclass
class OrgSnapshot:
    people: dict[str, Person]  # login -> person
    departments: dict[str, int]  # name -> id
    department_names: dict[int, str] = field(default_factory=dict)
    department_managers: dict[int, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pools: dict[Any, Any] = {}
        self.by_id = {p.id: p for p in self.people.values()}
        self.members: dict[int, list[Person]] = {}
        for person in sorted(self.people.values(), key=lambda p: p.login):
            if person.department_id is not None:
                self.members.setdefault(person.department_id, []).append(person)
        if not self.department_names:
            self.department_names = {v: k for k, v in self.departments.items()}


@dataclass
class Pool:
    """The candidates of an action after filtering, and who was left out and why."""

    source: str
    candidates: list[Person]
    excluded: list[dict[str, str]]

    def as_trace(self) -> dict[str, Any]:
        return {"source": self.source, "candidates": self.logins, "excluded": self.excluded}

    @property
    def logins(self) -> list[str]:
        if not hasattr(self, "_logins"):
            self._logins = [p.login for p in self.candidates]
        return self._logins


def team_logins(rule_set: RuleSet, org: OrgSnapshot, team: str) -> tuple[str, list[str]] | None:
    """(description, logins) of a team: a team named in the rule set first, then a department."""
    if team in rule_set.teams:
        return f"team {team}", list(rule_set.teams[team])
    if team in org.departments:
        dept_id = org.departments[team]
        # a department's pool is its reps and anyone else allowed to receive leads (not its manager)
        members = org.members.get(dept_id, [])
        return f"department {team}", [p.login for p in members if p.role == "rep" or p.can_receive_leads]
    return None


def build_pool(rule_set: RuleSet, org: OrgSnapshot, team: str | None, users: list[str]) -> Pool:
    """The filtered pool; cached on the snapshot, which never changes during one routing call."""
    key = (id(rule_set), team, tuple(users))
    cached = org.pools.get(key)
    if cached is None or cached[0] is not rule_set:
        cached = (rule_set, _build_pool(rule_set, org, team, users))
        org.pools[key] = cached
    return cached[1]


def _build_pool(rule_set: RuleSet, org: OrgSnapshot, team: str | None, users: list[str]) -> Pool:
    logins: list[str] = []
    sources: list[str] = []
    excluded: list[dict[str, str]] = []
    if team:
        resolved = team_logins(rule_set, org, team)
        if resolved is None:
            excluded.append({"login": "-", "reason": f"team {team!r} does not exist"})
            sources.append(f"team {team} (unknown)")
        else:
            sources.append(resolved[0])
            logins.extend(resolved[1])
    if users:
        sources.append("users " + ", ".join(users))
        logins.extend(u for u in users if u not in logins)
    candidates: list[Person] = []
    for login in logins:
        person = org.people.get(login)
        if person is None:
            excluded.append({"login": login, "reason": "no such user"})
            continue
        reason = person.unavailable_reason()
        if reason:
            excluded.append({"login": login, "reason": reason})
        else:
            candidates.append(person)
    return Pool(source=" + ".join(sources) or "nobody", candidates=candidates, excluded=excluded)


_SEQUENCES: dict[tuple[Any, ...], list[Person]] = {}


def weighted_sequence(candidates: list[Person], weights: dict[str, float]) -> list[Person]:
    key = (tuple(candidates), tuple(sorted(weights.items())))
    order = _SEQUENCES.get(key)
    if order is None:
        if len(_SEQUENCES) > 1024:
            _SEQUENCES.clear()
        order = _SEQUENCES[key] = _weighted_sequence(candidates, weights)
    return order


def _weighted_sequence(candidates: list[Person], weights: dict[str, float]) -> list[Person]:
    """A smooth weighted round-robin order (nginx's algorithm): weights 3:1 give A A B A, not A A A B."""
    ints = [max(1, round(weights.get(p.login, 1.0) * 100)) for p in candidates]
    divisor = 0
    for w in ints:
        divisor = gcd(divisor, w)
    ints = [w // divisor for w in ints]
    total = sum(ints)
    if total > 10_000:  # keep the cycle short; proportions survive to within a percent
        scale = total / 10_000
        ints = [max(1, round(w / scale)) for w in ints]
        total = sum(ints)
    current = [0] * len(candidates)
    order: list[Person] = []
    for _ in range(total):
        for i, w in enumerate(ints):
            current[i] += w
        best = max(range(len(candidates)), key=lambda i: (current[i], -i))
        current[best] -= total
        order.append(candidates[best])
    return order


def rr_key(rule_set: RuleSet, rule_id: str, pool: Pool) -> str:
    """Counters are per rule set and rule, so a new version continues the rotation of the last one."""
    return f"{rule_set.name}:{rule_id}"


def pick_by_counter(
    action_strategy: Strategy, pool: Pool, weights: dict[str, float], counter: int
) -> tuple[Person, str]:
    if action_strategy == Strategy.weighted_round_robin:
        cache = pool.__dict__.setdefault("_sequences", {})
        wkey = tuple(sorted(weights.items()))
        order = cache.get(wkey)
        if order is None:
            order = cache[wkey] = weighted_sequence(pool.candidates, weights)
        person = order[counter % len(order)]
        return (
            person,
            f"weighted round robin turn {counter} of a {len(order)}-slot cycle (weights in the rule)",
        )
    person = pool.candidates[counter % len(pool.candidates)]
    return person, f"round robin turn {counter} over {len(pool.candidates)} candidates"


def pick_least_loaded(pool: Pool, loads: dict[int, int]) -> tuple[Person, str]:
    person = min(pool.candidates, key=lambda p: (loads.get(p.id, 0), p.login))
    listed = ", ".join(f"{p.login}={loads.get(p.id, 0)}" for p in pool.candidates)
    return person, f"least open leads ({listed}); ties go to the first login"


def action_users(action: Action) -> list[str]:
    return list(action.users)
