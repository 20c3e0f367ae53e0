"""TimestampConverter$Key / $Value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectrt.api.connector import ConnectException
from connectrt.api.data import DataException, Date, Schema, SchemaBuilder, Struct, Time, Timestamp
from connectrt.config.configdef import ConfigException
from connectrt.transforms.timestamp_converter import (
    OPTIONAL_DATE_SCHEMA,
    OPTIONAL_TIME_SCHEMA,
    OPTIONAL_TIMESTAMP_SCHEMA,
    TimestampConverterKey,
    TimestampConverterValue,
)

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

VARIANTS = [(TimestampConverterKey, True), (TimestampConverterValue, False)]
FMT = "yyyy MM dd HH mm ss SSS z"
DATE_PLUS_TIME = dt.datetime(1970, 1, 2, 0, 0, 1, 234000, tzinfo=dt.UTC)
DATE_PLUS_TIME_UNIX = 86_401_234
DATE_PLUS_TIME_STRING = "1970 01 02 00 00 01 234 UTC"
DATE = dt.date(1970, 1, 2)
TIME = dt.time(0, 0, 1, 234000)

# target type → (the converted DATE_PLUS_TIME, schema, optional schema)
TARGETS: dict[str, tuple[Any, Schema, Schema]] = {
    "Timestamp": (DATE_PLUS_TIME, Timestamp.SCHEMA, OPTIONAL_TIMESTAMP_SCHEMA),
    "Date": (DATE, Date.SCHEMA, OPTIONAL_DATE_SCHEMA),
    "Time": (TIME, Time.SCHEMA, OPTIONAL_TIME_SCHEMA),
    "unix": (DATE_PLUS_TIME_UNIX, Schema.INT64_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA),
    "string": (DATE_PLUS_TIME_STRING, Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA),
}
# source representations of DATE_PLUS_TIME, with their schemas
SOURCES: list[tuple[Any, Schema]] = [
    (DATE_PLUS_TIME, Timestamp.SCHEMA),
    (DATE_PLUS_TIME_UNIX, Schema.INT64_SCHEMA),
    (DATE_PLUS_TIME_STRING, Schema.STRING_SCHEMA),
]


def converter(cls: type, target: str, **extra: Any) -> Any:
    return configure(cls, {"target.type": target, "format": FMT, **extra})


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(("source_value", "source_schema"), SOURCES, ids=["Timestamp", "unix", "string"])
def test_whole_value(cls: type, is_key: bool, target: str, source_value: Any, source_schema: Schema) -> None:
    expected, expected_schema, _ = TARGETS[target]
    xform = converter(cls, target)
    assert operating(xform.apply(part(is_key, None, source_value)), is_key) == (None, expected)
    assert operating(xform.apply(part(is_key, source_schema, source_value)), is_key) == (
        expected_schema,
        expected,
    )


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_date_and_time_sources(cls: type, is_key: bool) -> None:
    xform = converter(cls, "Timestamp")
    midnight = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
    assert operating(xform.apply(part(is_key, Date.SCHEMA, DATE)), is_key) == (Timestamp.SCHEMA, midnight)
    time_of_day = dt.datetime(1970, 1, 1, 0, 0, 1, 234000, tzinfo=dt.UTC)
    assert operating(xform.apply(part(is_key, Time.SCHEMA, TIME)), is_key) == (Timestamp.SCHEMA, time_of_day)
    assert operating(xform.apply(part(is_key, None, DATE)), is_key) == (None, midnight)
    unix = converter(cls, "unix")
    assert operating(unix.apply(part(is_key, Date.SCHEMA, DATE)), is_key) == (Schema.INT64_SCHEMA, 86_400_000)


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_nulls(cls: type, is_key: bool, target: str) -> None:
    _, _, optional_schema = TARGETS[target]
    xform = converter(cls, target)
    assert operating(xform.apply(part(is_key, None, None)), is_key) == (None, None)
    assert operating(xform.apply(part(is_key, OPTIONAL_TIMESTAMP_SCHEMA, None)), is_key) == (
        optional_schema,
        None,
    )
    by_field = converter(cls, target, field="ts")
    assert operating(by_field.apply(part(is_key, None, None)), is_key) == (None, None)
    struct = (
        SchemaBuilder.struct().field("ts", OPTIONAL_TIMESTAMP_SCHEMA).field("other", Schema.STRING_SCHEMA)
    )
    struct_schema = struct.build()
    out_schema, out = operating(
        by_field.apply(part(is_key, struct_schema, Struct(struct_schema, {"other": "test"}))), is_key
    )
    expected = SchemaBuilder.struct().field("ts", optional_schema).field("other", Schema.STRING_SCHEMA)
    assert out_schema == expected.build()
    assert out == Struct(out_schema, {"ts": None, "other": "test"})
    optional_struct = struct.optional().build()
    assert operating(by_field.apply(part(is_key, optional_struct, None)), is_key) == (
        expected.optional().build(),
        None,
    )


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_field_conversion(cls: type, is_key: bool) -> None:
    xform = converter(cls, "Date", field="ts")
    _, out = operating(xform.apply(part(is_key, None, {"ts": DATE_PLUS_TIME, "other": 1})), is_key)
    assert out == {"ts": DATE, "other": 1}
    schema = (
        SchemaBuilder.struct()
        .name("r")
        .version(2)
        .field("ts", Schema.INT64_SCHEMA)
        .field("other", Schema.STRING_SCHEMA)
        .build()
    )
    stamp = converter(cls, "Timestamp", field="ts")
    out_schema, out = operating(
        stamp.apply(part(is_key, schema, Struct(schema, {"ts": DATE_PLUS_TIME_UNIX, "other": "test"}))),
        is_key,
    )
    assert (
        out_schema
        == SchemaBuilder.struct()
        .name("r")
        .version(2)
        .field("ts", Timestamp.SCHEMA)
        .field("other", Schema.STRING_SCHEMA)
        .build()
    )
    assert out == Struct(out_schema, {"ts": DATE_PLUS_TIME, "other": "test"})
    assert (
        operating(stamp.apply(part(is_key, schema, Struct(schema, {"ts": 1, "other": "x"}))), is_key)[0]
        is out_schema
    )


@pytest.mark.parametrize(
    ("replace_null_with_default", "expected"), [(False, None), (True, dt.datetime(1970, 1, 1, tzinfo=dt.UTC))]
)
def test_null_field_with_default(replace_null_with_default: bool, expected: Any) -> None:
    xform = converter(
        TimestampConverterValue,
        "Timestamp",
        field="ts",
        **{"replace.null.with.default": replace_null_with_default},
    )
    ts_schema = SchemaBuilder.int64().optional().default_value(0).build()
    schema = SchemaBuilder.struct().field("ts", ts_schema).field("other", Schema.STRING_SCHEMA).build()
    out_schema, out = operating(xform.apply(part(False, schema, Struct(schema, {"other": "test"}))), False)
    assert out_schema.field("ts").schema == OPTIONAL_TIMESTAMP_SCHEMA
    assert out.get_without_default("ts") == expected


def test_struct_default_is_converted() -> None:
    inner = SchemaBuilder.struct().field("ts", Schema.INT64_SCHEMA).optional()
    default = Struct(inner.build(), {"ts": 0})
    schema = inner.default_value(default).build()
    xform = converter(TimestampConverterValue, "Timestamp", field="ts")
    out_schema, _ = operating(xform.apply(part(False, schema, Struct(schema, {"ts": 5}))), False)
    assert out_schema.optional
    assert out_schema.default["ts"] == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("precision", "unix", "millis"),
    [
        ("seconds", 86_401, 86_401_000),
        ("milliseconds", 86_401_234, 86_401_234),
        ("microseconds", 86_401_234_123, 86_401_234),
        ("nanoseconds", 86_401_234_123_456, 86_401_234),
        ("microseconds", -1_500, -1),  # Java's TimeUnit conversions truncate toward zero
    ],
)
def test_unix_precision(precision: str, unix: int, millis: int) -> None:
    to_stamp = converter(TimestampConverterValue, "Timestamp", **{"unix.precision": precision})
    stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=millis)
    assert operating(to_stamp.apply(part(False, None, unix)), False) == (None, stamp)
    to_unix = converter(TimestampConverterValue, "unix", **{"unix.precision": precision})
    back = operating(to_unix.apply(part(False, Timestamp.SCHEMA, stamp)), False)[1]
    assert (
        back
        == {
            "seconds": millis // 1000 if millis >= 0 else -(-millis // 1000),
            "milliseconds": millis,
            "microseconds": millis * 1000,
            "nanoseconds": millis * 1_000_000,
        }[precision]
    )


def test_string_with_other_formats() -> None:
    xform = configure(
        TimestampConverterValue, {"target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}
    )
    assert operating(xform.apply(part(False, None, 0)), False)[1] == "1970-01-01T00:00:00.000Z"
    back = configure(TimestampConverterValue, {"target.type": "unix", "format": "yyyy-MM-dd'T'HH:mm:ssXXX"})
    assert operating(back.apply(part(False, None, "2024-01-01T10:00:00+02:00")), False)[1] == 1704096000000


@pytest.mark.parametrize(
    ("schema", "value", "error", "message"),
    [
        (
            None,
            "nope",
            DataException,
            "Could not parse timestamp: value (nope) does not match pattern (yyyy MM dd HH mm ss SSS z)",
        ),
        (
            None,
            1.5,
            DataException,
            "TimestampConverter does not support class java.lang.Double objects as timestamps",
        ),
        (
            Schema.INT64_SCHEMA,
            "x",
            DataException,
            "Expected Unix timestamp to be a Long, but found class java.lang.String",
        ),
        (
            Schema.STRING_SCHEMA,
            2**40,
            DataException,
            "Expected string timestamp to be a String, but found class java.lang.Long",
        ),
        (
            Timestamp.SCHEMA,
            True,
            DataException,
            "Expected Timestamp to be a java.util.Date, but found class java.lang.Boolean",
        ),
        (
            Schema.INT32_SCHEMA,
            5,
            ConnectException,
            "Schema Schema{INT32} does not correspond to a known timestamp type format",
        ),
    ],
)
def test_errors(schema: Schema | None, value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as e:
        converter(TimestampConverterValue, "Timestamp").apply(part(False, schema, value))
    assert str(e.value) == message


def test_requires_map_or_struct_for_fields() -> None:
    xform = converter(TimestampConverterValue, "Timestamp", field="ts")
    with pytest.raises(
        DataException,
        match=r"Only Map objects supported in absence of schema for \[converting timestamp formats\]",
    ):
        xform.apply(part(False, None, 5))
    with pytest.raises(
        DataException, match=r"Only Struct objects supported for \[converting timestamp formats\]"
    ):
        xform.apply(part(False, Schema.INT64_SCHEMA, 5))


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, 'Missing required configuration "target.type" which has no default value.'),
        (
            {"target.type": "invalid"},
            "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp",
        ),
        (
            {"target.type": "unix", "unix.precision": "invalid"},
            "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds",
        ),
        (
            {"target.type": "string"},
            "TimestampConverter requires format option to be specified when using string timestamps",
        ),
        (
            {"target.type": "string", "format": "  "},
            "TimestampConverter requires format option to be specified when using string timestamps",
        ),
        (
            {"target.type": "string", "format": "bad-format"},
            "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format",
        ),
        (
            {"target.type": "unix", "format": "bad-format"},
            "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format",
        ),
    ],
)
def test_invalid_configs(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(TimestampConverterValue, configs)
    assert str(e.value) == message


def test_valid_unix_precision() -> None:
    configure(TimestampConverterValue, {"target.type": "unix", "unix.precision": "seconds"})
