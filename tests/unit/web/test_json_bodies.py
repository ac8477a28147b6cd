"""A JSON body holds a control character only if one of its escapes says so."""

from __future__ import annotations

import json

import pytest

from douane.web.json_bodies import CONTROL_ESCAPE


@pytest.mark.parametrize("text", ["a\x00b", "tab\x01", "\x1f", "carriage\r", "bell\x08", "feed\x0c"])
def test_each_way_json_writes_a_control_character_is_seen(text: str) -> None:
    body = json.dumps({"description": text}).encode()
    assert CONTROL_ESCAPE.search(body) is not None


def test_hexadecimal_digits_in_capitals_are_seen_too() -> None:
    assert CONTROL_ESCAPE.search(b'{"d": "x\\u001F"}') is not None


@pytest.mark.parametrize("text", ["Laptops", "قطع غيار", "C:/path", "50 % off", "é\u00e9"])
def test_text_without_one_is_clean(text: str) -> None:
    assert CONTROL_ESCAPE.search(json.dumps({"description": text}).encode()) is None
    assert CONTROL_ESCAPE.search(json.dumps({"d": text}, ensure_ascii=False).encode()) is None


def test_a_backslash_before_a_b_is_looked_at_again_not_missed() -> None:
    body = json.dumps({"path": "C:\\backup"}).encode()  # an escaped backslash, then "backup"
    assert CONTROL_ESCAPE.search(body) is not None  # the models walk the text as before: nothing lost
