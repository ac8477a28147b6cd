"""A message's amounts and dates are written as the page's language writes them; its codes are not."""

from __future__ import annotations

from douane.web.formats import Formats, readable_params


def test_amounts_and_dates_follow_the_language_codes_and_numbers_of_other_kinds_do_not() -> None:
    params = {"items_sum": "20000", "tolerance": "125.00", "on": "2026-12-06", "line_code": "8471301000",
              "item": 3, "total": "abc", "left": "60.5"}  # fmt: skip
    french = readable_params(params, "fr")
    assert (french["items_sum"], french["tolerance"], french["left"]) == ("20\u202f000", "125,00", "60,5")
    assert french["on"] == "6 déc. 2026"
    assert (french["line_code"], french["item"], french["total"]) == ("8471301000", 3, "abc")
    english = readable_params(params, "en")
    assert (english["items_sum"], english["tolerance"], english["on"]) == ("20,000", "125.00", "6 Dec 2026")


def test_a_breakdown_sentence_keeps_its_codes_and_writes_its_figures_for_the_language() -> None:
    sentence = "line 8471301000: EUR 6 000 x 150.75 = 904 500.00, rounded down to 904 500 DZD"
    french = Formats("fr").figures(sentence).replace("\u202f", " ").replace("\u00a0", " ")
    assert french == "line 8471301000: EUR 6 000 x 150,75 = 904 500,00, rounded down to 904 500 DZD"
    assert Formats("en").figures(sentence) == (
        "line 8471301000: EUR 6,000 x 150.75 = 904,500.00, rounded down to 904,500 DZD"
    )


def test_a_date_or_a_zero_led_number_in_a_sentence_is_no_figure() -> None:
    assert Formats("fr").figures("issued 2026-12-06, ref 0042") == "issued 2026-12-06, ref 0042"
