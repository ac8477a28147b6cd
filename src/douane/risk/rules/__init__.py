"""Targeting rules: a small, safe expression language over declaration fields.

`compile_rule(source, schema)` lexes, parses and type-checks a rule, then builds nested closures that
evaluate it against a mapping of field values. Nothing is ever handed to Python's eval.
"""

from douane.risk.rules.compiler import CompiledRule, compile_rule
from douane.risk.rules.lexer import RuleError
from douane.risk.rules.parser import parse
from douane.risk.rules.types import FunctionSignature, RuleSchema, Type

__all__ = [
    "CompiledRule",
    "FunctionSignature",
    "RuleError",
    "RuleSchema",
    "Type",
    "compile_rule",
    "parse",
]
