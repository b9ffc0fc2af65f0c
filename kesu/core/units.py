"""Business units (SPEC F16): a group holds regions, stores, branches, hubs — a tree. Plain Python:
the tree as read once (kesu.org.units caches it per process), and the two walks every rule needs —
up to the group (whose policy and calendar a unit falls back on) and down (who a group-level person
sees)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The kinds of unit, by their zh/en names.
UNIT_KINDS: dict[str, tuple[str, str]] = {
    "group": ("集团", "Group"),
    "region": ("区域", "Region"),
    "store": ("门店", "Store"),
    "branch": ("分公司/网点", "Branch"),
    "hub": ("转运中心", "Hub"),
}


@dataclass(frozen=True)
class UnitNode:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    is_active: bool = True
    name_en: str = ""

    def shown(self, lang: str = "zh-hans") -> str:
        return self.name_en if lang.startswith("en") and self.name_en else self.name


@dataclass(frozen=True)
class UnitTree:
    """Every unit by id, with the walks up and down. Built once from the rows."""

    nodes: Mapping[int, UnitNode]
    _children: Mapping[int | None, tuple[int, ...]] = field(default_factory=dict)
    _by_code: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, nodes: Iterable[UnitNode]) -> UnitTree:
        by_id = {n.id: n for n in nodes}
        children: dict[int | None, list[int]] = {}
        for n in sorted(by_id.values(), key=lambda n: n.code):
            parent = n.parent_id if n.parent_id in by_id else None
            children.setdefault(parent, []).append(n.id)
        return cls(by_id, {k: tuple(v) for k, v in children.items()}, {n.code: n.id for n in by_id.values()})

    def __bool__(self) -> bool:
        return bool(self.nodes)

    def get(self, unit_id: int | None) -> UnitNode | None:
        return self.nodes.get(unit_id) if unit_id is not None else None

    def by_code(self, code: str) -> UnitNode | None:
        found = self._by_code.get(code)
        return self.nodes[found] if found is not None else None

    def chain(self, unit_id: int | None) -> tuple[int, ...]:
        """The unit and its ancestors, nearest first, up to the top of the tree."""
        out: list[int] = []
        current = unit_id
        while current is not None and current in self.nodes and current not in out:
            out.append(current)
            current = self.nodes[current].parent_id
        return tuple(out)

    def subtree(self, unit_id: int) -> frozenset[int]:
        """The unit and every unit below it."""
        out: set[int] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            if current in out:
                continue
            out.add(current)
            stack.extend(self._children.get(current, ()))
        return frozenset(out)

    def children(self, unit_id: int | None) -> tuple[UnitNode, ...]:
        return tuple(self.nodes[i] for i in self._children.get(unit_id, ()))

    def is_top(self, unit_id: int) -> bool:
        node = self.nodes.get(unit_id)
        return node is None or node.parent_id is None or node.parent_id not in self.nodes

    def scope(self, unit_id: int | None) -> frozenset[int] | None:
        """The units a person of ``unit_id`` sees: None (no limit) for a person of no unit or of
        the top unit — the group sees every unit and the cases of no unit — else their subtree."""
        if unit_id is None or self.is_top(unit_id):
            return None
        return self.subtree(unit_id)

    def walk(self) -> list[tuple[int, UnitNode]]:
        """Every unit in tree order with its depth (for pages and the report's roll-up)."""
        out: list[tuple[int, UnitNode]] = []

        def down(parent: int | None, depth: int) -> None:
            for child in self._children.get(parent, ()):
                out.append((depth, self.nodes[child]))
                down(child, depth + 1)
        down(None, 0)
        return out

    def nearest(self, unit_id: int | None, have: Mapping[int | None, int]) -> int | None:
        """The value ``have`` holds for the nearest of the unit and its ancestors, else for None
        (the installation's own): a unit's policy version or business hours."""
        for u in self.chain(unit_id):
            if u in have:
                return have[u]
        return have.get(None)

    def rolled_up(self, counts: Mapping[int | None, int]) -> dict[int, int]:
        """Each unit's count with every unit below it added (a report rolled up to the group)."""
        return {u: sum(counts.get(i, 0) for i in self.subtree(u)) for u in self.nodes}
