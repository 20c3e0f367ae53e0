"""Connect values -> BigQuery row values (Java's BigQueryRecordConverter and logical converters).

Two flavours: ``JSON`` rows for ``tabledata.insertAll`` (dates, times and timestamps as Java's
strings, bytes as base64), and ``PROTO`` rows for the Storage Write API (timestamps as epoch
microseconds, dates as epoch days, bytes raw). A converter is compiled once per Connect schema and
applied in a tight loop; null fields are left out of the row, as Java does.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
from collections.abc import Callable, Mapping
from typing import Any

from connectrt.api.data import Schema, SchemaType

from connectrt_bigquery.errors import ConversionError
from connectrt_bigquery.schema import LOGICAL_TYPES, MAP_KEY, MAP_VALUE, sanitize_name

JSON = "json"
PROTO = "proto"

Convert = Callable[[Any], Any]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_DOUBLE_MAX = 1.7976931348623157e308
_DOUBLE_MIN = 5e-324
_DAY_US = 86_400_000_000


def _micros_to_datetime(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def _ts_millis_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def _ts_micros_text(micros: int) -> str:
    d = _micros_to_datetime(micros)
    return d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond:06d}"


def _time_text(micros_of_day: int, digits: int) -> str:
    micros_of_day %= _DAY_US
    seconds, frac = divmod(micros_of_day, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = f"{frac:06d}" if digits == 6 else f"{frac // 1000:03d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{fraction}"


def _connect_time_micros(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _datetime_micros(value: dt.datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _zoned_micros(text: str) -> int:
    return _datetime_micros(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))


def _logical(name: str, flavour: str, debezium_ts_as_int: bool) -> Convert:
    """The converter of one logical type (the schema name was checked against LOGICAL_TYPES)."""
    json = flavour == JSON
    if name == "org.apache.kafka.connect.data.Date":
        return (lambda v: v.isoformat()) if json else (lambda v: (v - _EPOCH_DATE).days)
    if name == "io.debezium.time.Date":
        return (lambda v: (_EPOCH_DATE + dt.timedelta(days=v)).isoformat()) if json else int
    if name == "org.apache.kafka.connect.data.Decimal":
        return float
    if name == "org.apache.kafka.connect.data.Timestamp":
        return _ts_millis_text if json else _datetime_micros
    if name == "io.debezium.time.Timestamp":
        if debezium_ts_as_int:
            return int if json else (lambda v: v * 1000)
        return (lambda v: _ts_millis_text(_micros_to_datetime(v * 1000))) if json else (lambda v: v * 1000)
    if name == "io.debezium.time.MicroTimestamp":
        return _ts_micros_text if json else int
    if name == "io.debezium.time.ZonedTimestamp":
        return (lambda v: v.replace("T", " ", 1)) if json else _zoned_micros
    if name == "org.apache.kafka.connect.data.Time":
        return lambda v: _time_text(_connect_time_micros(v), 3 if json else 6)
    if name == "io.debezium.time.Time":
        return lambda v: _time_text(v * 1000, 3 if json else 6)
    if name == "io.debezium.time.MicroTime":
        return lambda v: _time_text(v, 6)
    raise ConversionError(f"Unsupported logical type {name}")  # pragma: no cover - guarded by caller


def _bytes(flavour: str) -> Convert:
    if flavour == PROTO:
        return bytes
    return lambda v: base64.b64encode(v).decode("ascii")


def _special_double(value: float) -> float:
    if value == math.inf:
        return _DOUBLE_MAX
    if value == -math.inf or value != value:
        return _DOUBLE_MIN
    return value


class ValueConverter:
    """Compiles and caches one converter per Connect schema."""

    def __init__(
        self,
        flavour: str = JSON,
        convert_double_special: bool = False,
        debezium_ts_as_int: bool = False,
        sanitize: bool = False,
    ) -> None:
        self.flavour = flavour
        self.convert_double_special = convert_double_special
        self.debezium_ts_as_int = debezium_ts_as_int
        self.sanitize = sanitize
        self._structs: dict[Schema, Convert] = {}

    def record(self, schema: Schema | None, value: Any) -> dict[str, Any]:
        """The row of a record value (or key): a STRUCT with a schema, or a schemaless map."""
        if schema is None:
            if isinstance(value, Mapping):
                converted = self._schemaless(value)
                assert isinstance(converted, dict)
                return converted
            raise ConversionError(
                "Only Map objects supported in absence of schema for record conversion to BigQuery format."
            )
        if schema.type is not SchemaType.STRUCT:
            raise ConversionError("Top-level Kafka Connect schema must be of type 'struct'")
        convert = self._structs.get(schema)
        if convert is None:
            convert = self._compile_struct(schema)
            self._structs[schema] = convert
        result = convert(value)
        assert isinstance(result, dict)
        return result

    # --- compilation -------------------------------------------------------------------------
    def _compile(self, schema: Schema, label: str) -> Convert | None:
        """None means "the value is used as is"."""
        logical = LOGICAL_TYPES.get(schema.name or "")
        if logical is not None:
            if schema.type is not logical[0]:
                raise ConversionError(
                    f"Logical Type {schema.name} must be encoded as {logical[0]}; instead, found {schema.type}"
                )
            return _logical(schema.name or "", self.flavour, self.debezium_ts_as_int)
        t = schema.type
        if t is SchemaType.STRUCT:
            return self._compile_struct(schema)
        if t is SchemaType.ARRAY:
            assert schema.value_schema is not None
            element = self._compile(schema.value_schema, label)
            element_schema = schema.value_schema
            if element is None:
                return list

            def array(values: Any) -> list[Any]:
                return [_required(element_schema, label) if v is None else element(v) for v in values]

            return array
        if t is SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            key_fn = self._compile(schema.key_schema, label) or _same
            value_fn = self._compile(schema.value_schema, label) or _same
            value_optional = schema.value_schema.optional

            def entries(mapping: Any) -> list[dict[str, Any]]:
                out = []
                for k, v in mapping.items():
                    entry = {MAP_KEY: key_fn(k)}
                    if v is not None:
                        entry[MAP_VALUE] = value_fn(v)
                    elif not value_optional:
                        _required(schema.value_schema, label)  # type: ignore[arg-type]
                    out.append(entry)
                return out

            return entries
        if t is SchemaType.BYTES:
            return _bytes(self.flavour)
        if t in (SchemaType.FLOAT64, SchemaType.FLOAT32) and self.convert_double_special:
            return _special_double
        return None

    def _compile_struct(self, schema: Schema) -> Convert:
        plan: list[tuple[str, str, Convert | None, bool]] = []
        for field in schema.fields or ():
            fs = field.schema
            if fs.type is SchemaType.STRUCT and not fs.fields:
                continue  # an empty struct has no column
            out = sanitize_name(field.name) if self.sanitize else field.name
            plan.append((field.name, out, self._compile(fs, field.name), fs.optional))
        passthrough = all(fn is None and name == out for name, out, fn, _ in plan)
        required = [(name, optional) for name, _, _, optional in plan if not optional]

        if passthrough:

            def plain(value: Any) -> dict[str, Any]:
                row = {k: v for k, v in value.items() if v is not None}
                if len(row) < len(plan):
                    for name, _ in required:
                        if row.get(name) is None:
                            _required_field(name)
                return row

            return plain

        def struct(value: Any) -> dict[str, Any]:
            row: dict[str, Any] = {}
            get = value.get
            for name, out, fn, optional in plan:
                v = get(name)
                if v is None:
                    if not optional:
                        _required_field(name)
                    continue
                row[out] = v if fn is None else fn(v)
            return row

        return struct

    def _schemaless(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return _special_double(value) if self.convert_double_special else value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _bytes(self.flavour)(bytes(value))
        if isinstance(value, decimal.Decimal):
            return float(value)
        if isinstance(value, (list, tuple)):
            return [self._schemaless(v) for v in value]
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise ConversionError(
                        "Failed to convert record to bigQuery format: Map objects in absence of schema needs "
                        "to have string value keys. "
                    )
                out[sanitize_name(k) if self.sanitize else k] = self._schemaless(v)
            return out
        raise ConversionError(
            f"Unsupported class {type(value).__name__} found in schemaless record data. Can't convert record "
            "to bigQuery format"
        )


def _same(value: Any) -> Any:
    return value


def _required(schema: Schema, label: str) -> Any:
    if schema.optional:
        return None
    raise ConversionError(f"{label} is not optional, but converting object had null value")


def _required_field(name: str) -> None:
    raise ConversionError(f"{name} is not optional, but converting object had null value")
