"""Recursive-descent parser: tokens to a small syntax tree.

Precedence, loosest first: or, and, not, comparison and in (not chained), + -, * /, unary minus.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from douane.risk.rules.lexer import Kind, Token, syntax_error, tokenize

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


def parse(source: str) -> Expression:
    return _Parser(tokenize(source)).parse_rule()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

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
            return Not(keyword.line, keyword.column, self._not())
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
            return Negate(operator.line, operator.column, self._unary())
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
            inner = self._or()
            self._expect(")")
            return inner
        raise self._unexpected("a value, a field name or '('")

    def _sequence(self, opening: str, closing: str) -> tuple[Expression, ...]:
        self._expect(opening)
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
