"""Built-in converters; PLUGINS is what the entry point registers.

Each class answers to its Java name (``ALIASES``), so worker and connector configs written for Java Connect
(``value.converter=org.apache.kafka.connect.json.JsonConverter``) work unchanged.
"""

from connectrt.converters.avro_converter import AvroConverter
from connectrt.converters.bytearray import ByteArrayConverter
from connectrt.converters.json_converter import JsonConverter
from connectrt.converters.numeric import (
    BooleanConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    LongConverter,
    NumberConverter,
    ShortConverter,
)
from connectrt.converters.simple_header import SimpleHeaderConverter
from connectrt.converters.string import StringConverter

PLUGINS: list[type] = [
    JsonConverter,
    StringConverter,
    ByteArrayConverter,
    BooleanConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    LongConverter,
    ShortConverter,
    SimpleHeaderConverter,
    AvroConverter,
]

__all__ = [
    "PLUGINS",
    "AvroConverter",
    "BooleanConverter",
    "ByteArrayConverter",
    "DoubleConverter",
    "FloatConverter",
    "IntegerConverter",
    "JsonConverter",
    "LongConverter",
    "NumberConverter",
    "ShortConverter",
    "SimpleHeaderConverter",
    "StringConverter",
]
