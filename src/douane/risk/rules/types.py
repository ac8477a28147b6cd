"""Types of the rule language and the check a rule passes before it is saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

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
    start_of,
)

ARITHMETIC_OPERATORS = frozenset({"+", "-", "*", "/"})
ORDERING_OPERATORS = frozenset({"<", "<=", ">", ">="})
EQUALITY_OPERATORS = frozenset({"==", "!="})
MEMBERSHIP_OPERATORS = frozenset({"in", "not in"})
LOGICAL_OPERATORS = frozenset({"and", "or"})


class Type(Enum):
    NUMBER = "number"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"
    TEXT_LIST = "list of text"
    NUMBER_LIST = "list of number"
    EMPTY_LIST = "empty list"


LIST_OF = {Type.TEXT: Type.TEXT_LIST, Type.NUMBER: Type.NUMBER_LIST}
ELEMENT_OF = {list_type: element for element, list_type in LIST_OF.items()}
ORDERED_TYPES = frozenset({Type.NUMBER, Type.TEXT, Type.DATE})


@dataclass(frozen=True)
class FunctionSignature:
    parameters: tuple[Type, ...]
    returns: Type


@dataclass(frozen=True)
class RuleSchema:
    """The fields a rule may read and the functions it may call (implemented at evaluation time)."""

    fields: Mapping[str, Type]
    functions: Mapping[str, FunctionSignature] = field(default_factory=dict)


def check_rule(rule: Expression, schema: RuleSchema) -> None:
    """Raise RuleError unless the whole rule is a well-typed condition."""
    rule_type = type_of(rule, schema)
    if rule_type is not Type.BOOL:
        line, column = start_of(rule)
        raise RuleError(
            "rules.type_mismatch",
            "A rule must be a condition (true or false), not a {found}",
            line,
            column,
            found=rule_type.value,
        )


def type_of(node: Expression, schema: RuleSchema) -> Type:
    match node:
        case NumberLiteral():
            return Type.NUMBER
        case TextLiteral():
            return Type.TEXT
        case BoolLiteral():
            return Type.BOOL
        case ListLiteral():
            return _list_type(node, schema)
        case FieldRef():
            return _field_type(node, schema)
        case Call():
            return _call_type(node, schema)
        case Negate():
            _require(node.operand, Type.NUMBER, schema, "-")
            return Type.NUMBER
        case Not():
            _require(node.operand, Type.BOOL, schema, "not")
            return Type.BOOL
        case Binary():
            return _binary_type(node, schema)


def _mismatch(node: Expression, message: str, **params: str) -> RuleError:
    return RuleError("rules.type_mismatch", message, node.line, node.column, **params)


def _require(operand: Expression, expected: Type, schema: RuleSchema, operator: str) -> None:
    found = type_of(operand, schema)
    if found is not expected:
        line, column = start_of(operand)
        raise RuleError(
            "rules.type_mismatch",
            "{operator} needs a {expected}, not a {found}",
            line,
            column,
            operator=operator,
            expected=expected.value,
            found=found.value,
        )


def _list_type(node: ListLiteral, schema: RuleSchema) -> Type:
    if not node.items:
        return Type.EMPTY_LIST
    first = type_of(node.items[0], schema)
    if first not in LIST_OF:
        raise _mismatch(node.items[0], "A list holds numbers or texts, not a {found}", found=first.value)
    for item in node.items[1:]:
        if type_of(item, schema) is not first:
            line, column = start_of(item)
            raise RuleError(
                "rules.type_mismatch",
                "Every item of a list must be a {expected}",
                line,
                column,
                expected=first.value,
            )
    return LIST_OF[first]


def _field_type(node: FieldRef, schema: RuleSchema) -> Type:
    if node.name not in schema.fields:
        raise RuleError("rules.unknown_field", "Unknown field {name}", node.line, node.column, name=node.name)
    return schema.fields[node.name]


def _call_type(node: Call, schema: RuleSchema) -> Type:
    signature = schema.functions.get(node.name)
    if signature is None:
        raise RuleError(
            "rules.unknown_function", "Unknown function {name}", node.line, node.column, name=node.name
        )
    if len(node.arguments) != len(signature.parameters):
        raise RuleError(
            "rules.arity",
            "{name} takes {expected} arguments, not {found}",
            node.line,
            node.column,
            name=node.name,
            expected=str(len(signature.parameters)),
            found=str(len(node.arguments)),
        )
    for argument, parameter in zip(node.arguments, signature.parameters, strict=True):
        _require(argument, parameter, schema, node.name)
    return signature.returns


def _binary_type(node: Binary, schema: RuleSchema) -> Type:
    if node.operator in LOGICAL_OPERATORS:
        _require(node.left, Type.BOOL, schema, node.operator)
        _require(node.right, Type.BOOL, schema, node.operator)
        return Type.BOOL
    if node.operator in ARITHMETIC_OPERATORS:
        _require(node.left, Type.NUMBER, schema, node.operator)
        _require(node.right, Type.NUMBER, schema, node.operator)
        return Type.NUMBER
    left, right = type_of(node.left, schema), type_of(node.right, schema)
    if node.operator in MEMBERSHIP_OPERATORS:
        _check_membership(node, left, right)
    elif node.operator in ORDERING_OPERATORS:
        _check_ordering(node, left, right)
    else:
        _check_equality(node, left, right)
    return Type.BOOL


def _check_membership(node: Binary, left: Type, right: Type) -> None:
    if right is Type.EMPTY_LIST and left in LIST_OF:
        return
    if ELEMENT_OF.get(right) is not left:
        raise _mismatch(
            node,
            "{operator} needs a value and a list of such values, not {left} and {right}",
            operator=node.operator,
            left=left.value,
            right=right.value,
        )


def _check_ordering(node: Binary, left: Type, right: Type) -> None:
    if left is not right or left not in ORDERED_TYPES:
        raise _mismatch(
            node,
            "{operator} compares two numbers, two texts or two dates, not {left} and {right}",
            operator=node.operator,
            left=left.value,
            right=right.value,
        )


def _check_equality(node: Binary, left: Type, right: Type) -> None:
    lists = {Type.TEXT_LIST, Type.NUMBER_LIST, Type.EMPTY_LIST}
    if left is right or (left in lists and right in lists and Type.EMPTY_LIST in (left, right)):
        return
    raise _mismatch(
        node,
        "{operator} compares values of the same type, not {left} and {right}",
        operator=node.operator,
        left=left.value,
        right=right.value,
    )
