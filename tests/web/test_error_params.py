"""A domain error's parameters that are catalog words (a type, what the rule parser expected) reach the user
in their language; identifiers stay as typed. Pages: the rule editor's live check and the new-rule form."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from douane.i18n import _catalog
from douane.kernel.errors import InvalidInput
from douane.risk.rules import Type
from douane.risk.rules.lexer import KEYWORDS
from douane.risk.rules.parser import COMPARISON_OPERATORS
from douane.risk.rules.types import ARITHMETIC_OPERATORS, MEMBERSHIP_OPERATORS
from douane.web.problems import domain_text
from tests.web.scenario import Pages, found

# What the rule parser says it expected or found, besides the type names.
PARSER_WORDS = (
    "the end of the rule",
    "an operator or the end of the rule",
    "a value, a field name or '('",
    "',' or ')'",
    "',' or ']'",
)
# English that must not survive in a French or Arabic rule error ("date" is French too, so not listed).
ENGLISH = re.compile(
    r"\b(number|text|bool|list of|empty list|end of the rule|operator|a value|field name"
    r"|found|expected|needs)\b"
)
TYPE_FAULT = 'origin == "DE" and value_per_kg < "x"'
SYNTAX_FAULT = "value_per_kg <"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_word_the_rule_language_puts_in_its_errors_is_in_the_catalogs(language: str) -> None:
    words = {t.value for t in Type} | set(PARSER_WORDS)
    assert sorted(word for word in words if word not in _catalog(language)) == []


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_no_name_an_analyst_types_is_ever_translated(language: str) -> None:
    """Operators and keywords reach messages as `operator` parameters, which are translated when they are
    catalog words; field and function names reach them as `name`, which never is (a field is called
    "operator", a catalog word too)."""
    typed = KEYWORDS | COMPARISON_OPERATORS | ARITHMETIC_OPERATORS | MEMBERSHIP_OPERATORS
    assert sorted(name for name in typed if name in _catalog(language)) == []
    fault = InvalidInput("rules.type_mismatch", "Field {name} holds {value}, not a {type}", name="operator",
                         value="12", type="text")  # fmt: skip
    shown = domain_text(fault, language)
    assert "operator" in shown and re.search(r"\btext\b", shown) is None


def test_catalog_words_among_the_parameters_are_translated_identifiers_are_not() -> None:
    word = InvalidInput("rules.type_mismatch", "Every item of a list must be a {expected}", expected="number")
    identifier = InvalidInput("rules.unknown_field", "Unknown field {name}", name="value_per_kgs")
    assert domain_text(word, "fr") == "Chaque élément d'une liste doit être de type nombre"
    assert domain_text(word, "en") == "Every item of a list must be a number"
    assert domain_text(identifier, "ar") == "حقل غير معروف value_per_kgs"
    assert word.params == {"expected": "number"}  # the error itself keeps the language-neutral value


def _assert_no_english(message: str, language: str) -> None:
    assert message and ENGLISH.search(message) is None, message
    if language == "ar":  # the faults chosen name no field, so no Latin letter at all
        assert re.search(r"[A-Za-z]", message) is None, message


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_rule_editor_shows_type_and_syntax_faults_wholly_in_the_users_language(
    browser: Callable[..., Pages], language: str
) -> None:
    analyst = browser("analyst", language)
    analyst.get("/risk/rules/new")
    assert analyst.post("/language", {"language": language, "next": "/risk/rules/new"}).status_code == 303
    assert f'lang="{language}"' in analyst.get("/risk/rules/new").text
    for expression in (TYPE_FAULT, SYNTAX_FAULT):
        check = analyst.post("/risk/rules/check", {"expression": expression})
        shown = html.unescape(found(r'id="rule-check" role="alert">\s*<p>(.*?)</p>', check.text))
        _assert_no_english(shown, language)
    faulty = {"name": "Voitures", "expression": TYPE_FAULT, "action": "red", "priority": "10"}
    refused = analyst.post("/risk/rules/new", faulty)
    assert refused.status_code == 422
    _assert_no_english(
        html.unescape(found(r'<p class="alert error" role="alert">(.*?)</p>', refused.text)), language
    )
