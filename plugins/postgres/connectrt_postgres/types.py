"""PostgreSQL column types → Connect schemas and value converters, as Debezium's PostgresValueConverter.

:func:`column_mapping` looks at a column's type (domains resolved to their base type), its typmod and
the connector's value modes, and returns a :class:`ColumnMapping`: a schema builder, a function
from the value's PostgreSQL text to the Connect value, the value Debezium uses for a NOT NULL column
that arrives without a value, and the value standing for an unchanged TOASTed column. Columns of
types Debezium does not map return None and are left out of events.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from connectrt.api.data import Date, Decimal, Schema, SchemaBuilder, Time, Timestamp

from connectrt_postgres import pgtext
from connectrt_postgres.catalog import PgType, TypeRegistry

Convert = Callable[[str], Any]

VARIABLE_SCALE_LENGTH = 131089
ALLOWED_SNAPSHOT = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"


class ConversionError(ValueError):
    """A value that cannot be represented in its column's Connect type (Debezium logs and uses null)."""


@dataclass(frozen=True)
class ValueModes:
    decimal: str = "precise"
    time: str = "adaptive"
    binary: str = "bytes"
    hstore: str = "json"
    interval: str = "numeric"
    money_digits: int = 2
    placeholder: bytes = b"__debezium_unavailable_value"
    include_unknown: bool = False

    @property
    def placeholder_text(self) -> str:
        return self.placeholder.decode("utf-8", "replace")


@dataclass(frozen=True)
class ColumnMapping:
    builder: Callable[[], SchemaBuilder]
    convert: Convert
    fallback: Any
    toast: Any
    type_name: str


# --- small value helpers --------------------------------------------------------------------------


def _named(b: SchemaBuilder, name: str) -> SchemaBuilder:
    return b.name(name).version(1)


def decimal_bytes(unscaled: int) -> bytes:
    """BigInteger.toByteArray(): minimal big-endian two's complement."""
    return unscaled.to_bytes((unscaled + (unscaled < 0)).bit_length() // 8 + 1, "big", signed=True)


def java_string_hash(s: str) -> int:
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def java_hashmap_order(keys: list[str]) -> list[str]:
    """The iteration order of a java.util.HashMap filled with ``keys`` in order (no treeified bins)."""
    capacity = 16
    while len(keys) > capacity * 0.75:
        capacity *= 2
    buckets: dict[int, list[str]] = {}
    for key in keys:
        h = java_string_hash(key)
        spread = h ^ (h >> 16)
        buckets.setdefault(spread & (capacity - 1), []).append(key)
    return [k for index in sorted(buckets) for k in buckets[index]]


def _hstore_json(text: str) -> str:
    parsed = pgtext.parse_hstore(text)
    ordered = {k: parsed[k] for k in java_hashmap_order(list(parsed))}
    return orjson.dumps(ordered).decode()


def _hstore_map(text: str) -> dict[str, str | None]:
    parsed = pgtext.parse_hstore(text)
    return {k: parsed[k] for k in java_hashmap_order(list(parsed))}


def _bool(text: str) -> bool:
    return text == "t" or text == "true"


parse_bool = _bool  # row plans inline this one


def _bytea(text: str) -> bytes:
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    raise ConversionError("bytea values must use bytea_output=hex")


# --- mapping by type ------------------------------------------------------------------------------


def _binary(modes: ValueModes) -> tuple[Callable[[], SchemaBuilder], Convert, Any, Any]:
    mode = modes.binary
    placeholder = modes.placeholder
    # Debezium has no TOAST placeholder in the base64 modes: an unchanged bytea becomes null.
    if mode == "base64":
        return SchemaBuilder.string, lambda t: base64.b64encode(_bytea(t)).decode(), "", None
    if mode == "base64-url-safe":
        return SchemaBuilder.string, lambda t: base64.urlsafe_b64encode(_bytea(t)).decode(), "", None
    if mode == "hex":
        return SchemaBuilder.string, lambda t: _bytea(t).hex(), "", modes.placeholder_text
    return SchemaBuilder.bytes, _bytea, b"", placeholder


def binary_encoder(mode: str) -> tuple[Schema, Callable[[bytes], Any]]:
    """The optional schema and encoding of raw bytes (logical decoding message content)."""
    if mode == "base64":
        return Schema.OPTIONAL_STRING_SCHEMA, lambda b: base64.b64encode(b).decode()
    if mode == "base64-url-safe":
        return Schema.OPTIONAL_STRING_SCHEMA, lambda b: base64.urlsafe_b64encode(b).decode()
    if mode == "hex":
        return Schema.OPTIONAL_STRING_SCHEMA, lambda b: b.hex()
    return Schema.OPTIONAL_BYTES_SCHEMA, bytes


def _numeric(
    modes: ValueModes, precision: int, scale: int, variable: bool
) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    mode = modes.decimal
    if mode == "double":
        return SchemaBuilder.float64, float, 0.0
    if mode == "string":
        string_quantum = None if variable else decimal.Decimal(1).scaleb(-scale)

        def as_string(text: str) -> str:
            if text == "NaN":
                return "NAN"
            if text == "Infinity":
                return "POSITIVE_INFINITY"
            if text == "-Infinity":
                return "NEGATIVE_INFINITY"
            if string_quantum is not None:
                dot = text.find(".")
                if (len(text) - dot - 1 if dot >= 0 else 0) != scale:
                    return format(_quantize(decimal.Decimal(text), string_quantum, len(text) + scale), "f")
            return text

        return SchemaBuilder.string, as_string, "0" if variable else f"{decimal.Decimal(0).scaleb(-scale):f}"
    if variable:

        def vsd_builder() -> SchemaBuilder:
            return (
                SchemaBuilder.struct()
                .name("io.debezium.data.VariableScaleDecimal")
                .version(1)
                .doc("Variable scaled decimal")
                .field("scale", Schema.INT32_SCHEMA)
                .field("value", Schema.BYTES_SCHEMA)
            )

        vsd_schema = vsd_builder().build()

        def vsd(text: str) -> Any:
            from connectrt.api.data import Struct

            try:
                value = decimal.Decimal(text)
            except decimal.InvalidOperation as e:
                raise ConversionError(f"not a number: {text}") from e
            if not value.is_finite():
                raise ConversionError(
                    "Got a special value (NaN/Infinity) for Decimal type but current mode does not handle it. "
                    "If you need to support it then set decimal handling mode to 'string'."
                )
            # normalize() rounds to its context's precision (28 digits by default): give it all the digits.
            value = value.normalize(decimal.Context(prec=max(28, len(value.as_tuple().digits))))
            sign, digits, exponent = value.as_tuple()
            assert isinstance(exponent, int)
            unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
            if exponent > 0:
                unscaled *= 10**exponent
                exponent = 0
            struct = Struct.__new__(Struct)
            struct.schema = vsd_schema
            dict.update(struct, (("scale", -exponent), ("value", decimal_bytes(unscaled))))
            return struct

        return vsd_builder, vsd, None

    quantum = decimal.Decimal(1).scaleb(-scale)

    def builder() -> SchemaBuilder:
        b = Decimal.builder(scale)
        if precision > 0:
            b.parameter("connect.decimal.precision", str(precision))
        return b

    make = decimal.Decimal

    def precise(text: str) -> decimal.Decimal:
        dot = text.find(".")
        if (dot >= 0 and len(text) - dot - 1 == scale) or (dot < 0 and scale == 0 and text[-1].isdigit()):
            return make(text)  # PostgreSQL prints exactly the column's scale
        try:
            value = make(text)
        except decimal.InvalidOperation as e:
            raise ConversionError(f"not a number: {text}") from e
        if not value.is_finite():
            raise ConversionError(
                "Got a special value (NaN/Infinity) for Decimal type but current mode does not handle it. "
                "If you need to support it then set decimal handling mode to 'string'."
            )
        return _quantize(value, quantum, len(text) + scale)

    return builder, precise, quantum * 0


def _quantize(value: decimal.Decimal, quantum: decimal.Decimal, digits: int) -> decimal.Decimal:
    """``value`` rounded half up to ``quantum``'s scale, with room for all its digits (Python's default
    context has 28, where PostgreSQL's numeric has up to 1000 of precision)."""
    return value.quantize(
        quantum, rounding=decimal.ROUND_HALF_UP, context=decimal.Context(prec=max(28, digits + 2))
    )


def _money(modes: ValueModes) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    digits = modes.money_digits
    quantum = decimal.Decimal(1).scaleb(-digits)
    if modes.decimal == "double":
        return SchemaBuilder.float64, lambda t: float(pgtext.parse_money(t)), 0.0
    if modes.decimal == "string":
        return SchemaBuilder.string, pgtext.parse_money, f"{quantum * 0:f}"
    return (
        lambda: Decimal.builder(digits),
        lambda t: decimal.Decimal(pgtext.parse_money(t)).quantize(quantum, rounding=decimal.ROUND_HALF_UP),
        quantum * 0,
    )


def _precision(typmod: int) -> int:
    """Fractional-second digits of a time/timestamp column (-1 means the default, 6)."""
    return typmod if 0 <= typmod <= 6 else 6


def _date(modes: ValueModes) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    mode = modes.time
    if mode == "connect":

        def connect_date(text: str) -> _dt.date:
            try:
                return pgtext_epoch_date(pgtext.parse_date_days(text))
            except OverflowError as e:
                raise ConversionError(f"date {text} is outside the range of Connect's Date") from e

        return Date.builder, connect_date, _dt.date(1970, 1, 1)
    if mode == "isostring":
        return (
            lambda: _named(SchemaBuilder.string(), "io.debezium.time.IsoDate"),
            lambda t: pgtext.iso_date(pgtext.parse_date_days(t)) + "Z",
            "1970-01-01Z",
        )
    return lambda: _named(SchemaBuilder.int32(), "io.debezium.time.Date"), pgtext.parse_date_days, 0


def pgtext_epoch_date(days: int) -> _dt.date:
    return _dt.date(1970, 1, 1) + _dt.timedelta(days=days)


def _time(modes: ValueModes, typmod: int) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    mode = modes.time
    precision = _precision(typmod)
    micros = pgtext.parse_time_micros
    if mode == "connect":

        def connect_time(text: str) -> _dt.time | _dt.datetime:
            us = micros(text) // 1000 * 1000
            if us >= 86_400_000_000:  # 24:00:00 stays 86400000 ms, as a java.util.Date would
                return pgtext_epoch_datetime(us)
            seconds, rest = divmod(us, 1_000_000)
            return _dt.time(seconds // 3600, (seconds // 60) % 60, seconds % 60, rest)

        return Time.builder, connect_time, _dt.time(0)
    if mode == "isostring":
        return (
            lambda: _named(SchemaBuilder.string(), "io.debezium.time.IsoTime"),
            lambda t: pgtext.iso_time(micros(t) % 86_400_000_000) + "Z",
            "00:00:00Z",
        )
    if mode == "nanoseconds":
        return (
            lambda: _named(SchemaBuilder.int64(), "io.debezium.time.NanoTime"),
            lambda t: micros(t) * 1000,
            0,
        )
    if mode == "adaptive" and precision <= 3:
        return lambda: _named(SchemaBuilder.int32(), "io.debezium.time.Time"), lambda t: micros(t) // 1000, 0
    return lambda: _named(SchemaBuilder.int64(), "io.debezium.time.MicroTime"), micros, 0


def _timestamp(modes: ValueModes, typmod: int) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    mode = modes.time
    precision = _precision(typmod)
    pos, neg = pgtext.TIMESTAMP_POS_INFINITY_US, pgtext.TIMESTAMP_NEG_INFINITY_US

    def micros(text: str) -> int:
        if text == "infinity":
            return pos
        if text == "-infinity":
            return neg
        return pgtext.parse_timestamp_micros(text)

    if mode == "connect":

        def connect_ts(text: str) -> _dt.datetime:
            try:
                return pgtext_epoch_datetime(micros(text) // 1000 * 1000)
            except OverflowError as e:
                raise ConversionError(f"timestamp {text} is outside the range of Connect's Timestamp") from e

        return Timestamp.builder, connect_ts, _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    if mode == "isostring":

        def iso(text: str) -> str:
            us = micros(text)
            if us == pos or us == neg:
                return pgtext.iso_timestamp(us // 1000 * 1000)
            return pgtext.iso_timestamp(us)

        return (
            lambda: _named(SchemaBuilder.string(), "io.debezium.time.IsoTimestamp"),
            iso,
            "1970-01-01T00:00:00Z",
        )
    if mode == "nanoseconds":

        def nanos(text: str) -> int:
            if text == "infinity":
                return pgtext.LONG_MAX
            if text == "-infinity":
                return pgtext.LONG_MIN
            return pgtext.parse_timestamp_micros(text) * 1000

        return lambda: _named(SchemaBuilder.int64(), "io.debezium.time.NanoTimestamp"), nanos, 0
    if mode in ("adaptive", "adaptive_time_microseconds") and precision <= 3:
        return (
            lambda: _named(SchemaBuilder.int64(), "io.debezium.time.Timestamp"),
            lambda t: micros(t) // 1000,
            0,
        )
    return lambda: _named(SchemaBuilder.int64(), "io.debezium.time.MicroTimestamp"), micros, 0


def pgtext_epoch_datetime(micros: int) -> _dt.datetime:
    return _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(microseconds=micros)


def _timestamptz(typmod: int) -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    width = _precision(typmod) if typmod >= 0 else 6

    zoned_timestamp = pgtext.zoned_timestamp

    def zoned(text: str) -> str:
        if text == "infinity" or text == "-infinity":
            return text
        return zoned_timestamp(text, width)

    return (
        lambda: _named(SchemaBuilder.string(), "io.debezium.time.ZonedTimestamp"),
        zoned,
        "1970-01-01T00:00:00Z",
    )


def _timetz() -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    return (
        lambda: _named(SchemaBuilder.string(), "io.debezium.time.ZonedTime"),
        lambda t: pgtext.iso_time(pgtext.parse_timetz_utc_micros(t)) + "Z",
        "00:00:00Z",
    )


def _point() -> tuple[Callable[[], SchemaBuilder], Convert, Any]:
    import struct as _struct

    from connectrt.api.data import Struct

    def builder() -> SchemaBuilder:
        return (
            SchemaBuilder.struct()
            .name("io.debezium.data.geometry.Point")
            .version(1)
            .doc("Geometry (POINT)")
            .field("x", Schema.FLOAT64_SCHEMA)
            .field("y", Schema.FLOAT64_SCHEMA)
            .field("wkb", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("srid", Schema.OPTIONAL_INT32_SCHEMA)
        )

    schema = builder().build()
    pack = _struct.Struct("<BIdd").pack

    def make(x: float, y: float) -> Struct:
        s = Struct.__new__(Struct)
        s.schema = schema
        dict.update(s, (("x", x), ("y", y), ("wkb", pack(1, 1, x, y)), ("srid", None)))
        return s

    def point(text: str) -> Struct:
        x, y = pgtext.parse_point(text)
        return make(x, y)

    return builder, point, make(0.0, 0.0)


def _string(name: str | None = None) -> Callable[[], SchemaBuilder]:
    if name is None:
        return SchemaBuilder.string
    return lambda: _named(SchemaBuilder.string(), name)


_STRING_TYPES = {
    "bpchar",
    "varchar",
    "text",
    "char",
    "name",
    "citext",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "isbn",
}
_NAMED_STRINGS = {
    "json": "io.debezium.data.Json",
    "jsonb": "io.debezium.data.Json",
    "xml": "io.debezium.data.Xml",
    "uuid": "io.debezium.data.Uuid",
    "ltree": "io.debezium.data.Ltree",
    "tsvector": "io.debezium.data.Tsvector",
}
_UNSUPPORTED_ARRAY_ELEMENTS = {"money", "name", "interval", "varbit", "xml", "point", "refcursor"}
_TEXT_ARRAY_TOAST = {"text", "varchar", "bpchar", "json", "jsonb"}
_INT_ARRAY_TOAST = {"int4", "date"}


def _scalar(
    t: PgType, typmod: int, modes: ValueModes
) -> tuple[Callable[[], SchemaBuilder], Convert, Any] | None:
    name = t.name
    if t.kind == "e":
        allowed = ",".join(t.enum_values)
        return (
            lambda: _named(SchemaBuilder.string(), "io.debezium.data.Enum").parameter("allowed", allowed),
            str,
            "",
        )
    if name == "bool":
        return SchemaBuilder.bool, _bool, False
    if name in ("int2",):
        return SchemaBuilder.int16, int, 0
    if name == "int4":
        return SchemaBuilder.int32, int, 0
    if name in ("int8", "oid"):
        return SchemaBuilder.int64, int, 0
    if name == "float4":
        return SchemaBuilder.float32, float, 0.0
    if name == "float8":
        return SchemaBuilder.float64, float, 0.0
    if name in ("bit", "varbit"):
        length = typmod if typmod > 0 else (1 if name == "bit" else 2147483647)
        if length <= 1:
            return SchemaBuilder.bool, lambda s: s not in ("", "0"), False
        return (
            lambda: _named(SchemaBuilder.bytes(), "io.debezium.data.Bits").parameter("length", str(length)),
            pgtext.bits_bytes,
            b"",
        )
    if name == "numeric":
        if typmod >= 4:
            precision = ((typmod - 4) >> 16) & 0xFFFF
            scale = (typmod - 4) & 0xFFFF
            return _numeric(modes, precision, scale, False)
        return _numeric(modes, 0, 0, True)
    if name == "money":
        return _money(modes)
    if name in _STRING_TYPES:
        return SchemaBuilder.string, str, ""
    if name in _NAMED_STRINGS:
        return _string(_NAMED_STRINGS[name]), str, ""
    if name == "bytea":
        b, convert, fallback, _toast = _binary(modes)
        return b, convert, fallback
    if name == "hstore":
        if modes.hstore == "map":
            return (
                lambda: SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA),
                _hstore_map,
                {},
            )
        return _string("io.debezium.data.Json"), _hstore_json, "{}"
    if name == "interval":
        if modes.interval == "string":
            return _string("io.debezium.time.Interval"), pgtext.interval_iso, "P0Y0M0DT0H0M0S"
        return (
            lambda: _named(SchemaBuilder.int64(), "io.debezium.time.MicroDuration"),
            pgtext.interval_micros,
            0,
        )
    if name == "date":
        return _date(modes)
    if name == "time":
        return _time(modes, typmod)
    if name == "timetz":
        return _timetz()
    if name == "timestamp":
        return _timestamp(modes, typmod)
    if name == "timestamptz":
        return _timestamptz(typmod)
    if name == "point":
        return _point()
    if modes.include_unknown:
        b, _convert, fallback, _toast = _binary(modes)
        encode = _convert
        return b, lambda text: encode("\\x" + text.encode().hex()), fallback
    return None


def _toast_value(t: PgType, builder: Callable[[], SchemaBuilder], modes: ValueModes) -> Any:
    schema = builder().build()
    if t.name == "bytea":
        return _binary(modes)[3]
    if t.name == "hstore":
        text = modes.placeholder_text
        return {text: text} if modes.hstore == "map" else orjson.dumps({text: text}).decode()
    if schema.type.name == "STRING":
        return modes.placeholder_text
    if schema.type.name == "BYTES":
        return modes.placeholder
    return None


def resolve_type(registry: TypeRegistry, type_oid: int, typmod: int) -> tuple[PgType, int] | None:
    """The base type of a column's type (domains resolved) and the typmod that applies to it."""
    t = registry.get(type_oid)
    if t is None:
        return None
    root, domain_typmod = registry.root(t)
    if domain_typmod is not None and typmod < 0:
        typmod = domain_typmod
    return root, typmod


def column_mapping(
    registry: TypeRegistry, type_oid: int, typmod: int, modes: ValueModes
) -> ColumnMapping | None:
    """How a column of this type and typmod is represented, or None when Debezium leaves it out."""
    resolved = resolve_type(registry, type_oid, typmod)
    if resolved is None:
        return None
    root, typmod = resolved
    t = registry.get(type_oid)
    assert t is not None
    if root.is_array:
        element = registry.get(root.element_oid)
        if element is None:
            return None
        element_root, _ = registry.root(element)
        if element_root.name in _UNSUPPORTED_ARRAY_ELEMENTS:
            return None
        scalar = _scalar(element_root, typmod, modes)
        if scalar is None:
            return None
        el_builder, el_convert, _fallback = scalar

        def array_builder() -> SchemaBuilder:
            return SchemaBuilder.array(el_builder().optional().build())

        text = modes.placeholder_text
        toast: Any
        if element_root.name in _TEXT_ARRAY_TOAST:
            toast = [text]
        elif element_root.name in _INT_ARRAY_TOAST or element_root.name == "int8":
            toast = [b - 256 if b > 127 else b for b in modes.placeholder]
        elif element_root.name == "bytea":
            toast = [modes.placeholder]
        elif element_root.name == "uuid":
            digest = bytearray(hashlib.md5(modes.placeholder).digest())
            digest[6] = (digest[6] & 0x0F) | 0x30
            digest[8] = (digest[8] & 0x3F) | 0x80
            toast = [str(uuid.UUID(bytes=bytes(digest)))]
        else:
            toast = [text]
        return ColumnMapping(array_builder, pgtext.array_converter(el_convert), [], toast, t.name)
    scalar = _scalar(root, typmod, modes)
    if scalar is None:
        return None
    builder, convert, fallback = scalar
    return ColumnMapping(builder, convert, fallback, _toast_value(root, builder, modes), t.name)
