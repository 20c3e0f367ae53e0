"""Converting Connect values between types and to/from strings (Java's ``org.apache.kafka.connect.data.Values``).

:func:`parse_string` infers a schema and value from text the way Java does: ``true``/``false``, integers as the
smallest fitting int8/int16/int32/int64, other numbers as float32/float64 (or a Decimal when out of range),
``[..]`` arrays and ``{..}`` maps with a common element schema, ISO-8601 ``yyyy-MM-dd``, ``HH:mm:ss.SSS'Z'`` and
``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`` as Date, Time and Timestamp, and anything else as a string.
:func:`convert_to_string` is its inverse, and the ``convert_to_<type>`` helpers are what SimpleHeaderConverter
and the SMTs use.

Python has one int and one float type where Java has boxed Byte/Short/Integer/Long and Float/Double, so the
schema returned beside a value carries the distinction; a float32 value is a Python float rounded to float32.
Logical values are ``datetime.date`` (Date), ``datetime.time`` (Time), UTC ``datetime.datetime`` (Timestamp)
and ``decimal.Decimal``. Dates are read and written in UTC (Java uses the JVM's default zone, UTC on a typical
Connect worker) and in the proleptic Gregorian calendar.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
import math
import re
import struct
from typing import Any, NamedTuple

from connectrt.api.data import (
    EPOCH,
    EPOCH_DATE,
    DataException,
    Date,
    Decimal,
    Schema,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)


class SchemaAndValue(NamedTuple):
    """A value and its (possibly unknown) schema; a plain tuple ``(schema, value)``."""

    schema: Schema | None
    value: Any


NULL_SCHEMA_AND_VALUE = SchemaAndValue(None, None)
MILLIS_PER_DAY = 86_400_000
_ARRAY_SELECTOR_SCHEMA = Schema(SchemaType.ARRAY, value_schema=Schema.STRING_SCHEMA)
_MAP_SELECTOR_SCHEMA = Schema(SchemaType.MAP, key_schema=Schema.STRING_SCHEMA, value_schema=Schema.STRING_SCHEMA)
_STRUCT_SELECTOR_SCHEMA = Schema(SchemaType.STRUCT)
_NULL_NEEDS_VALUE = "Unable to convert a null value to a schema that requires a value"
_JAVA_WS = "".join(chr(c) for c in range(33))  # what Java's String.trim() strips
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_FLOAT32_MAX = 3.4028234663852886e38


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
            return f"{minus}{whole}.{digits[e10 + 1:] or '0'}"
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
    return "class " + _JAVA_CLASSES.get(type(value), f"{type(value).__module__}.{type(value).__qualname__}")


def java_str(value: Any, schema: Schema | None = None) -> str:
    """Roughly Java's ``String.valueOf(value)`` for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value) if schema is not None and schema.type is SchemaType.FLOAT32 else format_double(value)
    if isinstance(value, (_dt.date, _dt.time)):
        ts = EPOCH + _dt.timedelta(milliseconds=_epoch_millis(value))
        return ts.strftime("%a %b %d %H:%M:%S UTC ") + str(ts.year)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, dict) and not isinstance(value, Struct):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"
    return str(value)


def _java_trim(s: str) -> str:
    return s.strip(_JAVA_WS)


def _is_blank(s: str | None) -> bool:
    return s is None or not s.strip(_JAVA_WS)


def _big_decimal(text: str) -> _decimal.Decimal:
    """Java's ``new BigDecimal(text)``; raises ValueError like its NumberFormatException."""
    if not _BIG_DECIMAL.match(text):
        raise ValueError(f"Character array is missing \"exponent\" mark 'e' or 'E' in {text}")
    return _decimal.Decimal(text)


def _wrap(value: int, bits: int) -> int:
    """Java's narrowing integer cast."""
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def _decimal_long(d: _decimal.Decimal) -> int:
    """Java's ``BigDecimal.longValue()``: the integer part's low 64 bits."""
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 64:
        return 0  # a multiple of 10^64, so of 2^64
    return _wrap(int(d), 64)


def _truncating_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def _double_to_long(x: float) -> int:
    """Java's ``(long) double``: truncation, NaN → 0, saturating at the long range."""
    if x != x:
        return 0
    if x >= 9.223372036854775807e18:
        return _LONG_MAX
    if x <= -9.223372036854775808e18:
        return _LONG_MIN
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


def _parse_as_temporal(token: str) -> SchemaAndValue | None:
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


def _epoch_millis(value: _dt.date | _dt.time) -> int:
    if isinstance(value, _dt.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, value)
    if isinstance(value, _dt.date):
        return Date.from_logical(Date.SCHEMA, value) * MILLIS_PER_DAY
    return Time.from_logical(Time.SCHEMA, value)


def _format_temporal(value: _dt.date | _dt.time) -> str:
    """Java's ``Values.dateFormatFor(value).format(value)`` in UTC."""
    millis = _epoch_millis(value)
    ts = EPOCH + _dt.timedelta(milliseconds=millis)
    clock = f"{ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}.{ts.microsecond // 1000:03d}Z"
    if millis < MILLIS_PER_DAY:
        return clock
    day = f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"
    if millis % MILLIS_PER_DAY == 0:
        return day
    return f"{day}T{clock}"


# --- tokenizer -------------------------------------------------------------------------------

_DELIMITERS = frozenset(':,{}[]"')


class _Parser:
    """Java's ``Values.Parser``: splits text on unescaped ``: , { } [ ] "``; marks are token indexes."""

    __slots__ = ("_i", "_next", "_prev", "original", "starts", "tokens")

    def __init__(self, original: str) -> None:
        self.original = original
        tokens: list[str] = []
        starts: list[int] = []
        start = 0
        escaped = False
        for i, c in enumerate(original):
            if c == "\\":
                escaped = not escaped
            elif c in _DELIMITERS:
                if not escaped:
                    if start < i:
                        tokens.append(original[start:i])
                        starts.append(start)
                    tokens.append(c)
                    starts.append(i)
                    start = i + 1
                escaped = False
            else:
                escaped = False
        if start < len(original):
            tokens.append(original[start:])
            starts.append(start)
        starts.append(len(original))
        self.tokens = tokens
        self.starts = starts
        self._i = 0
        self._next: int | None = None
        self._prev: str | None = None

    def position(self) -> int:
        return self.starts[self._i]

    def mark(self) -> int:
        return self._next if self._next is not None else self._i

    def rewind_to(self, mark: int) -> None:
        self._i = mark
        self._next = None
        self._prev = None

    def has_next(self) -> bool:
        return self._next is not None or self._i < len(self.tokens)

    def next(self) -> str:
        if self._next is not None:
            token = self.tokens[self._next]
            self._next = None
        elif self._i < len(self.tokens):
            token = self.tokens[self._i]
            self._i += 1
        else:
            token = ""
        self._prev = token
        return token

    def next_n(self, n: int) -> str | None:
        start = self.mark()
        for _ in range(n):
            if not self.has_next():
                self.rewind_to(start)
                return None
            self.next()
        return self.original[self.starts[start] : self.position()]

    def previous(self) -> str | None:
        return self._prev

    def can_consume(self, expected: str, ignore_whitespace: bool = True) -> bool:
        if self._is_next(expected, ignore_whitespace):
            self._next = None
            return True
        return False

    def _is_next(self, expected: str, ignore_whitespace: bool) -> bool:
        tokens = self.tokens
        if self._next is None:
            if self._i >= len(tokens):
                return False
            self._next = self._i
            self._i += 1
        if ignore_whitespace:
            while _is_blank(tokens[self._next]) and self._i < len(tokens):
                self._next = self._i
                self._i += 1
            return _java_trim(tokens[self._next]) == expected
        return tokens[self._next] == expected


# --- parsing ---------------------------------------------------------------------------------


class _ValueParser:
    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def _single_token_literal(self, embedded: bool, literal: str) -> bool:
        p = self.parser
        start = p.mark()
        if p.can_consume(literal) and (embedded or not p.has_next()):
            return True
        p.rewind_to(start)
        return False

    def parse(self, embedded: bool) -> SchemaAndValue | None:
        p = self.parser
        if not p.has_next():
            return None
        if embedded and p.can_consume('"'):
            return self._parse_quoted_string()
        if self._single_token_literal(embedded, "null"):
            return None
        if self._single_token_literal(embedded, "true"):
            return SchemaAndValue(Schema.BOOLEAN_SCHEMA, True)
        if self._single_token_literal(embedded, "false"):
            return SchemaAndValue(Schema.BOOLEAN_SCHEMA, False)
        start = p.mark()
        try:
            if p.can_consume("["):
                return self._parse_array()
            if p.can_consume("{"):
                return self._parse_map()
        except DataException:
            p.rewind_to(start)
        token = p.next()
        if _is_blank(token):
            return SchemaAndValue(Schema.STRING_SCHEMA, token)
        return self._parse_next_token(embedded, _java_trim(token))

    def _parse_next_token(self, embedded: bool, token: str) -> SchemaAndValue:
        first = token[0]
        if first.isdecimal():
            temporal = self._parse_multiple_tokens_as_temporal(token)
            if temporal is not None:
                return temporal
        if first.isdecimal() or first in "+-":
            try:
                return _parse_as_number(token)
            except ValueError:
                pass
        if embedded:
            raise DataException("Failed to parse embedded value")
        return SchemaAndValue(Schema.STRING_SCHEMA, self.parser.original)

    def _parse_multiple_tokens_as_temporal(self, token: str) -> SchemaAndValue | None:
        # An unescaped time or timestamp spans 5 tokens, as ':' is a delimiter.
        p = self.parser
        position = p.mark()
        remainder = p.next_n(4)
        if remainder is not None:
            temporal = _parse_as_temporal(token + remainder)
            if temporal is not None:
                return temporal
        p.rewind_to(position)
        return _parse_as_temporal(token)

    def _parse_quoted_string(self) -> SchemaAndValue:
        p = self.parser
        parts: list[str] = []
        while p.has_next():
            if p.can_consume('"'):
                break
            parts.append(p.next())
        content = "".join(parts)
        temporal = _parse_as_temporal(content)
        if temporal is not None:
            return temporal
        return SchemaAndValue(Schema.STRING_SCHEMA, content)

    def _parse_array(self) -> SchemaAndValue:
        p = self.parser
        result: list[Any] = []
        merger = _SchemaMerger()
        while p.has_next():
            if p.can_consume("]"):
                if merger.common is not None:
                    schema = Schema(SchemaType.ARRAY, value_schema=merger.common)
                    result = [convert_to(merger.common, None, v) for v in result]
                else:
                    schema = Schema(SchemaType.ARRAY)  # every element is null
                return SchemaAndValue(schema, result)
            if p.can_consume(","):
                raise DataException("Unable to parse an empty array element: " + p.original)
            element = self.parse(True)
            merger.merge(element)
            result.append(element.value if element is not None else None)
            position = p.mark()
            if p.can_consume("]"):
                p.rewind_to(position)
            elif not p.can_consume(","):
                raise DataException("Array elements missing ',' delimiter")
        if p.previous() == ",":
            raise DataException("Array is missing element after ',': " + p.original)
        raise DataException("Array is missing terminating ']': " + p.original)

    def _parse_map(self) -> SchemaAndValue:
        p = self.parser
        result: dict[Any, Any] = {}
        keys = _SchemaMerger()
        values = _SchemaMerger()
        while p.has_next():
            if p.can_consume("}"):
                if keys.common is not None and values.common is not None:
                    schema = Schema(SchemaType.MAP, key_schema=keys.common, value_schema=values.common)
                    result = _align_map(keys.common, values.common, result)
                elif keys.common is not None:
                    schema = Schema(SchemaType.MAP, key_schema=keys.common)
                    result = _align_map(keys.common, None, result)
                else:
                    schema = Schema(SchemaType.MAP)
                return SchemaAndValue(schema, result)
            if p.can_consume(","):
                raise DataException("Unable to parse a map entry with no key or value: " + p.original)
            key = self.parse(True)
            if key is None or key.value is None:
                raise DataException("Map entry may not have a null key: " + p.original)
            if not p.can_consume(":"):
                raise DataException(f"Map entry is missing ':' at {p.position()} in {p.original}")
            value = self.parse(True)
            _put(result, key.value, value.value if value is not None else None)
            p.can_consume(",")
            keys.merge(key)
            values.merge(value)
        if p.previous() == ",":
            raise DataException("Map is missing element after ',': " + p.original)
        raise DataException("Map is missing terminating '}': " + p.original)


def _put(result: dict[Any, Any], key: Any, value: Any) -> None:
    if isinstance(key, list):
        key = tuple(key)
    try:
        result[key] = value
    except TypeError:
        raise DataException(f"Map keys of type {type(key).__name__} are not supported")


def _align_map(key_schema: Schema, value_schema: Schema | None, entries: dict[Any, Any]) -> dict[Any, Any]:
    aligned: dict[Any, Any] = {}
    for k, v in entries.items():
        _put(aligned, convert_to(key_schema, None, k), convert_to(value_schema, None, v) if value_schema else v)
    return aligned


def _parse_as_number(token: str) -> SchemaAndValue:
    d = _big_decimal(token)
    exact = _parse_as_exact_decimal(d)
    if exact is not None:
        return exact
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    double = float(d)
    single = to_float32(double)
    if not math.isinf(single) and exponent != 0:
        return SchemaAndValue(Schema.FLOAT32_SCHEMA, single)
    if not math.isinf(double) and exponent != 0:
        return SchemaAndValue(Schema.FLOAT64_SCHEMA, double)
    return SchemaAndValue(Decimal.schema(-exponent), d)


def _parse_as_exact_decimal(d: _decimal.Decimal) -> SchemaAndValue | None:
    magnitude = d.copy_abs()
    if magnitude > 10**19 or (magnitude < 1 and magnitude != 0):
        return None
    if d != d.to_integral_value():
        return None
    integral = int(d)
    if not _LONG_MIN <= integral <= _LONG_MAX:
        return None
    if -128 <= integral <= 127:
        return SchemaAndValue(Schema.INT8_SCHEMA, integral)
    if -32768 <= integral <= 32767:
        return SchemaAndValue(Schema.INT16_SCHEMA, integral)
    if -(2**31) <= integral < 2**31:
        return SchemaAndValue(Schema.INT32_SCHEMA, integral)
    return SchemaAndValue(Schema.INT64_SCHEMA, integral)


_WIDENING = {
    SchemaType.INT8: (),
    SchemaType.INT16: (SchemaType.INT8,),
    SchemaType.INT32: (SchemaType.INT8, SchemaType.INT16),
    SchemaType.INT64: (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32),
    SchemaType.FLOAT32: (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64),
    SchemaType.FLOAT64: (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64, SchemaType.FLOAT32),
}
_NUMERIC_ORDER = list(_WIDENING)


def _merge_schemas(previous: Schema, new: Schema) -> Schema | None:
    """The schema able to hold values of both, or None (Java's Values.mergeSchemas)."""
    if previous.type is not new.type:
        if previous.type not in _WIDENING or new.type not in _WIDENING:
            return None
        if new.type in _WIDENING[previous.type]:
            return previous
        return new if _NUMERIC_ORDER.index(new.type) > _NUMERIC_ORDER.index(previous.type) else None
    if previous.optional == new.optional:
        return previous if previous.optional else new
    return None


class _SchemaMerger:
    __slots__ = ("common", "compatible")

    def __init__(self) -> None:
        self.common: Schema | None = None
        self.compatible = True

    def merge(self, latest: SchemaAndValue | None) -> None:
        if latest is not None and latest.schema is not None and self.compatible:
            if self.common is None:
                self.common = latest.schema
            else:
                self.common = _merge_schemas(self.common, latest.schema)
                self.compatible = self.common is not None


def parse_string(value: str | None) -> SchemaAndValue:
    """Infer the schema and value of a string (Java's ``Values.parseString``).

    Text that is not a literal, number, temporal value, array or map is returned unchanged as a string.
    ``"null"`` gives ``(None, None)`` (Java returns a null SchemaAndValue there).
    """
    if value is None:
        return NULL_SCHEMA_AND_VALUE
    if not value:
        return SchemaAndValue(Schema.STRING_SCHEMA, value)
    result = _ValueParser(_Parser(value)).parse(False)
    return result if result is not None else NULL_SCHEMA_AND_VALUE


# --- conversions -----------------------------------------------------------------------------


def _unable(value: Any, schema: Schema | None, value_schema: Schema | None = None) -> DataException:
    target = schema_str(schema) if schema is not None else "a number"
    what = f"{java_str(value, value_schema)} ({java_class(value, value_schema)})"
    return DataException(f"Unable to convert {what} to {target}")


def _as_long(value: Any, from_schema: Schema | None) -> int:
    """Java's ``Values.asLong``."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return _wrap(value, 64)
    elif isinstance(value, float):
        return _double_to_long(value)
    elif isinstance(value, _decimal.Decimal) and value.is_finite():
        return _decimal_long(value)
    elif isinstance(value, str):
        try:
            return _decimal_long(_big_decimal(value))
        except ValueError:
            pass
    if from_schema is not None and isinstance(value, (_dt.date, _dt.time)):
        name = from_schema.name
        if name == Date.LOGICAL_NAME and isinstance(value, _dt.date):
            return Date.from_logical(from_schema, value)
        if name == Time.LOGICAL_NAME and isinstance(value, _dt.time):
            return Time.from_logical(from_schema, value)
        if name == Timestamp.LOGICAL_NAME and isinstance(value, _dt.datetime):
            return Timestamp.from_logical(from_schema, value)
    raise _unable(value, from_schema)


def _as_double(value: Any, from_schema: Schema | None) -> float:
    """Java's ``Values.asDouble``."""
    if isinstance(value, float):
        return value
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, _decimal.Decimal):
            return float(value)
        if isinstance(value, str):
            return float(_big_decimal(value))
    except OverflowError:
        return math.copysign(math.inf, value)
    except ValueError:
        pass
    return float(_as_long(value, from_schema))


def convert_to_boolean(schema: Schema | None, value: Any) -> bool | None:
    """A bool: booleans as they are, ``"true"``/``"false"``, and numbers as ``!= 0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        parsed = parse_string(value)
        if isinstance(parsed.value, bool):
            return parsed.value
    return _as_long(value, schema) != 0


def convert_to_byte(schema: Schema | None, value: Any) -> int | None:
    """An int8 value (Java's narrowing cast of the long value)."""
    return None if value is None else _wrap(_as_long(value, schema), 8)


def convert_to_short(schema: Schema | None, value: Any) -> int | None:
    """An int16 value (Java's narrowing cast of the long value)."""
    return None if value is None else _wrap(_as_long(value, schema), 16)


def convert_to_integer(schema: Schema | None, value: Any) -> int | None:
    """An int32 value (Java's narrowing cast of the long value)."""
    return None if value is None else _wrap(_as_long(value, schema), 32)


def convert_to_long(schema: Schema | None, value: Any) -> int | None:
    """An int64 value."""
    return None if value is None else _as_long(value, schema)


def convert_to_float(schema: Schema | None, value: Any) -> float | None:
    """A float32 value (a Python float rounded to float32)."""
    return None if value is None else to_float32(_as_double(value, schema))


def convert_to_double(schema: Schema | None, value: Any) -> float | None:
    """A float64 value."""
    return None if value is None else _as_double(value, schema)


def convert_to_string(schema: Schema | None, value: Any) -> str | None:
    """The string form that :func:`parse_string` reads back (Java's ``Values.convertToString``).

    Top-level strings are written as they are; strings inside arrays, maps and structs are quoted and escaped;
    bytes are base64; Date/Time/Timestamp values use the ISO-8601 forms. ``schema`` only decides whether a
    float is written as float32 (Java's ``Float.toString``) or float64 (``Double.toString``).
    """
    if value is None:
        return None
    out: list[str] = []
    _append(out, value, False, schema)
    return "".join(out)


def convert_to_list(schema: Schema | None, value: Any) -> list[Any]:
    """A list; a string is parsed and must hold an array."""
    return _convert_to_array(_ARRAY_SELECTOR_SCHEMA, value)


def convert_to_map(schema: Schema | None, value: Any) -> dict[Any, Any]:
    """A dict; a string is parsed and must hold a map."""
    return _convert_to_map(_MAP_SELECTOR_SCHEMA, value)


def convert_to_struct(schema: Schema | None, value: Any) -> Struct:
    """The value itself when it is a Struct; anything else is an error."""
    return _convert_to_struct(_STRUCT_SELECTOR_SCHEMA, value)


def convert_to_time(schema: Schema | None, value: Any) -> Any:
    """A Time value (``datetime.time``) from a time, a timestamp, millis or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_time(Time.SCHEMA, schema, value)


def convert_to_date(schema: Schema | None, value: Any) -> Any:
    """A Date value (``datetime.date``) from a date, a timestamp, days or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_date(Date.SCHEMA, schema, value)


def convert_to_timestamp(schema: Schema | None, value: Any) -> Any:
    """A Timestamp value (UTC ``datetime.datetime``) from a timestamp, date, time, millis or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_timestamp(Timestamp.SCHEMA, schema, value)


def convert_to_decimal(schema: Schema | None, value: Any, scale: int) -> _decimal.Decimal:
    """A ``decimal.Decimal`` from bytes (unscaled, with ``scale``), a number or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_decimal(Decimal.schema(scale), value)


def convert_to(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    """Convert ``value`` to the type of ``to_schema`` (Java's ``Values.convertTo``)."""
    if value is None:
        if to_schema.optional:
            return None
        raise DataException(_NULL_NEEDS_VALUE)
    t = to_schema.type
    name = to_schema.name
    if t is SchemaType.BYTES:
        if name == Decimal.LOGICAL_NAME:
            return _convert_to_decimal(to_schema, value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, _decimal.Decimal):
            return Decimal.from_logical(to_schema, value)
        raise _unable(value, to_schema)
    if t is SchemaType.STRING:
        return convert_to_string(from_schema, value)
    if t is SchemaType.BOOLEAN:
        return convert_to_boolean(from_schema, value)
    if t is SchemaType.INT8:
        return convert_to_byte(from_schema, value)
    if t is SchemaType.INT16:
        return convert_to_short(from_schema, value)
    if t is SchemaType.INT32:
        if name == Date.LOGICAL_NAME:
            return _convert_to_date(to_schema, from_schema, value)
        if name == Time.LOGICAL_NAME:
            return _convert_to_time(to_schema, from_schema, value)
        return convert_to_integer(from_schema, value)
    if t is SchemaType.INT64:
        if name == Timestamp.LOGICAL_NAME:
            return _convert_to_timestamp(to_schema, from_schema, value)
        return convert_to_long(from_schema, value)
    if t is SchemaType.FLOAT32:
        return convert_to_float(from_schema, value)
    if t is SchemaType.FLOAT64:
        return convert_to_double(from_schema, value)
    if t is SchemaType.ARRAY:
        return _convert_to_array(to_schema, value)
    if t is SchemaType.MAP:
        return _convert_to_map(to_schema, value)
    return _convert_to_struct(to_schema, value)


def _convert_to_decimal(to_schema: Schema, value: Any) -> _decimal.Decimal:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Decimal.to_logical(to_schema, bytes(value))
    if isinstance(value, _decimal.Decimal):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _decimal.Decimal(format_double(float(value)))  # Java's BigDecimal.valueOf(double)
    if isinstance(value, str):
        try:
            return _big_decimal(value)
        except ValueError:
            raise DataException(f"Unable to convert {value} ({java_class(value)}) to {schema_str(to_schema)}")
    raise _unable(value, to_schema)


def _parsed_if_string(value: Any) -> SchemaAndValue:
    """A string parsed (kept as it is when it reads as null), anything else as it is."""
    if isinstance(value, str):
        parsed = parse_string(value)
        if parsed.value is not None:
            return parsed
    return SchemaAndValue(None, value)


def _in_range(convert: Any, schema: Schema, value: int) -> Any:
    try:
        return convert(schema, value)
    except OverflowError:
        raise DataException(f"Value {value} is out of range for {schema_str(schema)}")


def _convert_to_date(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        if from_schema.name == Date.LOGICAL_NAME:
            return value
        if from_schema.name == Timestamp.LOGICAL_NAME:
            millis = _epoch_millis(value)
            return Date.to_logical(to_schema, _truncating_div(millis, MILLIS_PER_DAY))
    return _in_range(Date.to_logical, to_schema, _wrap(_as_long(value, from_schema), 32))


def _convert_to_time(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        if from_schema.name == Time.LOGICAL_NAME:
            return value
        if from_schema.name == Timestamp.LOGICAL_NAME:
            return Time.to_logical(to_schema, _epoch_millis(value) % MILLIS_PER_DAY)
    return Time.to_logical(to_schema, _wrap(_as_long(value, from_schema), 32))


def _convert_to_timestamp(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        name = from_schema.name
        if name == Date.LOGICAL_NAME and isinstance(value, _dt.date):
            return Timestamp.to_logical(to_schema, Date.from_logical(from_schema, value) * MILLIS_PER_DAY)
        if name == Time.LOGICAL_NAME and isinstance(value, _dt.time):
            return Timestamp.to_logical(to_schema, Time.from_logical(from_schema, value))
        if name == Timestamp.LOGICAL_NAME:
            return value
    return _in_range(Timestamp.to_logical, to_schema, _as_long(value, from_schema))


def _convert_to_array(to_schema: Schema, value: Any) -> list[Any]:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    parsed = _parsed_if_string(value)
    if isinstance(parsed.value, list):
        return parsed.value
    if isinstance(parsed.value, tuple):
        return list(parsed.value)
    raise _unable(parsed.value, to_schema, parsed.schema)


def _convert_to_map(to_schema: Schema, value: Any) -> dict[Any, Any]:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    parsed = _parsed_if_string(value)
    if isinstance(parsed.value, dict) and not isinstance(parsed.value, Struct):
        return parsed.value
    raise _unable(parsed.value, to_schema, parsed.schema)


def _convert_to_struct(to_schema: Schema, value: Any) -> Struct:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    if isinstance(value, Struct):
        return value
    raise _unable(value, to_schema)


# --- string form -----------------------------------------------------------------------------


def escape(value: str) -> str:
    """Escape backslashes and double quotes for a string embedded in an array, map or struct."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _append(out: list[str], value: Any, embedded: bool, schema: Schema | None) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(f'"{escape(value)}"' if embedded else value)
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        float32 = schema is not None and schema.type is SchemaType.FLOAT32
        out.append(format_float(value) if float32 else format_double(value))
    elif isinstance(value, _decimal.Decimal):
        out.append("0" if value.is_zero() and value.is_signed() and value.as_tuple().exponent == 0 else str(value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        encoded = base64.b64encode(bytes(value)).decode("ascii")
        out.append(f'"{encoded}"' if embedded else encoded)
    elif isinstance(value, (list, tuple)):
        element_schema = schema.value_schema if schema is not None and schema.type is SchemaType.ARRAY else None
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _append(out, item, True, element_schema)
        out.append("]")
    elif isinstance(value, Struct):
        assert value.schema.fields is not None
        out.append("{")
        for i, field in enumerate(value.schema.fields):
            if i:
                out.append(",")
            out.append(f'"{escape(field.name)}":')
            _append(out, value.get_checked(field.name), True, field.schema)
        out.append("}")
    elif isinstance(value, dict):
        is_map = schema is not None and schema.type is SchemaType.MAP
        key_schema = schema.key_schema if is_map and schema is not None else None
        value_schema = schema.value_schema if is_map and schema is not None else None
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            _append(out, k, True, key_schema)
            out.append(":")
            _append(out, v, True, value_schema)
        out.append("}")
    elif isinstance(value, (_dt.date, _dt.time)):
        out.append(_format_temporal(value))
    else:
        raise DataException(
            f"Failed to serialize unexpected value type {java_class(value)[6:]}: {java_str(value)}"
        )


# --- schema inference ------------------------------------------------------------------------


def infer_schema(value: Any) -> Schema | None:
    """The schema of a value when it can be told from the value alone (Java's ``Values.inferSchema``).

    Python ints infer as int64 and floats as float64; Decimal and date/time values infer no schema, as in Java.
    """
    if isinstance(value, str):
        return Schema.STRING_SCHEMA
    if isinstance(value, bool):
        return Schema.BOOLEAN_SCHEMA
    if isinstance(value, int):
        return Schema.INT64_SCHEMA
    if isinstance(value, float):
        return Schema.FLOAT64_SCHEMA
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Schema.BYTES_SCHEMA
    if isinstance(value, (list, tuple)):
        element = _detect(value)
        return Schema(SchemaType.ARRAY, value_schema=element) if element is not None else None
    if isinstance(value, Struct):
        return value.schema
    if isinstance(value, dict):
        key = _detect(value.keys())
        val = _detect(value.values())
        return Schema(SchemaType.MAP, key_schema=key, value_schema=val) if key and val else None
    return None


def _detect(values: Any) -> Schema | None:
    """Java's SchemaDetector: one shared type (optional when a null was seen), or None."""
    known: SchemaType | None = None
    optional = False
    for v in values:
        if v is None:
            optional = True
            continue
        schema = infer_schema(v)
        if schema is None or (known is not None and known is not schema.type):
            return None
        known = schema.type
    return Schema(known, optional=optional) if known is not None else None
