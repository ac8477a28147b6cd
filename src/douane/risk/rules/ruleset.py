"""Many rules against one declaration at a time, evaluating only the rules that can apply to it.

Most targeting rules start with a guard such as `hs6 in ["870323", "870324"]`, `origin == "CN"` or
`"8703" in hs_prefixes`. The rule set indexes rules by such guards on a few text fields (or lists of texts),
so that an item evaluates the rules whose guard its values meet, plus the rules without any guard. A guard is
only ever a necessary condition, so the hits are those of evaluating every rule on every item. Rules that
read only header fields are evaluated once per declaration rather than once per item.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from douane.risk.rules.compiler import CompiledRule, Context, Functions
from douane.risk.rules.parser import Binary, Expression, FieldRef, ListLiteral, TextLiteral

DEFAULT_INDEX_FIELDS = ("hs6", "hs4", "hs10", "hs2", "hs_prefixes", "origin", "office", "regime")

Guards = dict[str, frozenset[str]]


def guards_of(rule: Expression, fields: Collection[str]) -> Guards:
    """For each of `fields` that the rule pins: the text values the field must hold for the rule to hold."""
    match rule:
        case Binary(operator="and"):
            left, right = guards_of(rule.left, fields), guards_of(rule.right, fields)
            merged = {**left, **right}
            for name in left.keys() & right.keys():
                merged[name] = left[name] & right[name]
            return merged
        case Binary(operator="or"):
            left, right = guards_of(rule.left, fields), guards_of(rule.right, fields)
            return {name: left[name] | right[name] for name in left.keys() & right.keys()}
        case Binary(operator="=="):
            return _equality_guard(rule.left, rule.right, fields) or _equality_guard(
                rule.right, rule.left, fields
            )
        case Binary(operator="in", left=TextLiteral() as text, right=FieldRef() as field):
            return {field.name: frozenset({text.value})} if field.name in fields else {}
        case Binary(operator="in", left=FieldRef() as field, right=ListLiteral() as values):
            texts = _texts(values)
            return {field.name: texts} if field.name in fields and texts is not None else {}
    return {}


def _equality_guard(side: Expression, other: Expression, fields: Collection[str]) -> Guards:
    if isinstance(side, FieldRef) and side.name in fields and isinstance(other, TextLiteral):
        return {side.name: frozenset({other.value})}
    return {}


def _texts(values: ListLiteral) -> frozenset[str] | None:
    if not all(isinstance(item, TextLiteral) for item in values.items):
        return None
    return frozenset(item.value for item in values.items if isinstance(item, TextLiteral))


Evaluator = Callable[[Context], Any]


@dataclass(frozen=True)
class _Index:
    field: str
    rules_by_value: dict[str, tuple[int, ...]]


class _Group:
    """Rules indexed by their guards, and those without a guard, which every item evaluates."""

    def __init__(self, guarded: list[tuple[int, str, frozenset[str]]], unguarded: list[int]) -> None:
        buckets: dict[str, dict[str, list[int]]] = {}
        for position, field, values in guarded:
            for value in values:
                buckets.setdefault(field, {}).setdefault(value, []).append(position)
        self.indexes = tuple(
            _Index(field, {value: tuple(positions) for value, positions in by_value.items()})
            for field, by_value in buckets.items()
        )
        self.unguarded = tuple(unguarded)

    def candidates(self, values: Mapping[str, Any]) -> list[int]:
        found = list(self.unguarded)
        for index in self.indexes:
            value = values.get(index.field)
            if value.__class__ is list or value.__class__ is tuple:  # a list field: each of its texts
                for text in value:
                    found.extend(index.rules_by_value.get(text, ()))
            elif value is not None:
                found.extend(index.rules_by_value.get(value, ()))
        return found


class RuleSet:
    """Compiled once, then asked which rules each declaration hits."""

    def __init__(
        self,
        rules: Mapping[str, CompiledRule],
        index_fields: Sequence[str] = DEFAULT_INDEX_FIELDS,
        header_fields: Collection[str] = (),
        functions: Functions | None = None,
    ) -> None:
        self.rule_ids = tuple(rules)
        self.functions = functions or {}
        # what the rules read, all together: a caller may build only these values
        self.fields_used = frozenset[str]().union(*(rule.fields_used for rule in rules.values()))
        self.functions_used = frozenset[str]().union(*(rule.functions_used for rule in rules.values()))
        self._evaluators: tuple[Evaluator, ...] = tuple(rule.evaluator for rule in rules.values())
        header = frozenset(header_fields)
        sorted_rules: dict[bool, tuple[list[tuple[int, str, frozenset[str]]], list[int]]] = {
            True: ([], []),
            False: ([], []),
        }
        for position, rule in enumerate(rules.values()):
            guarded, unguarded = sorted_rules[bool(header) and rule.fields_used <= header]
            guards = guards_of(rule.tree, index_fields)
            field = next((name for name in index_fields if name in guards), None)
            if field is None:
                unguarded.append(position)
            else:
                guarded.append((position, field, guards[field]))
        self._header = _Group(*sorted_rules[True])  # read once per declaration, on its first item
        self._items = _Group(*sorted_rules[False])  # read on every item

    @classmethod
    def compile(
        cls,
        rules: Mapping[str, CompiledRule],
        index_fields: Sequence[str] = DEFAULT_INDEX_FIELDS,
        header_fields: Collection[str] = (),
        functions: Functions | None = None,
    ) -> RuleSet:
        """`header_fields` are equal on every item of a declaration: rules reading only those run once."""
        return cls(rules, index_fields, header_fields, functions)

    @property
    def unguarded_share(self) -> float:
        """The share of rules evaluated on every declaration, for lack of a guard the index knows."""
        unguarded = len(self._header.unguarded) + len(self._items.unguarded)
        return unguarded / len(self.rule_ids) if self.rule_ids else 0.0

    def candidates(self, values: Mapping[str, Any], *, header: bool) -> list[int]:
        """Positions of the rules these values may hit, among the header rules or the item rules."""
        return (self._header if header else self._items).candidates(values)

    def hits(
        self, items_fields: Sequence[Mapping[str, Any]], functions: Functions | None = None
    ) -> list[str]:
        """Ids of the rules the declaration hits (any of its items), in the order the rules were given."""
        if not items_fields:
            return []
        chosen = self.functions if functions is None else functions
        hit: set[int] = set()
        self._add_hits(self._header, items_fields[0], chosen, hit)
        for values in items_fields:
            self._add_hits(self._items, values, chosen, hit)
        return [self.rule_ids[position] for position in sorted(hit)]

    def _add_hits(
        self, group: _Group, values: Mapping[str, Any], functions: Functions, hit: set[int]
    ) -> None:
        """Add the group's rules these values meet to `hit` (a rule already hit is not evaluated again)."""
        candidates = group.candidates(values)
        if candidates:
            context = Context(values, functions)
            evaluators = self._evaluators
            hit.update(
                position
                for position in candidates
                if position not in hit and evaluators[position](context) is True
            )
