"""Countries by their ISO 3166-1 codes, as declarations name their origins and destinations."""

import pytest

from douane.kernel.errors import NotFound
from douane.reference.service import country


def test_a_country_is_found_by_its_two_or_three_letter_code_in_any_case() -> None:
    china = country("CN")
    assert (china.alpha_2, china.alpha_3, china.numeric) == ("CN", "CHN", "156")
    assert country("chn") == china == country("cn")
    assert country("DZ").name_fr == "Algérie"


def test_an_unknown_code_is_not_found() -> None:
    for code in ("XX", "XXX", "", "C"):
        with pytest.raises(NotFound) as refused:
            country(code)
        assert refused.value.code == "reference.country_not_found"
