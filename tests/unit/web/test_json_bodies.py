"""A JSON body holds a control character only if one of its escapes says so."""

from __future__ import annotations

import json

import pytest

from douane.web.json_bodies import CONTROL_ESCAPE, NOT_PARSED, parsed_quickly


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


@pytest.mark.parametrize(
    "body",
    [
        b'{"declarations": [{"invoice_total": "10055.50", "items": [{"number": 1, "packages": 5}]}]}',
        '{"description": "قطع غيار", "net": 1.5, "nif": "000016001234567", "ok": 1, "none": null}'.encode(),
        b'{"a": 1, "a": 2}',
        b"[999999999999999999, -999999999999999999, 0.1, 1e5]",
    ],
)
def test_a_body_parsed_quickly_reads_as_the_standard_parser_reads_it(body: bytes) -> None:
    assert parsed_quickly(body) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"invoice_total": 1234567890123456789012345}',  # exact as a Python int, a float for orjson
        b'{"d": "\\ud800"}',  # a lone surrogate: the standard parser reads it, orjson refuses
        b'{"n": NaN}',
        b'{"n": ',
    ],
)
def test_a_body_orjson_would_read_otherwise_is_left_to_the_standard_parser(body: bytes) -> None:
    assert parsed_quickly(body) is NOT_PARSED
