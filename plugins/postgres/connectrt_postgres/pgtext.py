"""Parsers for PostgreSQL's text output of values, and Java's ISO text forms of dates and times.

PostgreSQL sends every value as its type's text output, both over pgoutput and in the snapshot
(our sessions set ``DateStyle=ISO``, ``IntervalStyle=postgres``, ``TimeZone=UTC``,
``extra_float_digits=3`` and ``bytea_output=hex``). These functions turn that text into the numbers
Debezium's converters produce, matching Java's arithmetic where it matters (interval micros are
computed in doubles and saturated like Java's ``(long)`` cast).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable
from typing import Any

# --- dates and times ----------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4,})-(\d\d)-(\d\d)( BC)?")
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_OFFSET = re.compile(r"([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$")

LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)

POSITIVE_INFINITY = "infinity"
NEGATIVE_INFINITY = "-infinity"

# Debezium's values for 'infinity' / '-infinity' timestamps (PostgresValueConverter), in µs.
TIMESTAMP_POS_INFINITY_US = 9223372036825200000
TIMESTAMP_NEG_INFINITY_US = -9223372036832400000


class PgTextError(ValueError):
    """A value text that cannot be parsed for its type."""


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, year 0 = 1 BC)."""
    y = year - (month <= 2)
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian (year, month, day) of a day count since 1970-01-01."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_MICRO = _dt.timedelta(microseconds=1)
_fromiso_date = _dt.date.fromisoformat
_fromiso_datetime = _dt.datetime.fromisoformat
_fromiso_time = _dt.time.fromisoformat


def parse_date_days(text: str) -> int:
    """Epoch days of a PostgreSQL date (``2024-02-29``, ``0044-03-15 BC``)."""
    if len(text) == 10:
        try:
            return _fromiso_date(text).toordinal() - _EPOCH_ORDINAL
        except ValueError:
            pass
    m = _DATE.fullmatch(text)
    if m is None:
        raise PgTextError(f"not a date: {text!r}")
    year = int(m.group(1))
    if m.group(4):
        year = 1 - year
    return days_from_civil(year, int(m.group(2)), int(m.group(3)))


def parse_time_micros(text: str) -> int:
    """µs since midnight of a PostgreSQL time (``24:00:00`` gives 86400000000)."""
    if text[0] != "2" or text[1] != "4":
        try:
            t = _fromiso_time(text)
            return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
        except ValueError:
            pass
    m = _TIME.match(text)
    if m is None:
        raise PgTextError(f"not a time: {text!r}")
    frac = m.group(4) or ""
    micros = int(frac.ljust(6, "0")) if frac else 0
    return ((int(m.group(1)) * 60 + int(m.group(2))) * 60 + int(m.group(3))) * 1_000_000 + micros


def _offset_seconds(text: str) -> tuple[int, str]:
    m = _OFFSET.search(text)
    if m is None:
        raise PgTextError(f"no UTC offset in {text!r}")
    seconds = int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60 + int(m.group(4) or 0)
    return (-seconds if m.group(1) == "-" else seconds), text[: m.start()]


def parse_timestamp_micros(text: str) -> int:
    """µs since the epoch of a PostgreSQL timestamp read as UTC (``2024-05-01 12:34:56.789``)."""
    if text[4] == "-" and text[-1] != "C":
        try:
            return (_fromiso_datetime(text) - _EPOCH_NAIVE) // _MICRO
        except ValueError:
            pass
    bc = text.endswith(" BC")
    if bc:
        text = text[:-3]
    date_part, _, time_part = text.partition(" ")
    days = parse_date_days(date_part + (" BC" if bc else ""))
    return days * 86_400_000_000 + parse_time_micros(time_part)


def parse_timestamptz_micros(text: str) -> int:
    """µs since the epoch (UTC) of a PostgreSQL timestamptz (``2024-05-01 14:34:56.7+02``)."""
    if text[4] == "-" and text[-1] != "C":
        try:
            return (_fromiso_datetime(text) - _EPOCH_UTC) // _MICRO
        except ValueError:
            pass
    bc = text.endswith(" BC")
    if bc:
        text = text[:-3]
    offset, rest = _offset_seconds(text)
    date_part, _, time_part = rest.partition(" ")
    days = parse_date_days(date_part + (" BC" if bc else ""))
    return days * 86_400_000_000 + parse_time_micros(time_part) - offset * 1_000_000


def parse_timetz_utc_micros(text: str) -> int:
    """µs since midnight, in UTC, of a PostgreSQL timetz (``13:45:30.5+02:30``), wrapped to one day."""
    offset, rest = _offset_seconds(text)
    return (parse_time_micros(rest) - offset * 1_000_000) % 86_400_000_000


def iso_date(days: int) -> str:
    """Java's ``ISO_LOCAL_DATE`` text of an epoch day (``+10000-01-01`` and ``-0044-03-15`` style)."""
    year, month, day = civil_from_days(days)
    if year > 9999:
        y = f"+{year}"
    elif year < 0:
        y = f"-{-year:04d}"
    else:
        y = f"{year:04d}"
    return f"{y}-{month:02d}-{day:02d}"


def iso_time(micros_of_day: int, nanos_extra: int = 0) -> str:
    """Java's ``ISO_LOCAL_TIME`` text: ``HH:mm:ss`` plus the fraction without trailing zeros."""
    seconds, micros = divmod(micros_of_day, 1_000_000)
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    text = f"{hours % 24:02d}:{minutes:02d}:{secs:02d}"
    nanos = micros * 1000 + nanos_extra
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text


def iso_timestamp(micros: int, width: int | None = None, nanos_extra: int = 0) -> str:
    """``yyyy-MM-ddTHH:mm:ss[.f]Z`` of epoch µs; ``width`` fixes the fraction's digits (1-9)."""
    days, micros_of_day = divmod(micros, 86_400_000_000)
    date = iso_date(days)
    if width is None or width <= 0 or width > 9:
        return f"{date}T{iso_time(micros_of_day, nanos_extra)}Z"
    seconds, frac = divmod(micros_of_day, 1_000_000)
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    digits = f"{frac * 1000 + nanos_extra:09d}"[:width]
    return f"{date}T{hours:02d}:{minutes:02d}:{secs:02d}.{digits}Z"


def zoned_timestamp(text: str, width: int) -> str:
    """Debezium's ZonedTimestamp of a timestamptz text: UTC, ``Z``, ``width`` fraction digits.

    Our sessions use TimeZone=UTC, so the text almost always ends in ``+00`` and is rewritten in
    place; anything else (BC, years past 9999, other offsets) is parsed."""
    if text[-3:] == "+00" and text[4] == "-" and text[10] == " " and len(text) >= 22:
        seconds, dot, frac = text[11:-3].partition(".")
        if width <= 0:
            return f"{text[:10]}T{seconds}{dot}{frac.rstrip('0') if dot else ''}Z".replace(".Z", "Z")
        return f"{text[:10]}T{seconds}.{(frac + '000000000')[:width]}Z"
    return iso_timestamp(parse_timestamptz_micros(text), width)


# --- intervals ------------------------------------------------------------------------------------

_INTERVAL_UNITS = {
    "year": "y",
    "years": "y",
    "mon": "m",
    "mons": "m",
    "day": "d",
    "days": "d",
}


def parse_interval(text: str) -> tuple[int, int, int, int, int, float]:
    """(years, months, days, hours, minutes, seconds) of a ``postgres``-style interval, as pgjdbc's
    PGInterval reads it (the sign of ``-HH:MM:SS`` applies to all three parts; seconds keep µs)."""
    years = months = days = hours = minutes = 0
    seconds = 0.0
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if ":" in token:
            negative = token.startswith("-")
            body = token.lstrip("+-")
            h, m, s = body.split(":")
            whole_s = float(s)
            hours, minutes = int(h), int(m)
            whole = int(whole_s)
            micros = math.floor((whole_s - whole) * 1_000_000 + 0.5)
            seconds = whole + micros / 1_000_000
            if negative:
                hours, minutes, seconds = -hours, -minutes, -seconds
            i += 1
            continue
        if i + 1 >= len(tokens):
            raise PgTextError(f"not an interval: {text!r}")
        number = int(token)
        unit = _INTERVAL_UNITS.get(tokens[i + 1])
        if unit == "y":
            years = number
        elif unit == "m":
            months = number
        elif unit == "d":
            days = number
        else:
            raise PgTextError(f"not an interval: {text!r}")
        i += 2
    return years, months, days, hours, minutes, seconds


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def java_long(value: float) -> int:
    """Java's ``(long)`` cast of a double: truncation, NaN to 0, saturation at the long range."""
    if value != value:
        return 0
    if value >= 9.223372036854775807e18:
        return LONG_MAX
    if value <= -9.223372036854775808e18:
        return LONG_MIN
    return int(value)


DAYS_PER_MONTH_AVG = 365.25 / 12.0


def interval_micros(text: str) -> int:
    """Debezium's MicroDuration of an interval (months are 365.25/12 days; Java double maths)."""
    years, months, days, hours, minutes, seconds = parse_interval(text)
    number_of_days = _int32(_int32(years * 12) + months) * DAYS_PER_MONTH_AVG + days
    number_of_seconds = (((number_of_days * 24 + hours) * 60) + minutes) * 60 + seconds
    return java_long(number_of_seconds * 1e6)


def interval_iso(text: str) -> str:
    """Debezium's Interval string ``P1Y2M3DT4H5M6.789S`` of an interval."""
    from connectrt.api.values import format_double

    years, months, days, hours, minutes, seconds = parse_interval(text)
    sec = _plain_decimal(format_double(seconds))
    return f"P{years}Y{months}M{days}DT{hours}H{minutes}M{sec}S"


def _plain_decimal(java_double_text: str) -> str:
    """``BigDecimal.valueOf(d).stripTrailingZeros().toPlainString()`` from Java's double text."""
    from decimal import Decimal

    value = Decimal(java_double_text).normalize()
    if value == 0:
        return "0"
    text = format(value, "f")
    return text


# --- arrays -------------------------------------------------------------------------------------


def parse_array(text: str) -> list[Any]:
    """The elements of a one-dimensional PostgreSQL array literal: str, or None for NULL.

    Nested arrays come back as nested lists; a ``[1:3]=`` dimension prefix is skipped.
    """
    if text.startswith("["):
        text = text[text.index("=") + 1 :]
    result, _pos = _parse_array_at(text, 0)
    return result


def _parse_array_at(text: str, pos: int) -> tuple[list[Any], int]:
    if text[pos] != "{":
        raise PgTextError(f"not an array: {text!r}")
    pos += 1
    out: list[Any] = []
    n = len(text)
    if pos < n and text[pos] == "}":
        return out, pos + 1
    while pos < n:
        ch = text[pos]
        if ch == "{":
            nested, pos = _parse_array_at(text, pos)
            out.append(nested)
        elif ch == '"':
            pos += 1
            buf = []
            while True:
                ch = text[pos]
                if ch == "\\":
                    buf.append(text[pos + 1])
                    pos += 2
                elif ch == '"':
                    pos += 1
                    break
                else:
                    buf.append(ch)
                    pos += 1
            out.append("".join(buf))
        else:
            end = pos
            while text[end] not in ",}":
                end += 1
            item = text[pos:end].strip()
            out.append(None if item == "NULL" else item)
            pos = end
        if text[pos] == ",":
            pos += 1
            continue
        if text[pos] == "}":
            return out, pos + 1
        raise PgTextError(f"malformed array: {text!r}")
    raise PgTextError(f"unterminated array: {text!r}")


def array_converter(element: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def convert(text: str) -> list[Any]:
        return [None if item is None else element(item) for item in parse_array(text)]

    return convert


# --- hstore, bits, points, money ------------------------------------------------------------------


def parse_hstore(text: str) -> dict[str, str | None]:
    """``"k1"=>"v1", "k 2"=>NULL`` into a dict, in the text's order."""
    out: dict[str, str | None] = {}
    pos = 0
    n = len(text)

    def quoted(p: int) -> tuple[str, int]:
        buf = []
        p += 1
        while text[p] != '"':
            if text[p] == "\\":
                p += 1
            buf.append(text[p])
            p += 1
        return "".join(buf), p + 1

    while pos < n:
        while pos < n and text[pos] in " ,":
            pos += 1
        if pos >= n:
            break
        key, pos = quoted(pos)
        if text[pos : pos + 2] != "=>":
            raise PgTextError(f"malformed hstore: {text!r}")
        pos += 2
        if text.startswith("NULL", pos):
            out[key] = None
            pos += 4
        else:
            out[key], pos = quoted(pos)
    return out


def bits_bytes(text: str) -> bytes:
    """Debezium's Bits bytes of a bit string: little-endian, as short as the highest set bit allows."""
    value = int(text, 2) if text else 0
    return value.to_bytes((value.bit_length() + 7) // 8, "little")


def parse_point(text: str) -> tuple[float, float]:
    x, _, y = text.strip("()").partition(",")
    return float(x), float(y)


_MONEY_DROP = re.compile(r"[^0-9.\-]")


def parse_money(text: str) -> str:
    """The plain decimal text of a money value (``-$1,234.56`` gives ``-1234.56``)."""
    negative = text.startswith("-") or text.startswith("(")
    digits = _MONEY_DROP.sub("", text).lstrip("-")
    return "-" + digits if negative else digits
