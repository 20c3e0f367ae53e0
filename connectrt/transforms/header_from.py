"""HeaderFrom$Key / $Value: moves or copies fields into headers (Java's HeaderFrom)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.data import DataException, Schema, SchemaBuilder
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
    ValidString,
)
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    NonEmptyListValidator,
    R,
    SchemaCache,
    copy_schema_basics,
    make_struct,
    require_map,
    require_struct,
)

FIELDS_FIELD = "fields"
HEADERS_FIELD = "headers"
OPERATION_FIELD = "operation"
MOVE_OPERATION = "move"
COPY_OPERATION = "copy"

CONFIG_DEF = (
    ConfigDef()
    .define(
        FIELDS_FIELD,
        Type.LIST,
        NO_DEFAULT_VALUE,
        NonEmptyListValidator(),
        Importance.HIGH,
        "Field names in the record whose values are to be copied or moved to headers.",
    )
    .define(
        HEADERS_FIELD,
        Type.LIST,
        NO_DEFAULT_VALUE,
        NonEmptyListValidator(),
        Importance.HIGH,
        "Header names, in the same order as the field names listed in the fields configuration property.",
    )
    .define(
        OPERATION_FIELD,
        Type.STRING,
        NO_DEFAULT_VALUE,
        ValidString.in_(MOVE_OPERATION, COPY_OPERATION),
        Importance.HIGH,
        "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), "
        "or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
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


class HeaderFrom(Transformation[R]):
    """Moves or copies fields in the key/value of a record into that record's headers.

    Corresponding elements of ``fields`` and ``headers`` together identify a field and the header it
    should be moved or copied to. Use HeaderFrom$Key or HeaderFrom$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._fields: list[str] = []
        self._headers: list[str] = []
        self._move = False
        self._replace_null_with_default = True
        self._move_schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._fields = values[FIELDS_FIELD]
        self._headers = values[HEADERS_FIELD]
        if len(self._headers) != len(self._fields):
            raise ConfigException(
                f"'{FIELDS_FIELD}' config must have the same number of elements as '{HEADERS_FIELD}' config."
            )
        self._move = values[OPERATION_FIELD] == MOVE_OPERATION
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._move_schemas = SchemaCache()

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        purpose = "header " + (MOVE_OPERATION if self._move else COPY_OPERATION)
        headers = record.headers.duplicate()
        updated: Any
        if schema is None:
            mapping = require_map(value, purpose)
            updated = dict(mapping)
            for field_name, header_name in zip(self._fields, self._headers, strict=True):
                if self._move:
                    updated.pop(field_name, None)
                headers.add(header_name, mapping.get(field_name), None)
            updated_schema = None
        else:
            struct = require_struct(value, purpose)
            with_default = self._replace_null_with_default
            if self._move:
                updated_schema = self._move_schemas.get(schema)
                if updated_schema is None:
                    updated_schema = self._move_schemas.put(schema, self._move_schema(schema))
                assert updated_schema.fields is not None
                updated = make_struct(
                    updated_schema,
                    [
                        (
                            f.name,
                            v if (v := struct[f.name]) is not None or not with_default else f.schema.default,
                        )
                        for f in updated_schema.fields
                    ],
                )
            else:
                updated_schema, updated = schema, struct
            for field_name, header_name in zip(self._fields, self._headers, strict=True):
                field = schema.field(field_name)
                if field is None:
                    raise DataException("Field does not exist: " + field_name)
                field_value = struct.get(field_name)
                if field_value is None and with_default:
                    field_value = field.schema.default
                headers.add(header_name, field_value, field.schema)
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated, headers)

    def _move_schema(self, schema: Schema) -> Schema:
        assert schema.fields is not None
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if field.name not in self._fields:
                builder.field(field.name, field.schema)
        return builder.build()

    def config(self) -> ConfigDef:
        return CONFIG_DEF


class HeaderFromKey(HeaderFrom[R]):
    """HeaderFrom on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.HeaderFrom$Key",)
    _IS_KEY = True


class HeaderFromValue(HeaderFrom[R]):
    """HeaderFrom on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.HeaderFrom$Value",)
    _IS_KEY = False
