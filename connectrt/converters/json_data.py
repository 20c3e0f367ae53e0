"""JsonConverter's value mapping: Connect values to JSON trees and back (Java's convertToJson/convertToConnect).

Each schema is compiled once into a closure (cached per converter), so a batch of records with the same schema
costs one dict lookup per record plus the conversion itself. JSON trees are plain Python objects ready for
orjson; numbers whose text must match Java's (float32, large or small doubles, NUMERIC decimals) are
``orjson.Fragment`` objects carrying Java's text.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal as _decimal
import math
from collections.abc import Callable
from typing import Any

import orjson

from connectrt.api.data import (
    EPOCH,
    DataException,
    Date,
    Decimal,
    Schema,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)
from connectrt.api.values import format_double, format_float, java_class, to_float32
from connectrt.converters._common import LRUCache

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]

_PyDecimal = _decimal.Decimal
_b2a = binascii.b2a_base64
_EXACT = _decimal.Context(prec=_decimal.MAX_PREC, Emax=_decimal.MAX_EMAX, Emin=_decimal.MIN_EMIN)
REQUIRED_NULL = "Conversion error: null value for field that is required and has no default value"
_NAN_TEXT = {"NaN": orjson.Fragment(b'"NaN"'), "Infinity": orjson.Fragment(b'"Infinity"')}
_NAN_TEXT["-Infinity"] = orjson.Fragment(b'"-Infinity"')


class NeedExactNumbers(Exception):
    """A NUMERIC decimal arrived as a float: the message must be re-read with exact decimals."""


def node_type(node: Any) -> str:
    """Jackson's JsonNodeType name of a parsed JSON value."""
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, float, _decimal.Decimal)):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    if isinstance(node, list):
        return "ARRAY"
    if isinstance(node, dict):
        return "OBJECT"
    return "POJO"


def double_json(v: float) -> Any:
    """A float64 for orjson, as a Fragment wherever orjson's text would differ from Java's."""
    if 1e-3 <= abs(v) < 1e7 or v == 0.0:
        return v
    text = format_double(v)
    fragment = _NAN_TEXT.get(text)
    return fragment if fragment is not None else orjson.Fragment(text.encode("ascii"))


def float_json(v: float) -> Any:
    """A float32 as Java's ``Float.toString`` text."""
    text = format_float(v)
    fragment = _NAN_TEXT.get(text)
    return fragment if fragment is not None else orjson.Fragment(text.encode("ascii"))


def decimal_json(v: _decimal.Decimal) -> orjson.Fragment:
    """A NUMERIC decimal as ``BigDecimal.toString`` writes it."""
    if not v.is_finite():
        raise DataException(f"Invalid decimal value {v}")
    if v.is_zero() and v.is_signed():
        v = v.copy_abs()
    return orjson.Fragment(str(v).encode("ascii"))


def _b64(v: bytes | bytearray | memoryview) -> str:
    return base64.b64encode(v).decode("ascii")


def _unbase64(text: str, message: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise DataException(message) from e


def encode_schemaless(v: Any) -> Any:
    """A value without a schema, typed by its Python class as Java types it by its Java class."""
    t = type(v)
    if v is None or t is bool or t is int or t is str:
        return v
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, float):
        return double_json(float(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _b64(v)
    if isinstance(v, Struct):
        raise DataException("Mismatching schema.")
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {str.__str__(k): encode_schemaless(x) for k, x in v.items()}
        return [[encode_schemaless(k), encode_schemaless(x)] for k, x in v.items()]
    if isinstance(v, (list, tuple, set, frozenset)):
        return [encode_schemaless(x) for x in v]
    raise DataException(f"Java class {java_class(v)} does not have corresponding schema type.")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, dict):
        raise DataException(f"Map keys of type {type(key).__name__} are not supported")
    return key


def plain(node: Any) -> Any:
    """A schemaless JSON value as Java's convertToConnect(null, ...) gives it: exact decimals become floats."""
    if isinstance(node, _decimal.Decimal):
        return float(node)
    if isinstance(node, list):
        return [plain(n) for n in node]
    if isinstance(node, dict):
        return {k: plain(n) for k, n in node.items()}
    return node


def _wrap(value: int, bits: int) -> int:
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def _integral(node: Any, bits: int) -> int:
    """Jackson's ``intValue()``/``longValue()`` narrowed to ``bits``: non-numbers read as 0."""
    if type(node) is int:
        return _wrap(node, bits)
    if isinstance(node, (float, _decimal.Decimal)) and not isinstance(node, bool):
        if isinstance(node, float) and not math.isfinite(node):
            return 0
        return _wrap(int(node), bits)
    return 0


class JsonEncoding:
    """Connect values → JSON trees, for one converter's ``decimal.format`` and ``replace.null.with.default``."""

    def __init__(self, numeric_decimals: bool, replace_null_with_default: bool, cache_size: int) -> None:
        self.numeric_decimals = numeric_decimals
        self.replace_null_with_default = replace_null_with_default
        self._cache: LRUCache[Schema, Encoder] = LRUCache(cache_size)
        self._cores: LRUCache[Schema, Encoder] = LRUCache(cache_size)

    def encoder(self, schema: Schema | None) -> Encoder:
        """The function converting values of ``schema`` (with null and default handling)."""
        if schema is None:
            return encode_schemaless
        fn = self._cache.get(schema)
        if fn is None:
            fn = self._compile(schema)
            self._cache.put(schema, fn)
        return fn

    def encode_present(self, schema: Schema, value: Any) -> Any:
        """A non-null value of ``schema`` (what a schema's ``default`` is written with)."""
        return self.core(schema)(value)

    def core(self, schema: Schema) -> Encoder:
        """The function converting non-null values of ``schema`` (cached)."""
        fn = self._cores.get(schema)
        if fn is None:
            fn = self._core(schema)
            self._cores.put(schema, fn)
        return fn

    def _compile(self, schema: Schema) -> Encoder:
        core = self.core(schema)
        default = schema.default
        if default is not None and self.replace_null_with_default:

            def with_default(v: Any) -> Any:
                return core(default) if v is None else core(v)

            return with_default
        if schema.optional:

            def optional(v: Any) -> Any:
                return None if v is None else core(v)

            return optional

        def required(v: Any) -> Any:
            if v is None:
                raise DataException(REQUIRED_NULL)
            return core(v)

        return required

    def _core(self, schema: Schema) -> Encoder:
        name = schema.name
        if name == Decimal.LOGICAL_NAME:
            return self._decimal(schema)
        if name == Date.LOGICAL_NAME:
            return _date(schema)
        if name == Time.LOGICAL_NAME:
            return _time(schema)
        if name == Timestamp.LOGICAL_NAME:
            return _timestamp(schema)
        t = schema.type
        if t is SchemaType.ARRAY:
            element = self.encoder(schema.value_schema)

            def array(v: Any) -> Any:
                if isinstance(v, (list, tuple, set, frozenset)):
                    return [element(x) for x in v]
                raise _invalid(t, v)

            return array
        if t is SchemaType.MAP:
            return self._map(schema)
        if t is SchemaType.STRUCT:
            return self._struct(schema)
        return _PRIMITIVES[t]

    def _decimal(self, schema: Schema) -> Encoder:
        numeric = self.numeric_decimals
        scale = Decimal.scale(schema)

        def decimal(v: Any) -> Any:
            if type(v) is _PyDecimal and not numeric and scale >= 0:
                # The plain text of a decimal has exactly -exponent digits after the point; no "E" means plain.
                text = str(v)
                if scale:
                    if text[-scale - 1 : -scale] == "." and "E" not in text:
                        unscaled = int(text[: -scale - 1] + text[-scale:])
                        return _b2a(
                            unscaled.to_bytes(
                                (unscaled + (unscaled < 0)).bit_length() // 8 + 1, "big", signed=True
                            ),
                            newline=False,
                        ).decode("ascii")
                elif text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
                    unscaled = int(text)
                    return _b2a(
                        unscaled.to_bytes(
                            (unscaled + (unscaled < 0)).bit_length() // 8 + 1, "big", signed=True
                        ),
                        newline=False,
                    ).decode("ascii")
            if not isinstance(v, _decimal.Decimal):
                raise DataException(f"Invalid type for Decimal, expected BigDecimal but was {java_class(v)}")
            if numeric:
                return decimal_json(v)
            if v.as_tuple().exponent != -scale or not v.is_finite():
                return _b64(Decimal.from_logical(schema, v))  # raises Java's scale message
            unscaled = int(v.scaleb(scale, _EXACT))
            return _b64(
                unscaled.to_bytes((unscaled + (unscaled < 0)).bit_length() // 8 + 1, "big", signed=True)
            )

        return decimal

    def _map(self, schema: Schema) -> Encoder:
        key = self.encoder(schema.key_schema)
        value = self.encoder(schema.value_schema)
        t = schema.type
        if schema.key_schema is not None and schema.key_schema.type is SchemaType.STRING:

            def string_keys(v: Any) -> Any:
                if not isinstance(v, dict) or isinstance(v, Struct):
                    raise _invalid(t, v)
                out = {}
                for k, x in v.items():
                    text = key(k)
                    out["null" if text is None else text] = value(x)
                return out

            return string_keys

        def pairs(v: Any) -> Any:
            if not isinstance(v, dict) or isinstance(v, Struct):
                raise _invalid(t, v)
            return [[key(k), value(x)] for k, x in v.items()]

        return pairs

    def _struct(self, schema: Schema) -> Encoder:
        """A function generated for this struct schema: one dict display, no per-field loop.

        A field's value is written as it is when its Python type is the plain type of the field's schema
        (int for integers, str, bool, a float64 whose text orjson writes as Java does), or when it is None for an
        optional field without a default to put in its place; an aware datetime of a Timestamp field is turned
        into epoch milliseconds inline; anything else goes through the field's encoder.
        """
        assert schema.fields is not None
        env: dict[str, Any] = {
            "_Struct": Struct, "_isinstance": isinstance, "_invalid": _invalid, "_STRUCT": SchemaType.STRUCT,
            "_DataException": DataException, "_schema": schema, "_EPOCH": EPOCH, "_MS": _ONE_MS,
            "_datetime": _dt.datetime,
        }  # fmt: skip
        entries = []
        for i, f in enumerate(schema.fields):
            fs = f.schema
            logical = fs.name in _LOGICAL_NAMES
            plain_type = _PASS_THROUGH.get(fs.type) if not logical else None
            none_plain = fs.optional and (fs.default is None or not self.replace_null_with_default)
            # With None written inline, the core encoder does the rest (no second None check).
            env[f"_e{i}"] = self.core(fs) if none_plain else self.encoder(fs)
            tests = []  # (condition, value) in order; the first condition fetches the value
            if plain_type is not None:
                env[f"_t{i}"] = plain_type
                tests.append(("type({x}) is _t" + str(i), "x"))
            elif fs.type is SchemaType.FLOAT64 and not logical:
                tests.append(
                    ("type({x}) is float and (1e-3 <= x < 1e7 or -1e7 < x <= -1e-3 or x == 0.0)", "x")
                )
            if none_plain:
                tests.append(("{x} is None", "x"))
            if fs.name == Timestamp.LOGICAL_NAME:
                tests.append(("type({x}) is _datetime and x.tzinfo is not None", "(x - _EPOCH) // _MS"))
            if tests:
                value = f"_e{i}(x)"
                for n, (condition, result) in enumerate(reversed(tests)):
                    fetch = f"(x := g({f.name!r}))" if n == len(tests) - 1 else "x"
                    value = f"{result} if {condition.format(x=fetch)} else ({value})"
            else:
                value = f"_e{i}(g({f.name!r}))"
            entries.append(f"        {f.name!r}: ({value}),")
        source = "\n".join([
            "def struct(v):",
            "    if not _isinstance(v, _Struct):",
            "        raise _invalid(_STRUCT, v)",
            "    s = v.schema",
            "    if s is not _schema and s != _schema:",
            "        raise _DataException('Mismatching schema.')",
            "    g = v.get",
            "    return {",
            *entries,
            "    }",
        ])  # fmt: skip
        exec(compile(source, f"<json struct encoder {schema.name or ''}>", "exec"), env)
        fn: Encoder = env["struct"]
        return fn


def _invalid(t: SchemaType, v: Any) -> DataException:
    return DataException(f"Invalid type for {t.name}: {java_class(v)}")


def _integer_encoder(t: SchemaType) -> Encoder:
    def integer(v: Any) -> Any:
        if type(v) is int:
            return v
        if isinstance(v, int) and not isinstance(v, bool):
            return int(v)
        raise _invalid(t, v)

    return integer


def _float64(v: Any) -> Any:
    if type(v) is float:
        if 1e-3 <= abs(v) < 1e7 or v == 0.0:
            return v
        return double_json(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return double_json(float(v))
    raise _invalid(SchemaType.FLOAT64, v)


def _float32(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float_json(float(v))
    raise _invalid(SchemaType.FLOAT32, v)


def _boolean(v: Any) -> Any:
    if v is True or v is False:
        return v
    raise _invalid(SchemaType.BOOLEAN, v)


def _string(v: Any) -> Any:
    if type(v) is str:
        return v
    if isinstance(v, str):
        return str.__str__(v)
    raise _invalid(SchemaType.STRING, v)


def _bytes(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _b64(v)
    raise DataException(f"Invalid type for bytes type: {java_class(v)}")


# Schema names with their own encoding; other names (Debezium's io.debezium.time.ZonedTimestamp, ...) are encoded
# by type alone.
_LOGICAL_NAMES = frozenset(
    {Decimal.LOGICAL_NAME, Date.LOGICAL_NAME, Time.LOGICAL_NAME, Timestamp.LOGICAL_NAME}
)

# Values written unchanged when their type is exactly this (the rest go through the field's encoder).
_PASS_THROUGH: dict[SchemaType, type] = {
    SchemaType.INT8: int,
    SchemaType.INT16: int,
    SchemaType.INT32: int,
    SchemaType.INT64: int,
    SchemaType.BOOLEAN: bool,
    SchemaType.STRING: str,
}

_PRIMITIVES: dict[SchemaType, Encoder] = {
    SchemaType.INT8: _integer_encoder(SchemaType.INT8),
    SchemaType.INT16: _integer_encoder(SchemaType.INT16),
    SchemaType.INT32: _integer_encoder(SchemaType.INT32),
    SchemaType.INT64: _integer_encoder(SchemaType.INT64),
    SchemaType.FLOAT32: _float32,
    SchemaType.FLOAT64: _float64,
    SchemaType.BOOLEAN: _boolean,
    SchemaType.STRING: _string,
    SchemaType.BYTES: _bytes,
}


def _date(schema: Schema) -> Encoder:
    def date(v: Any) -> Any:
        if not isinstance(v, _dt.date):
            raise DataException(f"Invalid type for Date, expected Date but was {java_class(v)}")
        return Date.from_logical(schema, v)

    return date


def _time(schema: Schema) -> Encoder:
    def time(v: Any) -> Any:
        if isinstance(v, _dt.time):
            return Time.from_logical(schema, v)
        if isinstance(v, _dt.date):
            millis = _epoch_millis(v)
            if not 0 <= millis <= 86_400_000:
                raise DataException(
                    "Kafka Connect Time type should not have any date fields set to non-zero values."
                )
            return millis
        raise DataException(f"Invalid type for Time, expected Date but was {java_class(v)}")

    return time


def _timestamp(schema: Schema) -> Encoder:
    def timestamp(v: Any) -> Any:
        if isinstance(v, _dt.date):
            return _epoch_millis(v)
        if isinstance(v, _dt.time):
            return Time.from_logical(Time.SCHEMA, v)
        raise DataException(f"Invalid type for Timestamp, expected Date but was {java_class(v)}")

    return timestamp


def _epoch_millis(v: _dt.date) -> int:
    if isinstance(v, _dt.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, v)
    return Date.from_logical(Date.SCHEMA, v) * 86_400_000


# --- decoding ----------------------------------------------------------------------------------


class JsonDecoding:
    """JSON trees → Connect values of a schema, for one converter's ``replace.null.with.default``."""

    def __init__(self, replace_null_with_default: bool, cache_size: int) -> None:
        self.replace_null_with_default = replace_null_with_default
        self._cache: LRUCache[Schema, Decoder] = LRUCache(cache_size)

    def decoder(self, schema: Schema | None) -> Decoder:
        if schema is None:
            return plain
        fn = self._cache.get(schema)
        if fn is None:
            fn = self.compile(schema)
            self._cache.put(schema, fn)
        return fn

    def compile(self, schema: Schema) -> Decoder:
        """An uncached decoder (with null and default handling) for ``schema``."""
        core = self._core(schema)
        default = schema.default
        if default is not None and self.replace_null_with_default:

            def with_default(n: Any) -> Any:
                return default if n is None else core(n)

            return with_default
        if schema.optional:

            def optional(n: Any) -> Any:
                return None if n is None else core(n)

            return optional
        message = f"Invalid null value for required {schema.type.name} field"

        def required(n: Any) -> Any:
            if n is None:
                raise DataException(message)
            return core(n)

        return required

    def _core(self, schema: Schema) -> Decoder:
        name = schema.name
        if name == Decimal.LOGICAL_NAME:
            return _decode_decimal(schema)
        if name == Date.LOGICAL_NAME:
            return _decode_date(schema)
        if name == Time.LOGICAL_NAME:
            return _decode_time(schema)
        if name == Timestamp.LOGICAL_NAME:
            return _decode_timestamp(schema)
        t = schema.type
        if t is SchemaType.ARRAY:
            element = self.decoder(schema.value_schema)

            def array(n: Any) -> Any:
                if type(n) is list:
                    return [element(x) for x in n]
                if type(n) is dict:
                    return [element(x) for x in n.values()]
                return []

            return array
        if t is SchemaType.MAP:
            return self._map(schema)
        if t is SchemaType.STRUCT:
            return self._struct(schema)
        return _DECODERS[t]

    def _map(self, schema: Schema) -> Decoder:
        value = self.decoder(schema.value_schema)
        if schema.key_schema is not None and schema.key_schema.type is SchemaType.STRING:

            def string_keys(n: Any) -> Any:
                if type(n) is not dict:
                    raise DataException(
                        f"Maps with string fields should be encoded as JSON objects, but found {node_type(n)}"
                    )
                return {k: value(x) for k, x in n.items()}

            return string_keys
        key = self.decoder(schema.key_schema)

        def pairs(n: Any) -> Any:
            if type(n) is not list:
                raise DataException(
                    f"Maps with non-string fields should be encoded as JSON array of tuples, but found {node_type(n)}"
                )
            out: dict[Any, Any] = {}
            for entry in n:
                if type(entry) is not list:
                    raise DataException(f"Found invalid map entry instead of array tuple: {node_type(entry)}")
                if len(entry) != 2:
                    raise DataException(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
                k = _hashable(key(entry[0]))
                try:
                    out[k] = value(entry[1])
                except TypeError as e:
                    raise DataException(f"Map keys of type {type(k).__name__} are not supported") from e
            return out

        return pairs

    def _struct(self, schema: Schema) -> Decoder:
        """A function generated for this struct schema: one statement per field, then one dict display.

        A field's JSON value is kept as it is when its type is already the field's Python type (str for
        strings, float for float64, bool, an int within the field's range); a Timestamp of years 1833 to 2106
        is converted inline; anything else goes through the field's decoder. Errors are Java's, in its order:
        the first field that cannot be decoded, then the first required field left null.
        """
        assert schema.fields is not None
        env: dict[str, Any] = {
            "_new": Struct.__new__, "_Struct": Struct, "_schema": schema, "_update": dict.update,
            "_DataException": DataException, "_node_type": node_type, "_fromtimestamp": _dt.datetime.fromtimestamp,
            "_UTC": _dt.UTC,
        }  # fmt: skip
        body: list[str] = []
        checks: list[str] = []
        entries: list[str] = []
        for i, f in enumerate(schema.fields):
            fs = f.schema
            x = f"x{i}"
            env[f"_d{i}"] = self.decoder(fs)
            body.append(f"    {x} = g({f.name!r})")
            test = _kept_test(fs, x)
            if test is not None:
                body.append(f"    if not ({test}):")
                body.append(f"        {x} = _d{i}({x})")
            elif fs.name == Timestamp.LOGICAL_NAME:
                body.append(
                    f"    if type({x}) is int and {-_FLOAT_SECONDS_EXACT} < {x} < {_FLOAT_SECONDS_EXACT}:"
                )
                body.append(f"        {x} = _fromtimestamp({x} / 1000, _UTC)")
                body.append("    else:")
                body.append(f"        {x} = _d{i}({x})")
            else:
                body.append(f"    {x} = _d{i}({x})")
            if not fs.optional and fs.type in (
                SchemaType.STRING,
                SchemaType.BYTES,
            ):  # their decoders may give None
                message = (
                    f'Invalid value: null used for required field: "{f.name}", schema type: {fs.type.name}'
                )
                checks.append(f"    if {x} is None:")
                checks.append(f"        raise _DataException({message!r})")
            entries.append(f"{f.name!r}: {x}")
        source = "\n".join([
            "def struct(n):",
            "    if type(n) is not dict:",
            "        raise _DataException('Structs should be encoded as JSON objects, but found ' + _node_type(n))",
            "    g = n.get",
            *body,
            *checks,
            "    s = _new(_Struct)",
            "    s.schema = _schema",
            "    _update(s, {" + ", ".join(entries) + "})",
            "    return s",
        ])  # fmt: skip
        exec(compile(source, f"<json struct decoder {schema.name or ''}>", "exec"), env)
        fn: Decoder = env["struct"]
        return fn


def _kept_test(schema: Schema, x: str) -> str | None:
    """The inline test under which JSON value ``x`` already is the value of a field of ``schema`` (or None)."""
    if schema.name in _LOGICAL_NAMES:
        return None
    kept = _KEPT.get(schema.type)
    if kept is not None:
        return f"type({x}) is {kept.__name__}"
    bits = _INT_BITS.get(schema.type)
    if bits is not None:
        return f"type({x}) is int and {-(1 << (bits - 1))} <= {x} <= {(1 << (bits - 1)) - 1}"
    return None


def _decode_bool(n: Any) -> Any:
    return n is True


def _int_decoder(bits: int) -> Decoder:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def integer(n: Any) -> Any:
        if type(n) is int and lo <= n <= hi:
            return n
        return _integral(n, bits)

    return integer


def _decode_float32(n: Any) -> Any:
    if isinstance(n, (int, float, _decimal.Decimal)) and not isinstance(n, bool):
        return to_float32(float(n))
    return 0.0


def _decode_float64(n: Any) -> Any:
    if type(n) is float:
        return n
    if isinstance(n, (int, float, _decimal.Decimal)) and not isinstance(n, bool):
        try:
            return float(n)
        except OverflowError:
            return math.copysign(math.inf, n)
    return 0.0


def _decode_string(n: Any) -> Any:
    return n if type(n) is str else None


def _decode_bytes(n: Any) -> Any:
    if type(n) is str:
        return _unbase64(n, "Invalid bytes field")
    return None


# JSON values taken as they are when their type is exactly this (the rest go through the field's decoder).
_KEPT: dict[SchemaType, type] = {SchemaType.BOOLEAN: bool, SchemaType.STRING: str, SchemaType.FLOAT64: float}
_INT_BITS: dict[SchemaType, int] = {
    SchemaType.INT8: 8,
    SchemaType.INT16: 16,
    SchemaType.INT32: 32,
    SchemaType.INT64: 64,
}
_ONE_MS = _dt.timedelta(milliseconds=1)
# Epoch milliseconds a Timestamp decodes inline as fromtimestamp(ms / 1000, UTC): below 2**32 seconds a double's
# error is under 0.24 µs, so CPython's rounding to whole microseconds gives EPOCH + timedelta(milliseconds=ms)
# exactly (years 1833 to 2106); other values take the decoder.
_FLOAT_SECONDS_EXACT = 2**32 * 1000

_DECODERS: dict[SchemaType, Decoder] = {
    SchemaType.BOOLEAN: _decode_bool,
    SchemaType.INT8: _int_decoder(8),
    SchemaType.INT16: _int_decoder(16),
    SchemaType.INT32: _int_decoder(32),
    SchemaType.INT64: _int_decoder(64),
    SchemaType.FLOAT32: _decode_float32,
    SchemaType.FLOAT64: _decode_float64,
    SchemaType.STRING: _decode_string,
    SchemaType.BYTES: _decode_bytes,
}


def _decode_decimal(schema: Schema) -> Decoder:
    def decimal(n: Any) -> Any:
        if type(n) is int:
            return _decimal.Decimal(n)
        if type(n) is _decimal.Decimal:
            return n
        if type(n) is float:
            raise NeedExactNumbers()
        if type(n) is str:
            return Decimal.to_logical(schema, _unbase64(n, "Invalid bytes for Decimal field"))
        raise DataException(
            f"Invalid type for Decimal, underlying representation should be numeric or bytes but was {node_type(n)}"
        )

    return decimal


def _is_int(n: Any) -> bool:
    return type(n) is int and -(2**31) <= n < 2**31


def _decode_date(schema: Schema) -> Decoder:
    def date(n: Any) -> Any:
        if not _is_int(n):
            raise DataException(
                f"Invalid type for Date, underlying representation should be integer but was {node_type(n)}"
            )
        try:
            return Date.to_logical(schema, n)
        except OverflowError as e:
            raise DataException(f"Date value {n} is out of range") from e

    return date


def _decode_time(schema: Schema) -> Decoder:
    def time(n: Any) -> Any:
        if not _is_int(n):
            raise DataException(
                f"Invalid type for Time, underlying representation should be integer but was {node_type(n)}"
            )
        return Time.to_logical(schema, n)

    return time


def _decode_timestamp(schema: Schema) -> Decoder:
    def timestamp(n: Any) -> Any:
        if type(n) is not int:
            raise DataException(
                f"Invalid type for Timestamp, underlying representation should be integral but was {node_type(n)}"
            )
        try:
            return Timestamp.to_logical(schema, _wrap(n, 64))
        except OverflowError as e:
            raise DataException(f"Timestamp value {n} is out of range") from e

    return timestamp
