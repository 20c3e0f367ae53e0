"""MaskField$Key / $Value: replaces fields with an empty value or a replacement (Java's MaskField)."""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from connectrt.api.data import (
    EPOCH,
    EPOCH_DATE,
    DataException,
    Date,
    Schema,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)
from connectrt.api.plugin import Transformation
from connectrt.api.values import (
    convert_to_byte,
    convert_to_double,
    convert_to_float,
    convert_to_integer,
    convert_to_long,
    convert_to_short,
    java_class,
)
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type, ValidList
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    NonEmptyString,
    R,
    make_struct,
    require_map,
    require_struct,
)

FIELDS_CONFIG = "fields"
REPLACEMENT_CONFIG = "replacement"
PURPOSE = "mask fields"

CONFIG_DEF = (
    ConfigDef()
    .define(
        FIELDS_CONFIG,
        Type.LIST,
        NO_DEFAULT_VALUE,
        ValidList.any_non_duplicate_values(False, False),
        Importance.HIGH,
        "Names of fields to mask.",
    )
    .define(
        REPLACEMENT_CONFIG,
        Type.STRING,
        None,
        NonEmptyString(),
        Importance.LOW,
        "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
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

# The Java class a value has, which decides its masked value: from the schema when there is one.
_SCHEMA_CLASSES = {
    SchemaType.BOOLEAN: "Boolean",
    SchemaType.INT8: "Byte",
    SchemaType.INT16: "Short",
    SchemaType.INT32: "Integer",
    SchemaType.INT64: "Long",
    SchemaType.FLOAT32: "Float",
    SchemaType.FLOAT64: "Double",
    SchemaType.STRING: "String",
    SchemaType.ARRAY: "List",
    SchemaType.MAP: "Map",
}
_LOGICAL_CLASSES = {
    Date.LOGICAL_NAME: "Date",
    Time.LOGICAL_NAME: "Date",
    Timestamp.LOGICAL_NAME: "Date",
    "org.apache.kafka.connect.data.Decimal": "BigDecimal",
}
_NULL_VALUES: dict[str, Callable[[Any], Any]] = {
    "Boolean": lambda v: False,
    "Byte": lambda v: 0,
    "Short": lambda v: 0,
    "Integer": lambda v: 0,
    "Long": lambda v: 0,
    "Float": lambda v: 0.0,
    "Double": lambda v: 0.0,
    "BigDecimal": lambda v: _decimal.Decimal(0),
    "String": lambda v: "",
    "List": lambda v: [],
    "Map": lambda v: {},
    # new Date(0), in the representation of the value's own logical type
    "Date": lambda v: (
        EPOCH if isinstance(v, _dt.datetime) else EPOCH_DATE if isinstance(v, _dt.date) else _dt.time(0)
    ),
}
_REPLACEMENTS: dict[str, Callable[[str], Any]] = {
    "Byte": lambda s: convert_to_byte(None, s),
    "Short": lambda s: convert_to_short(None, s),
    "Integer": lambda s: convert_to_integer(None, s),
    "Long": lambda s: convert_to_long(None, s),
    "Float": lambda s: convert_to_float(None, s),
    "Double": lambda s: convert_to_double(None, s),
    "String": lambda s: s,
    "BigDecimal": lambda s: _big_decimal(s),
}


def _big_decimal(text: str) -> _decimal.Decimal:
    try:
        value = _decimal.Decimal(text)
    except _decimal.InvalidOperation:
        value = None
    if value is None or not value.is_finite() or text != text.strip() or "_" in text:
        raise DataException(f"Unable to convert {text} (class java.lang.String) to number")
    return value


def _class_of(value: Any, schema: Schema | None) -> str | None:
    """The Java class MaskField would see for ``value``, or None when it has no masked form."""
    if schema is not None:
        if schema.name in _LOGICAL_CLASSES:
            return _LOGICAL_CLASSES[schema.name]
        return _SCHEMA_CLASSES.get(schema.type)
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, _decimal.Decimal):
        return "BigDecimal"
    if isinstance(value, (_dt.date, _dt.time)):
        return "Date"
    if isinstance(value, (list, tuple)):
        return "List"
    if isinstance(value, dict) and not isinstance(value, Struct):
        return "Map"
    return None


class MaskField(Transformation[R]):
    """Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on).

    For numeric and string fields, an optional replacement value can be specified that is converted
    to the correct type. Use MaskField$Key or MaskField$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._fields: frozenset[str] = frozenset()
        self._replacement: str | None = None
        self._replace_null_with_default = True

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._fields = frozenset(values[FIELDS_CONFIG])
        self._replacement = values[REPLACEMENT_CONFIG]
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        updated: Any
        if schema is None:
            mapping = require_map(value, PURPOSE)
            updated = dict(mapping)
            for name in self._fields:
                updated[name] = self._masked(mapping.get(name), None)
        else:
            struct = require_struct(value, PURPOSE)
            assert struct.schema.fields is not None
            items = []
            for field in struct.schema.fields:
                v = struct[field.name]
                if v is None and self._replace_null_with_default:
                    v = field.schema.default
                if field.name in self._fields:
                    v = self._masked(v, field.schema)
                    field.schema.validate_value(v, field.name)
                items.append((field.name, v))
            updated = make_struct(struct.schema, items)
        return record.with_key_or_value(self._IS_KEY, schema, updated)

    def _masked(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        java_type = _class_of(value, schema)
        if self._replacement is None:
            if java_type is None:
                raise DataException(f"Cannot mask value of type: {java_class(value, schema)}")
            return _NULL_VALUES[java_type](value)
        convert = _REPLACEMENTS.get(java_type or "")
        if convert is None:
            raise DataException(
                f"Cannot mask value of type {java_class(value, schema)} with custom replacement."
            )
        return convert(self._replacement)

    def config(self) -> ConfigDef:
        return CONFIG_DEF


class MaskFieldKey(MaskField[R]):
    """MaskField on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.MaskField$Key",)
    _IS_KEY = True


class MaskFieldValue(MaskField[R]):
    """MaskField on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.MaskField$Value",)
    _IS_KEY = False
