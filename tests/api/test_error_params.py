"""problem+json for a rule-language fault: `detail` wholly in the caller's language (its type names and what
the parser expected translated too), `title` in English, `params` language-neutral for programs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from douane.identity.model import Role
from tests.conftest import UserFactory

CHECK = "/api/v1/risk/rules/check"
ENGLISH = re.compile(
    r"\b(number|text|bool|list of|empty list|end of the rule|operator|a value|field name"
    r"|found|expected|needs)\b"
)
FAULTS = [
    ('origin == "DE" and value_per_kg < "x"', "rules.type_mismatch", {"left": "number", "right": "text"}),
    ("value_per_kg <", "rules.syntax", {"found": "the end of the rule"}),
    ('"a" + 1 > 2', "rules.type_mismatch", {"expected": "number", "found": "text"}),
]


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_rule_fault_is_explained_wholly_in_the_callers_language(
    client: TestClient, user_headers: UserFactory, language: str
) -> None:
    headers = {**user_headers(Role.RISK_ANALYST), "Accept-Language": language}
    for expression, code, params in FAULTS:
        answer = client.post(CHECK, json={"expression": expression}, headers=headers)
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["code"] == code and params.items() <= problem["params"].items()
        assert ENGLISH.search(problem["detail"]) is None, problem["detail"]
        assert ENGLISH.search(problem["title"]), problem["title"]
        if language == "ar":
            assert re.search(r"[A-Za-z]", problem["detail"]) is None, problem["detail"]
