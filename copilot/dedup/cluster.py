"""Pairs into clusters: transitive, strongest links first, with a guard that refuses to chain two
different strong keys (two valid uscc) into one cluster through a look-alike in between."""

from __future__ import annotations

from dataclasses import dataclass, field

from copilot.dedup.engine import PairResult, Prepared


@dataclass
class Cluster:
    members: list[int]
    pairs: list[PairResult]
    score: float  # the weakest link that holds the cluster together
    guarded: list[PairResult] = field(default_factory=list)  # links refused by the guard


class _UnionFind:
    def __init__(self, prepared: Prepared) -> None:
        self.parent: dict[int, int] = {}
        # per root: for each strong key that splits on conflict, the values its members carry
        self.keys: dict[int, list[set[str]]] = {}
        self.prepared = prepared
        self.split_columns = [
            col
            for key, col in zip(prepared.rules.strong_keys, prepared.strong, strict=True)
            if key.split_on_conflict
        ]

    def find(self, x: int) -> int:
        if x not in self.parent:
            self.parent[x] = x
            self.keys[x] = [{col[x]} if col[x] else set() for col in self.split_columns]
            return x
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ka, kb = self.keys[ra], self.keys[rb]
        if any(x and y and x != y for x, y in zip(ka, kb, strict=True)):
            return False
        self.parent[rb] = ra
        self.keys[ra] = [x | y for x, y in zip(ka, kb, strict=True)]
        del self.keys[rb]
        return True


def build_clusters(prepared: Prepared, pairs: list[PairResult]) -> list[Cluster]:
    """Clusters of two or more records, strongest first; every link is a pair the engine explained."""
    forest = _UnionFind(prepared)
    kept: list[PairResult] = []
    refused: list[PairResult] = []
    for pair in sorted(pairs, key=lambda p: (-p.score, p.left, p.right)):
        (kept if forest.union(pair.left, pair.right) else refused).append(pair)
    groups: dict[int, list[int]] = {}
    for node in list(forest.parent):
        groups.setdefault(forest.find(node), []).append(node)
    links: dict[int, list[PairResult]] = {}
    for pair in kept:
        links.setdefault(forest.find(pair.left), []).append(pair)
    guarded: dict[int, list[PairResult]] = {}
    for pair in refused:
        guarded.setdefault(forest.find(pair.left), []).append(pair)
    clusters = [
        Cluster(
            members=sorted(members),
            pairs=links.get(root, []),
            score=min((p.score for p in links.get(root, [])), default=0.0),
            guarded=guarded.get(root, []),
        )
        for root, members in groups.items()
        if len(members) > 1
    ]
    clusters.sort(key=lambda c: (-c.score, -len(c.members), c.members[0]))
    return clusters
