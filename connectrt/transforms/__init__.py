"""Kafka's built-in single message transforms and predicates; PLUGINS is what the entry point registers.

Each class declares its Java name in ``ALIASES`` (``org.apache.kafka.connect.transforms.Cast$Value``,
``org.apache.kafka.connect.transforms.predicates.TopicNameMatches``, ...), so connector configs written
for Java Connect resolve to these classes unchanged.
"""

from connectrt.transforms.cast import CastKey, CastValue
from connectrt.transforms.drop_headers import DropHeaders
from connectrt.transforms.extract_field import ExtractFieldKey, ExtractFieldValue
from connectrt.transforms.filter import Filter
from connectrt.transforms.flatten import FlattenKey, FlattenValue
from connectrt.transforms.header_from import HeaderFromKey, HeaderFromValue
from connectrt.transforms.hoist_field import HoistFieldKey, HoistFieldValue
from connectrt.transforms.insert_field import InsertFieldKey, InsertFieldValue
from connectrt.transforms.insert_header import InsertHeader
from connectrt.transforms.mask_field import MaskFieldKey, MaskFieldValue
from connectrt.transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches
from connectrt.transforms.regex_router import RegexRouter
from connectrt.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue
from connectrt.transforms.set_schema_metadata import SetSchemaMetadataKey, SetSchemaMetadataValue
from connectrt.transforms.timestamp_converter import TimestampConverterKey, TimestampConverterValue
from connectrt.transforms.timestamp_router import TimestampRouter
from connectrt.transforms.value_to_key import ValueToKey

TRANSFORMATIONS: list[type] = [
    CastKey,
    CastValue,
    DropHeaders,
    ExtractFieldKey,
    ExtractFieldValue,
    Filter,
    FlattenKey,
    FlattenValue,
    HeaderFromKey,
    HeaderFromValue,
    HoistFieldKey,
    HoistFieldValue,
    InsertFieldKey,
    InsertFieldValue,
    InsertHeader,
    MaskFieldKey,
    MaskFieldValue,
    RegexRouter,
    ReplaceFieldKey,
    ReplaceFieldValue,
    SetSchemaMetadataKey,
    SetSchemaMetadataValue,
    TimestampConverterKey,
    TimestampConverterValue,
    TimestampRouter,
    ValueToKey,
]

PREDICATES: list[type] = [HasHeaderKey, RecordIsTombstone, TopicNameMatches]

PLUGINS: list[type] = [*TRANSFORMATIONS, *PREDICATES]

__all__ = [
    "PLUGINS",
    "PREDICATES",
    "TRANSFORMATIONS",
    "CastKey",
    "CastValue",
    "DropHeaders",
    "ExtractFieldKey",
    "ExtractFieldValue",
    "Filter",
    "FlattenKey",
    "FlattenValue",
    "HasHeaderKey",
    "HeaderFromKey",
    "HeaderFromValue",
    "HoistFieldKey",
    "HoistFieldValue",
    "InsertFieldKey",
    "InsertFieldValue",
    "InsertHeader",
    "MaskFieldKey",
    "MaskFieldValue",
    "RecordIsTombstone",
    "RegexRouter",
    "ReplaceFieldKey",
    "ReplaceFieldValue",
    "SetSchemaMetadataKey",
    "SetSchemaMetadataValue",
    "TimestampConverterKey",
    "TimestampConverterValue",
    "TimestampRouter",
    "TopicNameMatches",
    "ValueToKey",
]
