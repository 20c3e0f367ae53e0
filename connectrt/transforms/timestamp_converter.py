"""TimestampConverter$Key / $Value: converts timestamps between string, unix, Date, Time and Timestamp."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.connector import ConnectException
from connectrt.api.data import (
    EPOCH,
    EPOCH_DATE,
    DataException,
    Date,
    Schema,
    SchemaBuilder,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)
from connectrt.api.plugin import Transformation
from connectrt.api.values import java_class, schema_str
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
    ValidString,
)
from connectrt.transforms.simple_date_format import ParseException, SimpleDateFormat
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    SchemaCache,
    copy_schema_basics,
    make_struct,
    require_map,
    require_struct_or_null,
)

FIELD_CONFIG = "field"
TARGET_TYPE_CONFIG = "target.type"
FORMAT_CONFIG = "format"
UNIX_PRECISION_CONFIG = "unix.precision"
PURPOSE = "converting timestamp formats"

TYPE_STRING = "string"
TYPE_UNIX = "unix"
TYPE_DATE = "Date"
TYPE_TIME = "Time"
TYPE_TIMESTAMP = "Timestamp"
UNIX_PRECISION_MILLIS = "milliseconds"
UNIX_PRECISION_MICROS = "microseconds"
UNIX_PRECISION_NANOS = "nanoseconds"
UNIX_PRECISION_SECONDS = "seconds"

OPTIONAL_DATE_SCHEMA = Date.builder().optional().build()
OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build()
OPTIONAL_TIME_SCHEMA = Time.builder().optional().build()

CONFIG_DEF = (
    ConfigDef()
    .define(
        FIELD_CONFIG,
        Type.STRING,
        "",
        None,
        Importance.HIGH,
        "The field containing the timestamp, or empty if the entire value is a timestamp",
    )
    .define(
        TARGET_TYPE_CONFIG,
        Type.STRING,
        NO_DEFAULT_VALUE,
        ValidString.in_(TYPE_STRING, TYPE_UNIX, TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP),
        Importance.HIGH,
        "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
    )
    .define(
        FORMAT_CONFIG,
        Type.STRING,
        "",
        None,
        Importance.MEDIUM,
        "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string "
        "or used to parse the input if the input is a string.",
    )
    .define(
        UNIX_PRECISION_CONFIG,
        Type.STRING,
        UNIX_PRECISION_MILLIS,
        ValidString.in_(
            UNIX_PRECISION_NANOS, UNIX_PRECISION_MICROS, UNIX_PRECISION_MILLIS, UNIX_PRECISION_SECONDS
        ),
        Importance.LOW,
        "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. "
        "Used to generate the output when type=unix or used to parse the input if the input is a Long."
        "Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.",
    )
    .define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        Type.BOOLEAN,
        True,
        None,
        Importance.MEDIUM,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
)

MILLIS_PER_DAY = 86_400_000
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
# Unix precision → (multiplier to millis, divisor to millis); Java's TimeUnit conversions.
_TO_MILLIS = {
    UNIX_PRECISION_SECONDS: (1000, 1),
    UNIX_PRECISION_MILLIS: (1, 1),
    UNIX_PRECISION_MICROS: (1, 1000),
    UNIX_PRECISION_NANOS: (1, 1_000_000),
}


def _saturate(value: int) -> int:
    return LONG_MAX if value > LONG_MAX else LONG_MIN if value < LONG_MIN else value


def _truncating_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def _millis_of(value: Any) -> int:
    """Epoch millis of a Date/Time/Timestamp value (Java's java.util.Date)."""
    if isinstance(value, _dt.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, value)
    if isinstance(value, _dt.date):
        return Date.from_logical(Date.SCHEMA, value) * MILLIS_PER_DAY
    return Time.from_logical(Time.SCHEMA, value)


class TimestampConverter(Transformation[R]):
    """Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.

    Applies to individual fields or to the entire value. Strings are formatted and parsed in UTC with a
    Java SimpleDateFormat pattern. Use TimestampConverter$Key or TimestampConverter$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._field = ""
        self._type = TYPE_TIMESTAMP
        self._format: SimpleDateFormat | None = None
        self._precision = UNIX_PRECISION_MILLIS
        self._replace_null_with_default = True
        self._schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._field = values[FIELD_CONFIG]
        self._type = values[TARGET_TYPE_CONFIG]
        pattern = values[FORMAT_CONFIG]
        self._precision = values[UNIX_PRECISION_CONFIG]
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._schemas = SchemaCache()
        blank = pattern is None or not pattern.strip()
        if self._type == TYPE_STRING and blank:
            raise ConfigException(
                "TimestampConverter requires format option to be specified when using string timestamps"
            )
        self._format = None
        if not blank:
            try:
                self._format = SimpleDateFormat(pattern)
            except ValueError:
                raise ConfigException(
                    "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: "
                    + pattern
                )

    # --- translators: (value → epoch millis) and (epoch millis → value) per type -------------------
    def _to_raw(self, source_type: str, value: Any) -> int:
        if source_type == TYPE_STRING:
            if not isinstance(value, str):
                raise DataException(
                    f"Expected string timestamp to be a String, but found {java_class(value)}"
                )
            if self._format is None:
                raise DataException("TimestampConverter needs the format option to parse string timestamps")
            try:
                return self._format.parse(value)
            except ParseException:
                raise DataException(
                    f"Could not parse timestamp: value ({value}) does not match pattern ({self._format.to_pattern()})"
                )
        if source_type == TYPE_UNIX:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataException(f"Expected Unix timestamp to be a Long, but found {java_class(value)}")
            multiplier, divisor = _TO_MILLIS[self._precision]
            return _saturate(value * multiplier) if multiplier != 1 else _truncating_div(value, divisor)
        if not isinstance(value, (_dt.date, _dt.time)):
            raise DataException(
                f"Expected {source_type} to be a java.util.Date, but found {java_class(value)}"
            )
        return _millis_of(value)

    def _to_type(self, millis: int) -> Any:
        target = self._type
        try:
            if target == TYPE_TIMESTAMP:
                return EPOCH + _dt.timedelta(milliseconds=millis)
            if target == TYPE_UNIX:
                multiplier, divisor = _TO_MILLIS[self._precision]
                return _truncating_div(millis, multiplier) if multiplier != 1 else _saturate(millis * divisor)
            if target == TYPE_DATE:
                return EPOCH_DATE + _dt.timedelta(days=millis // MILLIS_PER_DAY)
            if target == TYPE_TIME:
                return Time.to_logical(Time.SCHEMA, millis % MILLIS_PER_DAY)
        except OverflowError:
            raise DataException(f"Timestamp {millis} is outside the range of {target} values")
        assert self._format is not None
        return self._format.format(millis)

    def _type_schema(self, optional: bool) -> Schema:
        target = self._type
        if target == TYPE_STRING:
            return Schema.OPTIONAL_STRING_SCHEMA if optional else Schema.STRING_SCHEMA
        if target == TYPE_UNIX:
            return Schema.OPTIONAL_INT64_SCHEMA if optional else Schema.INT64_SCHEMA
        if target == TYPE_DATE:
            return OPTIONAL_DATE_SCHEMA if optional else Date.SCHEMA
        if target == TYPE_TIME:
            return OPTIONAL_TIME_SCHEMA if optional else Time.SCHEMA
        return OPTIONAL_TIMESTAMP_SCHEMA if optional else Timestamp.SCHEMA

    def convert(self, value: Any, source_type: str | None = None) -> Any:
        """``value`` in the target representation; the source type is inferred when not given."""
        if value is None:
            return None
        if source_type is None:
            source_type = _infer_type(value)
        return self._to_type(self._to_raw(source_type, value))

    # --- the transform -------------------------------------------------------------------------------
    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        updated: Any
        if schema is None:
            updated_schema = None
            if value is None or not self._field:
                updated = self.convert(value)
            else:
                mapping = require_map(value, PURPOSE)
                updated = dict(mapping)
                updated[self._field] = self.convert(mapping.get(self._field))
        elif not self._field:
            updated_schema = self._type_schema(schema.optional)
            updated = self.convert(value, type_from_schema(schema))
        else:
            struct = require_struct_or_null(value, PURPOSE)
            updated_schema = self._schemas.get(schema)
            if updated_schema is None:
                updated_schema = self._schemas.put(schema, self._updated_schema(schema))
            updated = self._convert_struct(struct, updated_schema)
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated)

    def _updated_schema(self, schema: Schema) -> Schema:
        assert schema.fields is not None
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if field.name == self._field:
                builder.field(field.name, self._type_schema(field.schema.optional))
            else:
                builder.field(field.name, field.schema)
        if schema.optional:
            builder.optional()
        if isinstance(schema.default, Struct):
            # The default is a Struct of the schema as built so far (without its default), as in Java.
            builder.default_value(self._convert_struct(schema.default, builder.build()))
        return builder.build()

    def _convert_struct(self, struct: Struct | None, updated_schema: Schema) -> Struct | None:
        if struct is None:
            return None
        assert struct.schema.fields is not None
        items = []
        for field in struct.schema.fields:
            v = struct[field.name]
            if v is None and self._replace_null_with_default:
                v = field.schema.default
            if field.name == self._field:
                v = self.convert(v, type_from_schema(field.schema))
            items.append((field.name, v))
        return make_struct(updated_schema, items)

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._schemas.clear()


def type_from_schema(schema: Schema) -> str:
    """The timestamp representation a schema stands for (Java's timestampTypeFromSchema)."""
    if schema.name == Timestamp.LOGICAL_NAME:
        return TYPE_TIMESTAMP
    if schema.name == Date.LOGICAL_NAME:
        return TYPE_DATE
    if schema.name == Time.LOGICAL_NAME:
        return TYPE_TIME
    if schema.type is SchemaType.STRING:
        return TYPE_STRING
    if schema.type is SchemaType.INT64:
        return TYPE_UNIX
    raise ConnectException(
        f"Schema {schema_str(schema)} does not correspond to a known timestamp type format"
    )


def _infer_type(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.time)):
        return TYPE_TIMESTAMP
    if isinstance(value, int) and not isinstance(value, bool):
        return TYPE_UNIX
    if isinstance(value, str):
        return TYPE_STRING
    raise DataException(f"TimestampConverter does not support {java_class(value)} objects as timestamps")


class TimestampConverterKey(TimestampConverter[R]):
    """TimestampConverter on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.TimestampConverter$Key",)
    _IS_KEY = True


class TimestampConverterValue(TimestampConverter[R]):
    """TimestampConverter on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.TimestampConverter$Value",)
    _IS_KEY = False
