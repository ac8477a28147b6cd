"""Compile a checked rule into nested closures over a mapping of field values.

A missing value (None, or a field absent from the mapping) propagates through arithmetic and function calls
and makes every comparison, `in` and `not in` false; `and`, `or` and `not` read a missing condition as false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from douane.risk.rules.lexer import RuleError
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
    parse,
    reads_values,
)
from douane.risk.rules.types import RuleSchema, Type, check_rule

Functions = Mapping[str, Callable[..., Any]]


@dataclass(frozen=True)
class Context:
    values: Mapping[str, Any]
    functions: Functions


Evaluator = Callable[[Context], Any]

ARITHMETIC: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class CompiledRule:
    source: str
    tree: Expression
    fields_used: frozenset[str]
    functions_used: frozenset[str]
    _evaluator: Evaluator = field(repr=False)

    def evaluate(self, values: Mapping[str, Any], functions: Functions | None = None) -> bool:
        return self._evaluator(Context(values, functions or {})) is True

    @property
    def evaluator(self) -> Evaluator:
        """The closure itself, for callers that build one Context for many rules."""
        return self._evaluator


def compile_rule(source: str, schema: RuleSchema) -> CompiledRule:
    """Parse, type-check and compile; raises RuleError with the line and column of the fault."""
    tree = parse(source)
    check_rule(tree, schema)
    names = _names(tree)
    fields_used = frozenset(name for kind, name in names if kind == "field")
    functions_used = frozenset(name for kind, name in names if kind == "function")
    return CompiledRule(source, tree, fields_used, functions_used, _compile(tree, schema))


def _names(node: Expression) -> set[tuple[str, str]]:
    match node:
        case FieldRef():
            return {("field", node.name)}
        case Call():
            return {("function", node.name)}.union(*(_names(argument) for argument in node.arguments))
        case ListLiteral():
            return set().union(*(_names(item) for item in node.items))
        case Negate() | Not():
            return _names(node.operand)
        case Binary():
            return _names(node.left) | _names(node.right)
        case _:
            return set()


def _compile(node: Expression, schema: RuleSchema) -> Evaluator:
    if not reads_values(node):
        return _constant(_compile_node(node, schema)(Context({}, {})))  # folded once, at compile time
    return _compile_node(node, schema)


def _compile_node(node: Expression, schema: RuleSchema) -> Evaluator:
    match node:
        case NumberLiteral() | TextLiteral() | BoolLiteral():
            return _constant(node.value)
        case ListLiteral():
            return _compile_list(node, schema)
        case FieldRef():
            return _compile_field(node, schema.fields[node.name])
        case Call():
            return _compile_call(node, schema)
        case Negate():
            return _compile_negate(_compile(node.operand, schema))
        case Not():
            return _compile_not(_compile(node.operand, schema))
        case Binary():
            return _compile_binary(node, schema)


def _constant(value: Any) -> Evaluator:
    return lambda _context: value


def _compile_list(node: ListLiteral, schema: RuleSchema) -> Evaluator:
    items = [_compile(item, schema) for item in node.items]
    return lambda context: tuple(item(context) for item in items)


# The language's own representation of each type: a value of exactly that class needs no coercion.
_EXACT_CLASS: dict[Type, type] = {Type.NUMBER: Decimal, Type.TEXT: str, Type.BOOL: bool, Type.DATE: date}


def _compile_field(node: FieldRef, field_type: Type) -> Evaluator:
    name, exact = node.name, _EXACT_CLASS.get(field_type)
    message = "Field {name} holds {value}, not a {type}"

    def read(context: Context) -> Any:
        value = context.values.get(name)
        if value is None or value.__class__ is exact:
            return value
        return _coerce(value, field_type, node, message)

    return read


def _compile_call(node: Call, schema: RuleSchema) -> Evaluator:
    arguments = [_compile(argument, schema) for argument in node.arguments]
    returns = schema.functions[node.name].returns
    name, exact = node.name, _EXACT_CLASS.get(returns)
    message = "Function {name} returned {value}, not a {type}"

    def call(context: Context) -> Any:
        function = context.functions.get(name)
        if function is None:
            raise RuleError(
                "rules.unknown_function", "Unknown function {name}", node.line, node.column, name=name
            )
        values = [argument(context) for argument in arguments]
        for value in values:
            if value is None:
                return None
        result = function(*values)
        if result is None or result.__class__ is exact:
            return result
        return _coerce(result, returns, node, message)

    return call


def _compile_negate(operand: Evaluator) -> Evaluator:
    def negate(context: Context) -> Decimal | None:
        value = operand(context)
        return None if value is None else -value

    return negate


def _compile_not(operand: Evaluator) -> Evaluator:
    return lambda context: operand(context) is not True


def _compile_binary(node: Binary, schema: RuleSchema) -> Evaluator:
    left, right = _compile(node.left, schema), _compile(node.right, schema)
    if node.operator == "and":
        return lambda context: left(context) is True and right(context) is True
    if node.operator == "or":
        return lambda context: left(context) is True or right(context) is True
    if node.operator in ARITHMETIC:
        return _arithmetic(ARITHMETIC[node.operator], left, right)
    if node.operator in ("in", "not in"):
        return _membership(node.operator == "in", left, right, _constant_members(node.right, right))
    return _comparison(COMPARISONS[node.operator], left, right, not reads_values(node.right))


def _arithmetic(apply: Callable[[Decimal, Decimal], Decimal], left: Evaluator, right: Evaluator) -> Evaluator:
    def compute(context: Context) -> Decimal | None:
        a, b = left(context), right(context)
        if a is None or b is None:
            return None
        try:
            return apply(a, b)
        except (DivisionByZero, InvalidOperation):
            return None  # a division by zero has no value: the rule sees a missing value

    return compute


def _constant_members(node: Expression, evaluator: Evaluator) -> frozenset[Any] | None:
    if reads_values(node):
        return None
    return frozenset(item for item in evaluator(Context({}, {})) if item is not None)


def _membership(wanted: bool, left: Evaluator, right: Evaluator, members: frozenset[Any] | None) -> Evaluator:
    """`members`: the collection when it is a constant list (a set finds an element as the tuple does)."""
    if members is not None:

        def member_of_constant(context: Context) -> bool:
            element = left(context)
            return element is not None and (element in members) is wanted

        return member_of_constant

    def member(context: Context) -> bool:
        element, collection = left(context), right(context)
        if element is None or collection is None:
            return False
        return (element in collection) is wanted

    return member


def _comparison(
    compare: Callable[[Any, Any], bool], left: Evaluator, right: Evaluator, constant_right: bool
) -> Evaluator:
    if constant_right:
        b = right(Context({}, {}))

        def against_constant(context: Context) -> bool:
            a = left(context)
            return a is not None and b is not None and compare(a, b)

        return against_constant

    def evaluate(context: Context) -> bool:
        a, b = left(context), right(context)
        if a is None or b is None:
            return False
        return compare(a, b)

    return evaluate


def _coerce(value: Any, expected: Type, node: FieldRef | Call, message: str) -> Any:
    """Bring a supplied value to the language's representation, or refuse it at the node's column."""
    if value is None:
        return None
    coerced = _coerced(value, expected)
    if coerced is None:
        raise RuleError(
            "rules.type_mismatch",
            message,
            node.line,
            node.column,
            name=node.name,
            value=repr(value),
            type=expected.value,
        )
    return coerced


def _coerced(value: Any, expected: Type) -> Any:
    if expected is Type.NUMBER:
        return _as_number(value)
    if expected is Type.TEXT:
        return value if isinstance(value, str) else None
    if expected is Type.BOOL:
        return value if isinstance(value, bool) else None
    if expected is Type.DATE:
        return value if isinstance(value, date) else None
    if not isinstance(value, list | tuple | set | frozenset):
        return None
    element = Type.TEXT if expected is Type.TEXT_LIST else Type.NUMBER
    items = tuple(_coerced(item, element) for item in value if item is not None)
    return None if any(item is None for item in items) else items


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest repr: 0.1 stays 0.1, not its binary expansion
    return None


def compile_tree(tree: Expression, schema: RuleSchema) -> Evaluator:
    """A checked rule, or a part of one, as a closure over a Context (for the other back-ends)."""
    return _compile(tree, schema)
