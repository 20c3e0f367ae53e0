"""numeric values with more digits than Python's default decimal context (28) keep every digit."""

from __future__ import annotations

from decimal import Decimal

from connectrt_postgres.types import ValueModes, _numeric

LONG = "123456789012345678901234567890.123456789"  # 39 significant digits


def test_variable_scale_decimal_keeps_all_digits() -> None:
    _, convert, _ = _numeric(ValueModes(), 0, 0, True)
    struct = convert(LONG)
    assert struct["scale"] == 9
    assert int.from_bytes(struct["value"], "big", signed=True) == 123456789012345678901234567890123456789


def test_fixed_scale_decimal_rescaled_without_rounding_to_28_digits() -> None:
    _, convert, _ = _numeric(ValueModes(), 60, 10, False)
    assert convert("12345678901234567890123456789012345678901234567.1") == Decimal(
        "12345678901234567890123456789012345678901234567.1000000000"
    )
    _, as_string, _ = _numeric(ValueModes(decimal="string"), 60, 10, False)
    assert as_string("12345678901234567890123456789012345678901234567.1") == (
        "12345678901234567890123456789012345678901234567.1000000000"
    )
