"""SimpleDateFormat in UTC: the strings Java formats and the instants Java parses."""

from __future__ import annotations

import datetime as dt

import pytest

from connectrt.transforms.simple_date_format import (
    ParseException,
    SimpleDateFormat,
    civil_from_days,
    days_from_civil,
)

pytestmark = pytest.mark.unit


def ms(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("pattern", "millis", "text"),
    [
        ("yyyyMMdd", 1483425001864, "20170103"),
        ("yyyy MM dd HH mm ss SSS z", 86401234, "1970 01 02 00 00 01 234 UTC"),
        ("EEE, d MMM yyyy HH:mm:ss Z", 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 0, "1970-01-01T00:00:00.000Z"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", ms(2024, 5, 6, 7, 8, 9) + 12, "2024-05-06T07:08:09.012+0000"),
        ("yyyy-MM-dd'T'HH:mm:ssX", 0, "1970-01-01T00:00:00Z"),
        ("HH:mm", ms(2024, 5, 6, 7, 8), "07:08"),
        ("h:mm a", ms(2024, 5, 6, 13, 5), "1:05 PM"),
        ("hh 'o''clock' a", ms(2024, 5, 6, 0, 30), "12 o'clock AM"),
        ("k K", ms(2024, 5, 6, 0, 30), "24 0"),
        ("k K", ms(2024, 5, 6, 12, 30), "12 0"),
        ("EEEE, MMMM d, yy", ms(2024, 2, 29), "Thursday, February 29, 24"),
        ("EEE MMM", ms(2024, 2, 29), "Thu Feb"),
        ("E M L", ms(2024, 9, 1), "Sun 9 9"),
        ("D", ms(2024, 12, 31), "366"),
        ("DDD", ms(2024, 1, 5), "005"),
        ("YYYY-ww", ms(2024, 12, 31), "2025-01"),  # Java's famous week-year pitfall, US weeks
        ("YYYY-ww", ms(2024, 12, 28), "2024-52"),
        ("yyyy-ww", ms(2024, 1, 1), "2024-01"),
        ("W F u", ms(2024, 1, 15), "3 3 1"),
        ("G yyyy", 0, "AD 1970"),
        ("S SSS SSSS", ms(2024, 1, 1) + 7, "7 007 0007"),
        ("z zzzz", 0, "UTC Coordinated Universal Time"),
        ("X XX XXX", 0, "Z Z Z"),
        ("''", 0, "'"),
        ("'literal' yyyy", 0, "literal 1970"),
        ("yyyy-MM-dd HH:mm:ss.SSS", -1, "1969-12-31 23:59:59.999"),
        ("y", ms(2024, 1, 1), "2024"),
        ("yyyyy", ms(2024, 1, 1), "02024"),
        # before 1582-10-15 Java's default calendar is Julian
        ("yyyy-MM-dd", -12219292800000, "1582-10-15"),
        ("yyyy-MM-dd", -12219292800000 - 1, "1582-10-04"),
        ("yyyy-MM-dd G", -62135596800000 - 86400000, "0001-01-02 AD"),
        ("yyyy-MM-dd G", days_from_civil(0, 6, 1) * 86_400_000, "0001-06-01 BC"),
        ("yyyy-MM-dd G", days_from_civil(-9, 6, 1) * 86_400_000, "0010-06-01 BC"),
    ],
)
def test_format(pattern: str, millis: int, text: str) -> None:
    assert SimpleDateFormat(pattern).format(millis) == text


def test_format_datetime_and_cache() -> None:
    fmt = SimpleDateFormat("yyyyMMdd")
    value = dt.datetime(2017, 1, 3, 6, 30, tzinfo=dt.UTC)
    assert fmt.format_datetime(value) == "20170103"
    assert fmt.format_datetime(value.replace(tzinfo=None)) == "20170103"
    assert fmt.format(ms(2017, 1, 3, 23, 59)) == "20170103"  # same day, cached per day
    assert fmt.format(ms(2017, 1, 4)) == "20170104"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("bad-format", "Illegal pattern character 'b'"),
        ("yyyy-MM-dd'T", "Unterminated quote"),
        ("XXXX", "invalid ISO 8601 format: length=4"),
        ("yyyy-MM-dd q", "Illegal pattern character 'q'"),
    ],
)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimpleDateFormat(pattern)


@pytest.mark.parametrize(
    ("pattern", "text", "millis"),
    [
        ("yyyy MM dd HH mm ss SSS z", "1970 01 02 00 00 01 234 UTC", 86401234),
        ("yyyyMMdd", "20170103", ms(2017, 1, 3)),
        ("yyyyMMddHHmmss", "20170103040506", ms(2017, 1, 3, 4, 5, 6)),
        ("yyyy-MM-dd", "2024-1-5", ms(2024, 1, 5)),  # separated fields take any width
        ("yyyy-MM-dd", "2024-13-01", ms(2025, 1, 1)),  # lenient
        ("yyyy-MM-dd", "2024-02-30", ms(2024, 3, 1)),
        ("yyyy-MM-dd HH:mm", "2024-01-01 25:00", ms(2024, 1, 2, 1)),
        ("yyyy-MM-dd", "2024-01-01 trailing text", ms(2024, 1, 1)),
        ("yyyy-MM-dd", " 2024-01-01", ms(2024, 1, 1)),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00+02:00", ms(2024, 1, 1, 8)),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00Z", ms(2024, 1, 1, 10)),
        ("yyyy-MM-dd'T'HH:mm:ssX", "2024-01-01T10:00:00-05", ms(2024, 1, 1, 15)),
        ("yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 +0130", ms(2024, 1, 1, 8, 30)),
        ("yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT-01:00", ms(2024, 1, 1, 11)),
        ("yyyy-MM-dd HH:mm z", "2024-01-01 10:00 UTC", ms(2024, 1, 1, 10)),
        ("yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT", ms(2024, 1, 1, 10)),
        ("hh:mm a", "12:30 AM", 30 * 60_000),
        ("hh:mm a", "12:30 PM", 12 * 3_600_000 + 30 * 60_000),
        ("hh:mm a", "01:30 pm", 13 * 3_600_000 + 30 * 60_000),
        ("HH:mm", "07:08", 7 * 3_600_000 + 8 * 60_000),
        ("kk:mm", "24:10", 10 * 60_000),
        ("EEE MMM d yyyy", "tue jan 2 2024", ms(2024, 1, 2)),
        ("MMMM d, yyyy", "February 29, 2024", ms(2024, 2, 29)),
        ("dd/MM/yy", "05/06/24", ms(2024, 6, 5)),
        ("yyyy-MM-dd", "1900-01-01", ms(1900, 1, 1)),
        ("D yyyy", "60 2024", ms(2024, 2, 29)),
        ("yyyy-MM-dd HH:mm:ss.SSS", "1582-10-04 23:59:59.999", -12219292800000 - 1),
    ],
)
def test_parse(pattern: str, text: str, millis: int) -> None:
    assert SimpleDateFormat(pattern).parse(text) == millis


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("yyyy-MM-dd", "x2024-01-01"),
        ("yyyy-MM-dd", "2024/01/01"),
        ("yyyy-MM-dd", "2024-01"),
        ("yyyy-MM-dd", ""),
        ("MMM", "Foo"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00+0200"),
        ("HH:mm z", "10:00 PST"),
    ],
)
def test_unparseable(pattern: str, text: str) -> None:
    with pytest.raises(ParseException) as e:
        SimpleDateFormat(pattern).parse(text)
    assert str(e.value) == f'Unparseable date: "{text}"'


def test_parse_years_like_java() -> None:
    day = SimpleDateFormat("yyyy-MM-dd")
    assert day.format(SimpleDateFormat("yyyy").parse("24")) == "0024-01-01"  # four letters: literal year
    assert day.format(SimpleDateFormat("yy").parse("24")) == "2024-01-01"  # two digits: this century window
    assert day.format(SimpleDateFormat("yy").parse("124")) == "0124-01-01"  # not two digits: literal
    assert day.format(SimpleDateFormat("yyyy G").parse("10 BC")) == "0010-01-01"


def test_round_trip_and_calendar() -> None:
    fmt = SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
    for millis in (0, 1, -1, 1_700_000_000_123, -12219292800000 - 86_400_000, 253402300799999):
        assert fmt.parse(fmt.format(millis)) == millis
    for days in (-800_000, -141_428, -141_427, 0, 19_000, 2_932_896):
        assert days_from_civil(*civil_from_days(days)) == days
    assert fmt.to_pattern() == "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
