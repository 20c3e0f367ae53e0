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

from connectrt.api.values._convert import (
    convert_to,
    convert_to_boolean,
    convert_to_byte,
    convert_to_date,
    convert_to_decimal,
    convert_to_double,
    convert_to_float,
    convert_to_integer,
    convert_to_list,
    convert_to_long,
    convert_to_map,
    convert_to_short,
    convert_to_string,
    convert_to_struct,
    convert_to_time,
    convert_to_timestamp,
    escape,
    infer_schema,
)
from connectrt.api.values._java import (
    MILLIS_PER_DAY,
    NULL_SCHEMA_AND_VALUE,
    SchemaAndValue,
    format_double,
    format_float,
    java_class,
    java_str,
    schema_str,
    to_float32,
)
from connectrt.api.values._parse import parse_string

__all__ = [
    "MILLIS_PER_DAY",
    "NULL_SCHEMA_AND_VALUE",
    "SchemaAndValue",
    "convert_to",
    "convert_to_boolean",
    "convert_to_byte",
    "convert_to_date",
    "convert_to_decimal",
    "convert_to_double",
    "convert_to_float",
    "convert_to_integer",
    "convert_to_list",
    "convert_to_long",
    "convert_to_map",
    "convert_to_short",
    "convert_to_string",
    "convert_to_struct",
    "convert_to_time",
    "convert_to_timestamp",
    "escape",
    "format_double",
    "format_float",
    "infer_schema",
    "java_class",
    "java_str",
    "parse_string",
    "schema_str",
    "to_float32",
]
