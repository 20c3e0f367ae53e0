"""ExtractField$Key / $Value: replaces the key or value with one of its fields (Java's ExtractField)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.plugin import Transformation
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type
from connectrt.transforms.field_path import (
    FieldSyntaxVersion,
    SingleFieldPath,
    append_config_to,
    version_from_config,
)
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    require_map_or_null,
    require_struct_or_null,
)

FIELD_CONFIG = "field"
PURPOSE = "field extraction"

CONFIG_DEF = append_config_to(
    ConfigDef()
    .define(FIELD_CONFIG, Type.STRING, NO_DEFAULT_VALUE, None, Importance.MEDIUM, "Field name to extract.")
    .define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        Type.BOOLEAN,
        True,
        None,
        Importance.MEDIUM,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
)


class ExtractField(Transformation[R]):
    """Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data.

    Any null values are passed through unmodified. Use ExtractField$Key or ExtractField$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._path = SingleFieldPath("", FieldSyntaxVersion.V1)
        self._original_path = ""
        self._replace_null_with_default = True

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._original_path = values[FIELD_CONFIG]
        self._path = SingleFieldPath(self._original_path, version_from_config(values))
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        if schema is None:
            mapping = require_map_or_null(value, PURPOSE)
            return self._updated(
                record, None, None if mapping is None else self._path.value_from_map(mapping)
            )
        struct = require_struct_or_null(value, PURPOSE)
        field = self._path.field_from(schema)
        if field is None:
            raise ValueError("Unknown field: " + self._original_path)
        extracted = (
            None if struct is None else self._path.value_from_struct(struct, self._replace_null_with_default)
        )
        return self._updated(record, field.schema, extracted)

    def _updated(self, record: R, schema: Any, value: Any) -> R:
        return record.with_key_or_value(self._IS_KEY, schema, value)

    def config(self) -> ConfigDef:
        return CONFIG_DEF


class ExtractFieldKey(ExtractField[R]):
    """ExtractField on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.ExtractField$Key",)
    _IS_KEY = True


class ExtractFieldValue(ExtractField[R]):
    """ExtractField on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.ExtractField$Value",)
    _IS_KEY = False
