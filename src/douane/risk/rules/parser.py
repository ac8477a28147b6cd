"""Recursive-descent parser: tokens to a small syntax tree.

Precedence, loosest first: or, and, not, comparison and in (not chained), + -, * /, unary minus.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from douane.risk.rules.lexer import Kind, RuleError, Token, syntax_error, tokenize

COMPARISON_OPERATORS = frozenset({"==", "!=", "<", "<=", ">", ">="})


@dataclass(frozen=True)
class Node:
    """Line and column of the token that names the node: the literal, the name or the operator."""

    line: int
    column: int


@dataclass(frozen=True)
class NumberLiteral(Node):
    value: Decimal


@dataclass(frozen=True)
class TextLiteral(Node):
    value: str


@dataclass(frozen=True)
class BoolLiteral(Node):
    value: bool


@dataclass(frozen=True)
class ListLiteral(Node):
    items: tuple[Expression, ...]


@dataclass(frozen=True)
class FieldRef(Node):
    name: str


@dataclass(frozen=True)
class Call(Node):
    name: str
    arguments: tuple[Expression, ...]


@dataclass(frozen=True)
class Negate(Node):
    operand: Expression


@dataclass(frozen=True)
class Not(Node):
    operand: Expression


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic, comparison, `in`, `not in`, `and`, `or`; the position is the operator's."""

    operator: str
    left: Expression
    right: Expression


Expression = NumberLiteral | TextLiteral | BoolLiteral | ListLiteral | FieldRef | Call | Negate | Not | Binary


def start_of(node: Expression) -> tuple[int, int]:
    """Where the source text of a node begins (a binary node begins with its left operand)."""
    while isinstance(node, Binary):
        node = node.left
    return node.line, node.column


def reads_values(node: Expression) -> bool:
    """Whether a part of a rule reads a field or calls a function (else it is a constant)."""
    match node:
        case FieldRef() | Call():
            return True
        case ListLiteral():
            return any(reads_values(item) for item in node.items)
        case Negate() | Not():
            return reads_values(node.operand)
        case Binary():
            return reads_values(node.left) or reads_values(node.right)
    return False


MAX_DEPTH = 64
"""Levels a rule may nest: brackets, not, minus signs, calls and lists, and operators chained in a row. Far
beyond what an analyst writes; it keeps every later step (type check, both compilers) within Python's
recursion limit, so an absurd rule is refused with a message instead of failing the request."""


def parse(source: str) -> Expression:
    tree = _Parser(tokenize(source)).parse_rule()
    if _depth(tree) > MAX_DEPTH:
        line, column = start_of(tree)
        raise _too_deep(line, column)
    return tree


def _too_deep(line: int, column: int) -> RuleError:
    return RuleError(
        "rules.too_deep",
        "The rule nests or chains more than {limit} levels: split it, or list the values with in",
        line,
        column,
        limit=MAX_DEPTH,
    )


def _depth(tree: Expression) -> int:
    """The tree's height, without recursion (a chain of a thousand `or` is a thousand levels high)."""
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in _children(node))
    return deepest


def _children(node: Expression) -> tuple[Expression, ...]:
    match node:
        case Binary():
            return (node.left, node.right)
        case Negate() | Not():
            return (node.operand,)
        case Call() | ListLiteral():
            return node.arguments if isinstance(node, Call) else node.items
    return ()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.nesting = 0

    def _nested(self) -> None:
        """One more level of brackets, not, minus or call; refused past MAX_DEPTH before recursing further."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise _too_deep(self.current.line, self.current.column)

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def _advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.END:
            self.position += 1
        return token

    def _at(self, *texts: str) -> bool:
        return self.current.kind in (Kind.OPERATOR, Kind.KEYWORD) and self.current.text in texts

    def _expect(self, text: str) -> Token:
        if not self._at(text):
            raise self._unexpected(f"'{text}'")
        return self._advance()

    def _unexpected(self, wanted: str) -> Exception:
        token = self.current
        found = "the end of the rule" if token.kind is Kind.END else repr(token.text)
        return syntax_error(
            "Expected {wanted}, found {found}", token.line, token.column, wanted=wanted, found=found
        )

    def parse_rule(self) -> Expression:
        if self.current.kind is Kind.END:
            raise syntax_error("The rule is empty", self.current.line, self.current.column)
        expression = self._or()
        if self.current.kind is not Kind.END:
            raise self._unexpected("an operator or the end of the rule")
        return expression

    def _or(self) -> Expression:
        left = self._and()
        while self._at("or"):
            operator = self._advance()
            left = Binary(operator.line, operator.column, "or", left, self._and())
        return left

    def _and(self) -> Expression:
        left = self._not()
        while self._at("and"):
            operator = self._advance()
            left = Binary(operator.line, operator.column, "and", left, self._not())
        return left

    def _not(self) -> Expression:
        if self._at("not"):
            keyword = self._advance()
            self._nested()
            operand = self._not()
            self.nesting -= 1
            return Not(keyword.line, keyword.column, operand)
        return self._comparison()

    def _comparison(self) -> Expression:
        left = self._additive()
        operator = self._comparison_operator()
        if operator is None:
            return left
        text, line, column = operator
        node = Binary(line, column, text, left, self._additive())
        if self._comparison_operator_ahead():
            raise syntax_error(
                "Comparisons cannot be chained: join them with and", self.current.line, self.current.column
            )
        return node

    def _comparison_operator_ahead(self) -> bool:
        if self._at(*COMPARISON_OPERATORS, "in"):
            return True
        following = self.tokens[self.position + 1] if self._at("not") else None
        return following is not None and following.kind is Kind.KEYWORD and following.text == "in"

    def _comparison_operator(self) -> tuple[str, int, int] | None:
        if not self._comparison_operator_ahead():
            return None
        token = self._advance()
        if token.text == "not":
            self._expect("in")
            return "not in", token.line, token.column
        return token.text, token.line, token.column

    def _additive(self) -> Expression:
        left = self._term()
        while self._at("+", "-"):
            operator = self._advance()
            left = Binary(operator.line, operator.column, operator.text, left, self._term())
        return left

    def _term(self) -> Expression:
        left = self._unary()
        while self._at("*", "/"):
            operator = self._advance()
            left = Binary(operator.line, operator.column, operator.text, left, self._unary())
        return left

    def _unary(self) -> Expression:
        if self._at("-"):
            operator = self._advance()
            self._nested()
            operand = self._unary()
            self.nesting -= 1
            return Negate(operator.line, operator.column, operand)
        return self._primary()

    def _primary(self) -> Expression:
        token = self.current
        if token.kind is Kind.NUMBER and isinstance(token.value, Decimal):
            self._advance()
            return NumberLiteral(token.line, token.column, token.value)
        if token.kind is Kind.STRING and isinstance(token.value, str):
            self._advance()
            return TextLiteral(token.line, token.column, token.value)
        if self._at("true", "false"):
            self._advance()
            return BoolLiteral(token.line, token.column, token.text == "true")
        if token.kind is Kind.NAME:
            self._advance()
            if self._at("("):
                return Call(token.line, token.column, token.text, self._sequence("(", ")"))
            return FieldRef(token.line, token.column, token.text)
        if self._at("["):
            return ListLiteral(token.line, token.column, self._sequence("[", "]"))
        if self._at("("):
            self._advance()
            self._nested()
            inner = self._or()
            self.nesting -= 1
            self._expect(")")
            return inner
        raise self._unexpected("a value, a field name or '('")

    def _sequence(self, opening: str, closing: str) -> tuple[Expression, ...]:
        self._expect(opening)
        self._nested()
        items = self._items(closing)
        self.nesting -= 1
        return items

    def _items(self, closing: str) -> tuple[Expression, ...]:
        items: list[Expression] = []
        if self._at(closing):
            self._advance()
            return ()
        items.append(self._or())
        while self._at(","):
            self._advance()
            items.append(self._or())
        if not self._at(closing):
            raise self._unexpected(f"',' or '{closing}'")
        self._advance()
        return tuple(items)
