"""PostgreSQL value text → Debezium numbers and strings (expected values from Debezium 3.6.1's output)."""

from __future__ import annotations

import pytest

from connectrt_postgres import pgtext
from connectrt_postgres.types import java_hashmap_order

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1970-01-01", 0),
        ("2024-02-29", 19782),
        ("1969-07-20", -165),
        ("5874897-12-31", 2145042905),
        ("0001-01-01", -719162),
        ("0001-12-31 BC", -719163),
    ],
)
def test_dates(text: str, days: int) -> None:
    assert pgtext.parse_date_days(text) == days


def test_iso_dates_and_timestamps_like_java() -> None:
    assert pgtext.iso_date(19782) == "2024-02-29"
    assert pgtext.iso_date(2145042905) == "+5874897-12-31"
    assert pgtext.iso_date(pgtext.parse_date_days("0044-03-15 BC")) == "-0043-03-15"
    assert pgtext.iso_timestamp(1714566896789012) == "2024-05-01T12:34:56.789012Z"
    assert pgtext.iso_timestamp(1714566896700000, 3) == "2024-05-01T12:34:56.700Z"
    assert pgtext.iso_timestamp(1714566896000000, 6) == "2024-05-01T12:34:56.000000Z"
    assert pgtext.iso_timestamp(-14182939500000) == "1969-07-20T20:17:40.5Z"
    assert (
        pgtext.iso_timestamp(pgtext.TIMESTAMP_POS_INFINITY_US // 1000 * 1000) == "+294247-01-10T04:00:25.2Z"
    )


def test_times() -> None:
    assert pgtext.parse_time_micros("13:45:30.123456") == 49530123456
    assert pgtext.parse_time_micros("13:45:30.5") == 49530500000
    assert pgtext.parse_time_micros("24:00:00") == 86400000000
    assert pgtext.parse_timetz_utc_micros("13:45:30.5+02:30") == pgtext.parse_time_micros("11:15:30.5")
    assert pgtext.parse_timetz_utc_micros("00:00:00-08") == pgtext.parse_time_micros("08:00:00")
    assert pgtext.iso_time(pgtext.parse_time_micros("11:15:30.5")) == "11:15:30.5"
    assert pgtext.iso_time(0) == "00:00:00"


def test_timestamps() -> None:
    assert pgtext.parse_timestamp_micros("2024-05-01 12:34:56.789012") == 1714566896789012
    assert pgtext.parse_timestamp_micros("1969-07-20 20:17:40.5") == -14182939500000
    assert pgtext.parse_timestamptz_micros("2024-05-01 14:34:56.7+02") == 1714566896700000
    assert pgtext.parse_timestamptz_micros("1969-07-20 20:17:40-05") == -14182940000000 + 5 * 3600 * 10**6
    assert pgtext.parse_timestamptz_micros("2020-01-01 00:00:00+05:30:15") == 1577836800000000 - 19815 * 10**6


def test_intervals_as_debezium_computes_them() -> None:
    assert pgtext.interval_micros("1 year 2 mons 3 days 04:05:06.789") == 37091106789000
    assert pgtext.interval_micros("-1 days -02:00:00") == -93600000000
    assert pgtext.interval_micros("-178000000 years") == -9223372036854775808
    assert pgtext.interval_iso("1 year 2 mons 3 days 04:05:06.789") == "P1Y2M3DT4H5M6.789S"
    assert pgtext.interval_iso("-1 days -02:00:00") == "P0Y0M-1DT-2H0M0S"
    assert pgtext.interval_iso("-178000000 years") == "P-178000000Y0M0DT0H0M0S"
    assert pgtext.interval_iso("00:00:00") == "P0Y0M0DT0H0M0S"


def test_arrays() -> None:
    assert pgtext.parse_array("{}") == []
    assert pgtext.parse_array("{1,NULL,3}") == ["1", None, "3"]
    assert pgtext.parse_array('{a,"b c",NULL,"d\\"e","NULL"}') == ["a", "b c", None, 'd"e', "NULL"]
    assert pgtext.parse_array("{{1,2},{3,4}}") == [["1", "2"], ["3", "4"]]
    assert pgtext.parse_array("[0:1]={7,8}") == ["7", "8"]
    with pytest.raises(ValueError):
        pgtext.parse_array("not an array")


def test_hstore_in_java_hashmap_order() -> None:
    parsed = pgtext.parse_hstore('"k1"=>"v1", "k 2"=>NULL, "q\\"uote"=>"a\\\\b"')
    assert parsed == {"k1": "v1", "k 2": None, 'q"uote': "a\\b"}
    assert java_hashmap_order(["k1", "k 2"]) == ["k1", "k 2"]
    # String.hashCode: "a" 97 and "q" 113 share bucket 1 of 16 (insertion order), "b" 98 is in bucket 2.
    assert java_hashmap_order(["b", "a", "q"]) == ["a", "q", "b"]


def test_bits_money_points() -> None:
    assert pgtext.bits_bytes("101") == b"\x05"
    assert pgtext.bits_bytes("1100101") == b"\x65"
    assert pgtext.bits_bytes("") == b""
    assert pgtext.bits_bytes("1" + "0" * 8) == b"\x00\x01"
    assert pgtext.parse_money("$1,234.56") == "1234.56"
    assert pgtext.parse_money("-$99.99") == "-99.99"
    assert pgtext.parse_point("(1.5,-2.25)") == (1.5, -2.25)


def test_java_long_cast() -> None:
    assert pgtext.java_long(1e300) == 2**63 - 1
    assert pgtext.java_long(-1e300) == -(2**63)
    assert pgtext.java_long(float("nan")) == 0
    assert pgtext.java_long(-2.9) == -2
