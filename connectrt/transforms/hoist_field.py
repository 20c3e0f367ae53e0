"""HoistField$Key / $Value: wraps the key or value in a single-field Struct or Map (Java's HoistField)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.data import Schema, SchemaBuilder
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type
from connectrt.transforms.util import VERSION, R, SchemaCache, make_struct

FIELD_CONFIG = "field"

CONFIG_DEF = ConfigDef().define(
    FIELD_CONFIG,
    Type.STRING,
    NO_DEFAULT_VALUE,
    None,
    Importance.MEDIUM,
    "Field name for the single field that will be created in the resulting Struct or Map.",
)


class HoistField(Transformation[R]):
    """Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.

    Use HoistField$Key or HoistField$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._field = ""
        self._schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._field = CONFIG_DEF.parse(configs)[FIELD_CONFIG]
        self._schemas = SchemaCache()

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        updated: Any
        if schema is None:
            updated_schema = None
            updated = {self._field: value}
        else:
            updated_schema = self._schemas.get(schema)
            if updated_schema is None:
                updated_schema = self._schemas.put(
                    schema, SchemaBuilder.struct().field(self._field, schema).build()
                )
            schema.validate_value(value, self._field)
            updated = make_struct(updated_schema, ((self._field, value),))
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated)

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._schemas.clear()


class HoistFieldKey(HoistField[R]):
    """HoistField on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.HoistField$Key",)
    _IS_KEY = True


class HoistFieldValue(HoistField[R]):
    """HoistField on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.HoistField$Value",)
    _IS_KEY = False
