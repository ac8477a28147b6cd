"""Tokens of the rule language, each with the 1-based line and column where it starts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from douane.kernel.errors import InvalidInput

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
TWO_CHAR_OPERATORS = frozenset({"==", "!=", "<=", ">="})
ONE_CHAR_OPERATORS = frozenset({"<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ","})
STRING_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
INTEGER_DIGITS = 26  # digits before the point a number may have: the batch back-end holds Decimal(38, 12)


class RuleError(InvalidInput):
    """A rule that cannot be parsed, checked or evaluated; line and column are 1-based."""

    def __init__(self, code: str, message: str, line: int, column: int, **params: Any) -> None:
        super().__init__(code, message, line=line, column=column, **params)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.code} at line {self.line}, column {self.column}: {self.message.format(**self.params)}"


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    line: int
    column: int
    value: Decimal | str | None = None


def syntax_error(message: str, line: int, column: int, **params: Any) -> RuleError:
    return RuleError("rules.syntax", message, line, column, **params)


class _Scanner:
    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.line = 1
        self.line_start = 0

    @property
    def column(self) -> int:
        return self.index - self.line_start + 1

    def peek(self, ahead: int = 0) -> str:
        position = self.index + ahead
        return self.source[position] if position < len(self.source) else ""

    def advance(self) -> str:
        char = self.source[self.index]
        self.index += 1
        if char == "\n":
            self.line += 1
            self.line_start = self.index
        return char


def tokenize(source: str) -> list[Token]:
    scanner = _Scanner(source)
    tokens: list[Token] = []
    while True:
        while scanner.peek().isspace():
            scanner.advance()
        if not scanner.peek():
            tokens.append(Token(Kind.END, "", scanner.line, scanner.column))
            return tokens
        tokens.append(_next_token(scanner))


def _next_token(scanner: _Scanner) -> Token:
    char = scanner.peek()
    if char.isascii() and char.isdigit():
        return _number(scanner)
    if char == '"':
        return _string(scanner)
    if char.isascii() and (char.isalpha() or char == "_"):
        return _name(scanner)
    line, column = scanner.line, scanner.column
    pair = char + scanner.peek(1)
    if pair in TWO_CHAR_OPERATORS:
        scanner.advance()
        scanner.advance()
        return Token(Kind.OPERATOR, pair, line, column)
    if char in ONE_CHAR_OPERATORS:
        scanner.advance()
        return Token(Kind.OPERATOR, char, line, column)
    raise syntax_error("Unexpected character {char}", line, column, char=repr(char))


def _number(scanner: _Scanner) -> Token:
    line, column, start = scanner.line, scanner.column, scanner.index
    while scanner.peek().isascii() and scanner.peek().isdigit():
        scanner.advance()
    if scanner.peek() == "." and scanner.peek(1).isascii() and scanner.peek(1).isdigit():
        scanner.advance()
        while scanner.peek().isascii() and scanner.peek().isdigit():
            scanner.advance()
    text = scanner.source[start : scanner.index]
    if scanner.peek().isalnum() or scanner.peek() in {"_", "."}:
        raise syntax_error("Malformed number", line, column)
    if len(text.split(".")[0].lstrip("0")) > INTEGER_DIGITS:
        raise RuleError(
            "rules.number_too_large", "A number has at most {digits} digits before the decimal point",
            line, column, digits=INTEGER_DIGITS,
        )  # fmt: skip
    return Token(Kind.NUMBER, text, line, column, Decimal(text))


def _string(scanner: _Scanner) -> Token:
    line, column, start = scanner.line, scanner.column, scanner.index
    scanner.advance()
    chars: list[str] = []
    while True:
        char = scanner.peek()
        if not char or char == "\n":
            raise syntax_error("Unterminated text: a closing double quote is missing", line, column)
        if char.isascii() and not char.isprintable() and char != "\t":
            raise syntax_error("Text holds no control characters", scanner.line, scanner.column)
        scanner.advance()
        if char == '"':
            break
        if char == "\\":
            chars.append(_escape(scanner))
        else:
            chars.append(char)
    return Token(Kind.STRING, scanner.source[start : scanner.index], line, column, "".join(chars))


def _escape(scanner: _Scanner) -> str:
    line, column = scanner.line, scanner.column - 1
    escaped = scanner.peek()
    if escaped not in STRING_ESCAPES:
        raise syntax_error("Unknown escape in text", line, column)
    scanner.advance()
    return STRING_ESCAPES[escaped]


def _name(scanner: _Scanner) -> Token:
    line, column, start = scanner.line, scanner.column, scanner.index
    while scanner.peek().isascii() and (scanner.peek().isalnum() or scanner.peek() == "_"):
        scanner.advance()
    text = scanner.source[start : scanner.index]
    kind = Kind.KEYWORD if text in KEYWORDS else Kind.NAME
    return Token(kind, text, line, column)
