"""SetSchemaMetadata$Key / $Value: sets the schema name and/or version (Java's SetSchemaMetadata)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.data import Schema, SchemaType, Struct
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import ConfigDef, ConfigException, Importance, Type
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    SchemaCache,
    make_struct,
    require_schema,
)

SCHEMA_NAME_CONFIG = "schema.name"
SCHEMA_VERSION_CONFIG = "schema.version"

CONFIG_DEF = (
    ConfigDef()
    .define(SCHEMA_NAME_CONFIG, Type.STRING, None, None, Importance.HIGH, "Schema name to set.")
    .define(SCHEMA_VERSION_CONFIG, Type.INT, None, None, Importance.HIGH, "Schema version to set.")
    .define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        Type.BOOLEAN,
        True,
        None,
        Importance.MEDIUM,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
)


class SetSchemaMetadata(Transformation[R]):
    """Set the schema name, version or both on the record's key or value schema.

    Use SetSchemaMetadata$Key or SetSchemaMetadata$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._name: str | None = None
        self._version: int | None = None
        self._replace_null_with_default = True
        self._schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._name = values[SCHEMA_NAME_CONFIG]
        self._version = values[SCHEMA_VERSION_CONFIG]
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        if self._name is None and self._version is None:
            raise ConfigException("Neither schema name nor version configured")
        self._schemas = SchemaCache()

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        if value is None and schema is None:
            return record
        schema = require_schema(schema, "updating schema metadata")
        updated_schema = self._schemas.get(schema)
        if updated_schema is None:
            updated_schema = self._schemas.put(schema, self._updated_schema(schema))
        updated = self.update_schema_in(value, updated_schema)
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated)

    def _updated_schema(self, schema: Schema) -> Schema:
        is_map = schema.type is SchemaType.MAP
        is_array = schema.type is SchemaType.ARRAY
        return Schema(
            schema.type,
            optional=schema.optional,
            default=schema.default,
            name=self._name if self._name is not None else schema.name,
            version=self._version if self._version is not None else schema.version,
            doc=schema.doc,
            parameters=schema.parameters,
            fields=schema.fields,
            key_schema=schema.key_schema if is_map else None,
            value_schema=schema.value_schema if is_map or is_array else None,
        )

    def update_schema_in(self, key_or_value: Any, updated_schema: Schema) -> Any:
        """A Struct re-pointed at the renamed schema (same fields); anything else as it is."""
        if not isinstance(key_or_value, Struct):
            return key_or_value
        assert updated_schema.fields is not None
        if self._replace_null_with_default:
            return make_struct(
                updated_schema,
                [
                    (f.name, v if (v := key_or_value[f.name]) is not None else f.schema.default)
                    for f in updated_schema.fields
                ],
            )
        return make_struct(updated_schema, [(f.name, key_or_value[f.name]) for f in updated_schema.fields])

    def config(self) -> ConfigDef:
        return CONFIG_DEF


class SetSchemaMetadataKey(SetSchemaMetadata[R]):
    """SetSchemaMetadata on the record key schema."""

    ALIASES = ("org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",)
    _IS_KEY = True


class SetSchemaMetadataValue(SetSchemaMetadata[R]):
    """SetSchemaMetadata on the record value schema."""

    ALIASES = ("org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",)
    _IS_KEY = False
