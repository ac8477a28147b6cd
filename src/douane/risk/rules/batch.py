"""Evaluate many rules over many goods items at once: each checked rule becomes one Polars expression.

The frame has one row per goods item and one column per schema field (header fields repeated on each item).
The expressions keep the closure back-end's meaning: a missing value (null) spreads through arithmetic and
function calls and makes comparisons, `in` and `not in` false; `and`, `or` and `not` read a missing condition
as false; a division by zero is a missing value. Numbers are decimals with NUMBER_SCALE places, so `0.1 + 0.2`
equals `0.3` here as it does in the closures. One difference remains, in the last digit only: a result with
more than NUMBER_SCALE decimal places (10 / 3, or 0.000001 * 0.000001) is rounded at NUMBER_SCALE places here
and at 28 significant digits there. A rule whose numbers outgrow the decimals (beyond 10^26) is evaluated by
the closures instead.

A function a rule calls is given once for both back-ends (`RuleFunction`): called with values by the
closures, and asked for a column expression by the batch. `LookupTable` is such a function over a table.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import polars as pl

from douane.risk.rules.compiler import CompiledRule, Context, compile_tree
from douane.risk.rules.lexer import INTEGER_DIGITS, RuleError
from douane.risk.rules.parser import (
    Binary,
    BoolLiteral,
    Call,
    Expression,
    FieldRef,
    ListLiteral,
    Negate,
    Not,
    NumberLiteral,
    TextLiteral,
    reads_values,
)
from douane.risk.rules.ruleset import DEFAULT_INDEX_FIELDS, guards_of
from douane.risk.rules.types import RuleSchema, Type, type_of

NUMBER_SCALE = 12
NUMBER = pl.Decimal(INTEGER_DIGITS + NUMBER_SCALE, NUMBER_SCALE)
NUMBER_LIMIT = Decimal(10) ** INTEGER_DIGITS  # a number column holds magnitudes below this
DTYPES: dict[Type, pl.DataType] = {
    Type.NUMBER: NUMBER,
    Type.TEXT: pl.String(),
    Type.BOOL: pl.Boolean(),
    Type.DATE: pl.Date(),
    Type.TEXT_LIST: pl.List(pl.String()),
    Type.NUMBER_LIST: pl.List(NUMBER),
    Type.EMPTY_LIST: pl.List(pl.String()),
}
KEY_SEPARATOR = "\x1f"  # joins the arguments of a lookup into one key; never typed in a code


class RuleFunction(Protocol):
    """A function rules may call, for both back-ends; None (or null) is a missing result."""

    def __call__(self, *arguments: Any) -> Any: ...

    def column(self, *arguments: pl.Expr) -> pl.Expr: ...


@dataclass(frozen=True)
class LookupTable:
    """A function given by a table from text arguments to a value, such as indicator(hs6, origin)."""

    values: Mapping[tuple[str, ...], Any]
    returns: Type

    def __call__(self, *arguments: Any) -> Any:
        return self.values.get(arguments)

    def column(self, *arguments: pl.Expr) -> pl.Expr:
        dtype = DTYPES[self.returns]
        if not arguments:
            return pl.lit(self.values.get(()), dtype=dtype)
        key = arguments[0] if len(arguments) == 1 else pl.concat_str(arguments, separator=KEY_SEPARATOR)
        keys = [KEY_SEPARATOR.join(key) for key in self.values]
        values = pl.Series(list(self.values.values()), dtype=dtype)
        return key.replace_strict(
            pl.Series(keys, dtype=pl.String()), values, default=None, return_dtype=dtype
        )


def column_type(field_type: Type) -> pl.DataType:
    return DTYPES[field_type]


def items_frame(
    items: Iterable[Mapping[str, Any]], schema: RuleSchema, extra: Mapping[str, pl.DataType] | None = None
) -> pl.DataFrame:
    """A frame with one column per schema field (and per `extra` column) from item mappings."""
    columns = {name: column_type(field_type) for name, field_type in schema.fields.items()}
    columns.update(extra or {})
    rows = [{name: item.get(name) for name in columns} for item in items]
    return pl.DataFrame(rows, schema=columns, orient="row")


def compile_expression(
    rule: CompiledRule | Expression, schema: RuleSchema, functions: Mapping[str, RuleFunction]
) -> pl.Expr:
    """One rule as a boolean expression without nulls: true on the rows the rule hits."""
    tree = rule.tree if isinstance(rule, CompiledRule) else rule
    return _Compiler(schema, functions, None).condition(tree)


@dataclass(frozen=True)
class BatchHits:
    """Which rule hit which declaration: a boolean matrix, declarations in the order they first appear."""

    declarations: list[Hashable]
    rule_ids: tuple[str, ...]
    matrix: np.ndarray  # shape (declarations, rules)

    def hit_lists(self) -> list[list[str]]:
        """For each declaration, the ids of the rules it hits, in rule order."""
        rows, columns = np.nonzero(self.matrix)
        lists: list[list[str]] = [[] for _ in self.declarations]
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            lists[row].append(self.rule_ids[column])
        return lists

    def by_declaration(self) -> dict[Hashable, list[str]]:
        return dict(zip(self.declarations, self.hit_lists(), strict=True))

    def hit_counts(self) -> dict[str, int]:
        return dict(zip(self.rule_ids, self.matrix.sum(axis=0).tolist(), strict=True))


class RuleBatch:
    """Many rules compiled together and evaluated over a frame of goods items.

    `item_hits` evaluates every rule on every item in one pass. `declaration_hits` does what the rule set
    does one declaration at a time: a rule guarded by an index field (`hs6 in [...]`, `origin == "CN"`) is
    evaluated only on the rows its guard selects, found through one grouping of the frame per field; the
    other rules run in one pass over all rows.
    """

    def __init__(
        self,
        rules: Mapping[str, CompiledRule],
        schema: RuleSchema,
        functions: Mapping[str, RuleFunction],
        index_fields: Sequence[str] = DEFAULT_INDEX_FIELDS,
    ) -> None:
        self.rules = dict(rules)
        self.schema = schema
        self.functions = functions
        self._calls: dict[str, tuple[str, pl.Expr]] = {}
        compiler = _Compiler(schema, functions, self._calls)
        self._expressions = {rule_id: compiler.condition(rule.tree) for rule_id, rule in self.rules.items()}
        self._guards: dict[str, tuple[str, frozenset[str]]] = {}
        indexable = [name for name in index_fields if schema.fields.get(name) in (Type.TEXT, Type.TEXT_LIST)]
        for rule_id, rule in self.rules.items():
            guards = guards_of(rule.tree, indexable)
            field = next((name for name in indexable if name in guards), None)
            if field is not None:
                self._guards[rule_id] = (field, guards[field])

    @classmethod
    def compile(
        cls,
        rules: Mapping[str, CompiledRule],
        schema: RuleSchema,
        functions: Mapping[str, RuleFunction] | None = None,
        index_fields: Sequence[str] = DEFAULT_INDEX_FIELDS,
    ) -> RuleBatch:
        return cls(rules, schema, functions or {}, index_fields)

    def item_hits(self, items: pl.DataFrame) -> pl.DataFrame:
        """One boolean column per rule (named by its id), one row per item."""
        return self._hits(self._prepared(items), list(self.rules))

    def declaration_hits(self, items: pl.DataFrame, declaration: str) -> BatchHits:
        """A declaration hits a rule when any of its items does; `declaration` names the key column."""
        keys = items.get_column(declaration)
        declarations = keys.unique(maintain_order=True)
        positions = pl.int_range(declarations.len(), eager=True, dtype=pl.Int64())
        owner = (
            keys.replace_strict(declarations, positions, return_dtype=pl.Int64()).to_numpy().astype(np.int64)
        )
        frame = self._prepared(items)
        rule_ids = list(self.rules)
        column_of = {rule_id: column for column, rule_id in enumerate(rule_ids)}
        matrix = np.zeros((declarations.len(), len(rule_ids)), dtype=bool)
        unguarded = [rule_id for rule_id in rule_ids if rule_id not in self._guards]
        for rule_id, hits in self._hits(frame, unguarded).to_dict().items():
            matrix[owner[hits.arg_true().to_numpy()], column_of[rule_id]] = True
        rows_by_value = _RowsByValue(frame, self._guards.values())
        for guard, guarded in self._by_guard().items():
            rows = rows_by_value.rows(*guard)
            if not rows.size:
                continue
            needed = sorted(
                {name for rule_id in guarded for name in self._expressions[rule_id].meta.root_names()}
            )
            for rule_id, hits in self._hits(frame.select(needed)[rows], guarded).to_dict().items():
                matrix[owner[rows[hits.to_numpy()]], column_of[rule_id]] = True
        return BatchHits(declarations=declarations.to_list(), rule_ids=tuple(rule_ids), matrix=matrix)

    def _by_guard(self) -> dict[tuple[str, frozenset[str]], list[str]]:
        """Guarded rules by their guard, so that rules with the same guard share one selection of rows."""
        groups: dict[tuple[str, frozenset[str]], list[str]] = {}
        for rule_id, guard in self._guards.items():
            groups.setdefault(guard, []).append(rule_id)
        return groups

    def _prepared(self, items: pl.DataFrame) -> pl.DataFrame:
        """The frame with every schema field and one column per distinct function call of the rules."""
        frame = _with_missing_columns(items, self.schema)
        calls = [expression.alias(name) for name, expression in self._calls.values()]
        return frame.with_columns(calls) if calls else frame

    def _hits(self, frame: pl.DataFrame, rule_ids: Sequence[str]) -> pl.DataFrame:
        try:
            return self._evaluate(frame, rule_ids)
        except pl.exceptions.PolarsError:
            # A decimal overflow somewhere: evaluate rule by rule, the failing ones with the closures.
            return pl.DataFrame([self._evaluate_alone(frame, rule_id) for rule_id in rule_ids])

    def _evaluate(self, frame: pl.DataFrame, rule_ids: Sequence[str]) -> pl.DataFrame:
        # with_columns, not select: a rule that reads no field still yields one value per item
        names = {f"__rule_{index}": rule_id for index, rule_id in enumerate(rule_ids)}
        hits = frame.lazy().with_columns(
            self._expressions[rule_id].alias(name) for name, rule_id in names.items()
        )
        return hits.select(list(names)).collect().rename(names)

    def _evaluate_alone(self, frame: pl.DataFrame, rule_id: str) -> pl.Series:
        try:
            return self._evaluate(frame, [rule_id]).get_column(rule_id)
        except pl.exceptions.PolarsError:
            rule = self.rules[rule_id]
            functions = dict(self.functions)
            rows = frame.select(rule.fields_used).iter_rows(named=True)
            return pl.Series(rule_id, [rule.evaluate(row, functions) for row in rows], dtype=pl.Boolean())


class _RowsByValue:
    """Row numbers of the frame by the value of each guarded field (each text of a list field)."""

    def __init__(self, frame: pl.DataFrame, guards: Iterable[tuple[str, frozenset[str]]]) -> None:
        wanted: dict[str, set[str]] = {}
        for field, values in guards:
            wanted.setdefault(field, set()).update(values)
        self._rows: dict[str, dict[str, np.ndarray]] = {}
        for field, texts in wanted.items():
            column = frame.select(pl.col(field).alias("value"), pl.int_range(pl.len()).alias("row"))
            if isinstance(column.schema["value"], pl.List):
                column = column.explode("value").unique()
            groups = column.filter(pl.col("value").is_in(sorted(texts))).group_by("value").agg("row")
            self._rows[field] = {
                value: rows.to_numpy() for value, rows in zip(groups["value"], groups["row"], strict=True)
            }

    def rows(self, field: str, values: frozenset[str]) -> np.ndarray:
        by_value = self._rows[field]
        found = [by_value[value] for value in values if value in by_value]
        if not found:
            return np.zeros(0, dtype=np.int64)
        # a row may come twice (two texts of one list): evaluated twice, it hits or misses twice, no harm
        return np.concatenate(found) if len(found) > 1 else found[0]


def _with_missing_columns(items: pl.DataFrame, schema: RuleSchema) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype=column_type(field_type)).alias(name)
        for name, field_type in schema.fields.items()
        if name not in items.columns
    ]
    return items.with_columns(missing) if missing else items


class _Compiler:
    def __init__(
        self,
        schema: RuleSchema,
        functions: Mapping[str, RuleFunction],
        calls: dict[str, tuple[str, pl.Expr]] | None,
    ) -> None:
        self.schema = schema
        self.functions = functions
        # a call's canonical text -> (column name, expression), each computed once; None: calls inline
        self.calls = calls

    def condition(self, node: Expression) -> pl.Expr:
        """A condition as a boolean without nulls (a missing condition is false)."""
        return self.value(node).fill_null(False)

    def value(self, node: Expression) -> pl.Expr:
        if not reads_values(node):
            return self._constant(node)
        match node:
            case FieldRef():
                return self._field(node)
            case Call():
                return self._call(node)
            case ListLiteral():
                return pl.concat_list([self.value(item) for item in node.items])
            case Negate():
                return -self.value(node.operand)
            case Not():
                return ~self.condition(node.operand)
            case Binary():
                return self._binary(node)
        raise AssertionError(f"unexpected node {node!r}")  # literals are constants, handled above

    def _constant(self, node: Expression) -> pl.Expr:
        """A part of a rule that reads no field: computed once, by the closure back-end itself."""
        value = compile_tree(node, self.schema)(Context({}, {}))
        value_type = type_of(node, self.schema)
        if isinstance(value, tuple):
            return pl.lit(pl.Series([list(value)], dtype=column_type(value_type)))
        return pl.lit(value, dtype=column_type(value_type))

    def _field(self, node: FieldRef) -> pl.Expr:
        column = pl.col(node.name)
        if self.schema.fields[node.name] in (Type.TEXT_LIST, Type.NUMBER_LIST):
            return column.list.drop_nulls()  # as the closures do: a list field's missing items are left out
        return column

    def _call(self, node: Call) -> pl.Expr:
        if self.calls is None:
            return self._call_expression(node)
        key = _canonical(node)
        if key not in self.calls:
            self.calls[key] = (f"__call_{len(self.calls)}", self._call_expression(node))
        return pl.col(self.calls[key][0])

    def _call_expression(self, node: Call) -> pl.Expr:
        function = self.functions.get(node.name)
        if function is None:
            message = "Unknown function {name}"
            raise RuleError("rules.unknown_function", message, node.line, node.column, name=node.name)
        arguments = [self.value(argument) for argument in node.arguments]
        result = function.column(*arguments).cast(column_type(self.schema.functions[node.name].returns))
        if not arguments:
            return result
        return pl.when(pl.all_horizontal([argument.is_not_null() for argument in arguments])).then(result)

    def _binary(self, node: Binary) -> pl.Expr:
        if node.operator == "and":
            return self.condition(node.left) & self.condition(node.right)
        if node.operator == "or":
            return self.condition(node.left) | self.condition(node.right)
        if node.operator in ("in", "not in"):
            return self._membership(node)
        if node.operator == "/":
            return self._division(node)
        left, right = self.value(node.left), self.value(node.right)
        match node.operator:
            case "+":
                return left + right
            case "-":
                return left - right
            case "*":
                return left * right
        return self._comparison(node).fill_null(False)

    def _division(self, node: Binary) -> pl.Expr:
        numerator = self.value(node.left)
        if not reads_values(node.right):
            divisor = compile_tree(node.right, self.schema)(Context({}, {}))
            if divisor is None or divisor == 0:
                return pl.lit(None, dtype=NUMBER)
            return numerator / self._constant(node.right)
        divisor_column = self.value(node.right)
        return numerator / pl.when(divisor_column != 0).then(divisor_column)

    def _comparison(self, node: Binary) -> pl.Expr:
        left_type, right_type = type_of(node.left, self.schema), type_of(node.right, self.schema)
        if Type.EMPTY_LIST in (left_type, right_type) and left_type is not right_type:
            other = node.right if left_type is Type.EMPTY_LIST else node.left
            length = self.value(other).list.len()
            return length == 0 if node.operator == "==" else length != 0
        left, right = self.value(node.left), self.value(node.right)
        match node.operator:
            case "==":
                return left == right
            case "!=":
                return left != right
            case "<":
                return left < right
            case "<=":
                return left <= right
            case ">":
                return left > right
        return left >= right

    def _membership(self, node: Binary) -> pl.Expr:
        """`in` and `not in` are both false when the value or the collection is missing."""
        element = self.value(node.left)
        collection = node.right
        defined = element.is_not_null()
        if isinstance(collection, ListLiteral) and reads_values(collection):
            found = pl.any_horizontal(
                [(element == self.value(item)).fill_null(False) for item in collection.items]
            )
        elif not reads_values(collection):
            members = [
                value for value in compile_tree(collection, self.schema)(Context({}, {})) if value is not None
            ]
            dtype = column_type(type_of(node.left, self.schema))
            found = element.is_in(pl.Series(members, dtype=dtype).implode()) if members else pl.lit(False)
        else:
            values = self.value(collection)
            defined = defined & values.is_not_null()
            found = values.list.contains(element)
        found = found.fill_null(False)
        return defined & (found if node.operator == "in" else ~found)


def _canonical(node: Expression) -> str:
    """A rule part's text without positions, so that equal parts of different rules share one column."""
    match node:
        case NumberLiteral():
            return str(Decimal(node.value).normalize())
        case TextLiteral():
            return repr(node.value)
        case BoolLiteral():
            return "true" if node.value else "false"
        case FieldRef():
            return node.name
        case Call():
            return f"{node.name}({','.join(_canonical(argument) for argument in node.arguments)})"
        case ListLiteral():
            return f"[{','.join(_canonical(item) for item in node.items)}]"
        case Negate():
            return f"(-{_canonical(node.operand)})"
        case Not():
            return f"(not {_canonical(node.operand)})"
        case Binary():
            return f"({_canonical(node.left)} {node.operator} {_canonical(node.right)})"
    raise AssertionError(f"unexpected node {node!r}")


__all__ = [
    "DTYPES",
    "NUMBER",
    "BatchHits",
    "LookupTable",
    "RuleBatch",
    "RuleFunction",
    "column_type",
    "compile_expression",
    "items_frame",
]
