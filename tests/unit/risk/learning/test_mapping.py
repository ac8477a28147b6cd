"""The mapping file and the CSV read through it: every mistake is refused with a stable code."""

from __future__ import annotations

from pathlib import Path

import pytest

from douane.kernel.errors import InvalidInput
from douane.risk.learning.mapping import load_mapping, read_declarations
from tests.unit.risk.learning import synthetic

SHIPPED = Path(__file__).resolve().parents[4] / "examples" / "mappings" / "kcs-synthetic.toml"


def _code(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    return error.value.code


def test_the_shipped_mapping_names_the_label_and_the_fields() -> None:
    mapping = load_mapping(SHIPPED)
    assert mapping.label == "Fraud"
    assert mapping.identifier == "Declaration ID"
    assert mapping.columns["hs6"] == "HS6 Code"
    assert "Tax Type" in mapping.categorical


def test_a_mapped_file_reads_under_role_names(tmp_path: Path) -> None:
    mapping = load_mapping(synthetic.mapping_file(tmp_path))
    csv = synthetic.write(tmp_path / "h.csv", synthetic.rows(20))
    frame = read_declarations([csv, csv], mapping, with_label=True)
    assert frame.height == 40
    assert {"declaration_id", "date", "hs6", "net_mass", "label", "x_Kind"} <= set(frame.columns)
    assert str(frame.schema["net_mass"]) == "Float64"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('[columns]\ndeclaration_id = "Decl"\ndate = "Day"\nbroker = "Broker"\n', "risk.mapping_unknown_key"),
        ('[columns]\ndeclaration_id = "Decl"\n', "risk.mapping_role_missing"),
        ('[columns]\ndeclaration_id = "Decl"\ndate = 3\n', "risk.mapping_bad_type"),
        (
            '[columns]\ndeclaration_id = "Decl"\ndate = "Day"\n[extras]\nnumeric = "Kg"\n',
            "risk.mapping_bad_type",
        ),
        ('[colums]\ndeclaration_id = "Decl"\n', "risk.mapping_unknown_key"),
        ("[columns\n", "risk.mapping_not_toml"),
    ],
)
def test_a_wrong_mapping_is_refused_with_its_code(tmp_path: Path, text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        load_mapping(synthetic.mapping_file(tmp_path, text))
    assert _code(error) == code


def test_a_column_missing_from_the_file_is_named(tmp_path: Path) -> None:
    mapping = load_mapping(synthetic.mapping_file(tmp_path))
    csv = synthetic.write(tmp_path / "h.csv", synthetic.rows(5), drop=("Seller",))
    with pytest.raises(InvalidInput) as error:
        read_declarations([csv], mapping, with_label=False)
    assert _code(error) == "risk.input_column_missing"
    assert error.value.params["column"] == "Seller"


def test_the_label_is_needed_only_to_train(tmp_path: Path) -> None:
    mapping = load_mapping(synthetic.mapping_file(tmp_path))
    csv = synthetic.write(tmp_path / "h.csv", synthetic.rows(5), drop=("Offence", "Serious"))
    assert read_declarations([csv], mapping, with_label=False).height == 5
    with pytest.raises(InvalidInput) as error:
        read_declarations([csv], mapping, with_label=True)
    assert _code(error) == "risk.input_column_missing"


BAD_VALUES = [("Kg", "heavy", "a number"), ("Day", "31/02/2023", "a date"), ("Offence", "2", "0 or 1")]


@pytest.mark.parametrize(("column", "bad", "expected"), BAD_VALUES)
def test_a_bad_value_is_refused_with_its_line(tmp_path: Path, column: str, bad: str, expected: str) -> None:
    data = synthetic.rows(5)
    data[3][synthetic.HEADER.index(column)] = bad
    mapping = load_mapping(synthetic.mapping_file(tmp_path))
    with pytest.raises(InvalidInput) as error:
        read_declarations([synthetic.write(tmp_path / "h.csv", data)], mapping, with_label=True)
    assert _code(error) == "risk.input_bad_value"
    assert error.value.params["line"] == 5
    assert error.value.params["expected"].startswith(expected)
