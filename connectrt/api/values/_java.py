"""Java's text forms and numeric casts, as Values and JsonConverter need them.

``Double.toString``/``Float.toString``, ``ConnectSchema.toString``, class names for messages, ``BigDecimal``
parsing, narrowing casts, and the ISO-8601 date/time forms that Values reads and writes (in UTC).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math
import re
import struct
from typing import Any, NamedTuple

from connectrt.api.data import EPOCH, EPOCH_DATE, Date, Schema, SchemaType, Struct, Time, Timestamp


class SchemaAndValue(NamedTuple):
    """A value and its (possibly unknown) schema; a plain tuple ``(schema, value)``."""

    schema: Schema | None
    value: Any


NULL_SCHEMA_AND_VALUE = SchemaAndValue(None, None)
MILLIS_PER_DAY = 86_400_000
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
_JAVA_WS = "".join(chr(c) for c in range(33))  # what Java's String.trim() strips
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")


# --- Java-compatible text forms --------------------------------------------------------------


def format_double(x: float) -> str:
    """Java's ``Double.toString``: ``1.0``, ``0.001``, ``1.0E7``, ``1.5E-4``, ``NaN``, ``Infinity``."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return _java_fp(repr(x), x)


def format_float(x: float) -> str:
    """Java's ``Float.toString`` of ``x`` rounded to float32 (shortest digits that round-trip as float32)."""
    f = to_float32(x)
    if f != f or math.isinf(f):
        return format_double(f)
    for p in range(1, 10):
        s = f"{f:.{p - 1}e}"
        if to_float32(float(s)) == f:
            return _java_fp(s, f)
    return _java_fp(repr(f), f)  # pragma: no cover - 9 digits always round-trip


def _java_fp(text: str, x: float) -> str:
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign, digit_tuple, exp = _decimal.Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exp, int)
    e10 = exp + len(digit_tuple) - 1  # value = d.ddd x 10^e10
    minus = "-" if sign else ""
    if -3 <= e10 < 7:
        if e10 >= 0:
            whole = digits[: e10 + 1].ljust(e10 + 1, "0")
            return f"{minus}{whole}.{digits[e10 + 1 :] or '0'}"
        return f"{minus}0.{'0' * (-e10 - 1)}{digits}"
    return f"{minus}{digits[0]}.{digits[1:] or '0'}E{e10}"


def to_float32(x: float) -> float:
    """``x`` rounded to the nearest float32 (infinite when out of range), as Java's ``(float)`` cast."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def schema_str(schema: Schema | None) -> str:
    """Java's ``ConnectSchema.toString``: ``Schema{STRING}`` or ``Schema{<name>:<TYPE>}``."""
    if schema is None:
        return "null"
    if schema.name is not None:
        return f"Schema{{{schema.name}:{schema.type.name}}}"
    return f"Schema{{{schema.type.name}}}"


_JAVA_CLASSES: dict[type, str] = {
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    int: "java.lang.Long",
    float: "java.lang.Double",
    bytes: "[B",
    bytearray: "[B",
    memoryview: "[B",
    list: "java.util.ArrayList",
    tuple: "java.util.ArrayList",
    dict: "java.util.LinkedHashMap",
    Struct: "org.apache.kafka.connect.data.Struct",
    _decimal.Decimal: "java.math.BigDecimal",
    _dt.date: "java.util.Date",
    _dt.time: "java.util.Date",
    _dt.datetime: "java.util.Date",
}


_BOXED: dict[SchemaType, str] = {
    SchemaType.INT8: "java.lang.Byte",
    SchemaType.INT16: "java.lang.Short",
    SchemaType.INT32: "java.lang.Integer",
    SchemaType.INT64: "java.lang.Long",
    SchemaType.FLOAT32: "java.lang.Float",
    SchemaType.FLOAT64: "java.lang.Double",
}


def java_class(value: Any, schema: Schema | None = None) -> str:
    """What Java's ``value.getClass().toString()`` would say for the equivalent Java value."""
    if schema is not None and schema.type in _BOXED and isinstance(value, (int, float)) and not schema.name:
        return "class " + _BOXED[schema.type]
    if type(value) is int and -(2**31) <= value < 2**31:
        return "class java.lang.Integer"  # how Java boxes an int literal
    return "class " + _JAVA_CLASSES.get(type(value), f"{type(value).__module__}.{type(value).__qualname__}")


def java_str(value: Any, schema: Schema | None = None) -> str:
    """Roughly Java's ``String.valueOf(value)`` for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            format_float(value)
            if schema is not None and schema.type is SchemaType.FLOAT32
            else format_double(value)
        )
    if isinstance(value, (_dt.date, _dt.time)):
        ts = EPOCH + _dt.timedelta(milliseconds=epoch_millis(value))
        return ts.strftime("%a %b %d %H:%M:%S UTC ") + str(ts.year)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, Struct):
        assert value.schema.fields is not None
        present = [(f, dict.get(value, f.name)) for f in value.schema.fields]
        return (
            "Struct{"
            + ",".join(f"{f.name}={java_str(v, f.schema)}" for f, v in present if v is not None)
            + "}"
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, _decimal.Decimal) and value.is_zero() and value.is_signed():
        return str(value.copy_abs())
    return str(value)


def java_trim(s: str) -> str:
    return s.strip(_JAVA_WS)


def is_blank(s: str | None) -> bool:
    return s is None or not s.strip(_JAVA_WS)


def big_decimal(text: str) -> _decimal.Decimal:
    """Java's ``new BigDecimal(text)``; raises ValueError like its NumberFormatException."""
    if not _BIG_DECIMAL.match(text):
        raise ValueError(f"Character array is missing \"exponent\" mark 'e' or 'E' in {text}")
    return _decimal.Decimal(text)


def wrap(value: int, bits: int) -> int:
    """Java's narrowing integer cast."""
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def decimal_long(d: _decimal.Decimal) -> int:
    """Java's ``BigDecimal.longValue()``: the integer part's low 64 bits."""
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 64:
        return 0  # a multiple of 10^64, so of 2^64
    return wrap(int(d), 64)


def truncating_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def double_to_long(x: float) -> int:
    """Java's ``(long) double``: truncation, NaN → 0, saturating at the long range."""
    if x != x:
        return 0
    if x >= 9.223372036854775807e18:
        return LONG_MAX
    if x <= -9.223372036854775808e18:
        return LONG_MIN
    return int(x)


# --- temporal values -------------------------------------------------------------------------

_TIME_RE = re.compile(r"([0-9]+):([0-9]+):([0-9]+)\.([0-9]+)Z")
_DATE_RE = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)")
_TIMESTAMP_RE = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)T([0-9]+):([0-9]+):([0-9]+)\.([0-9]+)Z")
_ISO_TIME_LENGTH, _ISO_DATE_LENGTH, _ISO_TIMESTAMP_LENGTH = 13, 10, 24


def _epoch_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01, rolling over out-of-range months and days like a lenient Java Calendar."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468 + day - 1


def parse_as_temporal(token: str) -> SchemaAndValue | None:
    """A Date, Time or Timestamp when ``token`` has the length and (leniently parsed) form of one."""
    token = token.replace("\\:", ":")
    n = len(token)
    try:
        if n == _ISO_TIME_LENGTH:
            m = _TIME_RE.match(token)
            if m is None:
                return None
            h, mi, s, ms = (int(g) for g in m.groups())
            millis = ((h * 60 + mi) * 60 + s) * 1000 + ms
            if not 0 <= millis < MILLIS_PER_DAY:
                return None
            return SchemaAndValue(Time.SCHEMA, Time.to_logical(Time.SCHEMA, millis))
        if n == _ISO_TIMESTAMP_LENGTH:
            m = _TIMESTAMP_RE.match(token)
            if m is None:
                return None
            y, mo, d, h, mi, s, ms = (int(g) for g in m.groups())
            millis = _epoch_days(y, mo, d) * MILLIS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms
            return SchemaAndValue(Timestamp.SCHEMA, EPOCH + _dt.timedelta(milliseconds=millis))
        if n == _ISO_DATE_LENGTH:
            m = _DATE_RE.match(token)
            if m is None:
                return None
            y, mo, d = (int(g) for g in m.groups())
            return SchemaAndValue(Date.SCHEMA, EPOCH_DATE + _dt.timedelta(days=_epoch_days(y, mo, d)))
    except (OverflowError, ValueError):
        return None  # outside what Python's datetime can hold
    return None


def epoch_millis(value: _dt.date | _dt.time) -> int:
    if isinstance(value, _dt.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, value)
    if isinstance(value, _dt.date):
        return Date.from_logical(Date.SCHEMA, value) * MILLIS_PER_DAY
    return Time.from_logical(Time.SCHEMA, value)


def format_temporal(value: _dt.date | _dt.time) -> str:
    """Java's ``Values.dateFormatFor(value).format(value)`` in UTC."""
    millis = epoch_millis(value)
    ts = EPOCH + _dt.timedelta(milliseconds=millis)
    clock = f"{ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}.{ts.microsecond // 1000:03d}Z"
    if millis < MILLIS_PER_DAY:
        return clock
    day = f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"
    if millis % MILLIS_PER_DAY == 0:
        return day
    return f"{day}T{clock}"
