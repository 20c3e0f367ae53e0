"""ValueToKey: the key becomes a Struct or Map of chosen value fields (Java's ValueToKey)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.data import DataException, Schema, SchemaBuilder
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type, ValidList
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    SchemaCache,
    make_struct,
    require_map,
    require_struct,
)

FIELDS_CONFIG = "fields"
PURPOSE = "copying fields from value to key"

CONFIG_DEF = (
    ConfigDef()
    .define(
        FIELDS_CONFIG,
        Type.LIST,
        NO_DEFAULT_VALUE,
        ValidList.any_non_duplicate_values(False, False),
        Importance.HIGH,
        "Field names on the record value to extract as the record key.",
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


class ValueToKey(Transformation[R]):
    """Replace the record key with a new key formed from a subset of fields in the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.ValueToKey",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._fields: list[str] = []
        self._replace_null_with_default = True
        self._schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._fields = values[FIELDS_CONFIG]
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._schemas = SchemaCache()

    def apply(self, record: R) -> R | None:
        key: Any
        if record.value_schema is None:
            value = require_map(record.value, PURPOSE)
            key = {name: value.get(name) for name in self._fields}
            return record.new_record(
                record.topic,
                record.kafka_partition,
                None,
                key,
                record.value_schema,
                record.value,
                record.timestamp,
            )
        struct = require_struct(record.value, PURPOSE)
        key_schema = self._schemas.get(struct.schema)
        if key_schema is None:
            builder = SchemaBuilder.struct()
            for name in self._fields:
                field = struct.schema.field(name)
                if field is None:
                    raise DataException("Field does not exist: " + name)
                builder.field(name, field.schema)
            key_schema = self._schemas.put(struct.schema, builder.build())
        assert key_schema.fields is not None
        if self._replace_null_with_default:
            items = [
                (f.name, v if (v := struct[f.name]) is not None else f.schema.default)
                for f in key_schema.fields
            ]
        else:
            items = [(f.name, struct[f.name]) for f in key_schema.fields]
        key = make_struct(key_schema, items)
        return record.new_record(
            record.topic,
            record.kafka_partition,
            key_schema,
            key,
            struct.schema,
            struct,
            record.timestamp,
        )

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._schemas.clear()
