"""Flatten$Key / $Value: flattens nested Structs and Maps into ``a.b`` names (Java's Flatten)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.api.plugin import Transformation
from connectrt.api.values import java_class
from connectrt.config.configdef import ConfigDef, Importance, Type
from connectrt.transforms.util import (
    VERSION,
    R,
    SchemaCache,
    copy_schema_basics,
    make_struct,
    require_map,
    require_struct_or_null,
    schema_type_of,
)

DELIMITER_CONFIG = "delimiter"
DELIMITER_DEFAULT = "."
PURPOSE = "flattening"

CONFIG_DEF = ConfigDef().define(
    DELIMITER_CONFIG,
    Type.STRING,
    DELIMITER_DEFAULT,
    None,
    Importance.MEDIUM,
    "Delimiter to insert between field names from the input record when generating field names for the output record",
)

_LEAF_TYPES = frozenset(
    {
        SchemaType.INT8,
        SchemaType.INT16,
        SchemaType.INT32,
        SchemaType.INT64,
        SchemaType.FLOAT32,
        SchemaType.FLOAT64,
        SchemaType.BOOLEAN,
        SchemaType.STRING,
        SchemaType.BYTES,
        SchemaType.ARRAY,
    }
)


class _Node(NamedTuple):
    """One field of an input struct: a leaf (``children`` None) or a nested struct."""

    name: str
    default: Any  # the field schema's own default, used when the value is null (Struct.get)
    flat_name: str
    children: tuple[_Node, ...] | None
    leaves: tuple[str, ...]  # flattened names under this node, in order


class Flatten(Transformation[R]):
    """Flatten a nested data structure, generating names for each field by concatenating the field names at each level.

    Applies to Struct when schema present, or a Map in the case of schemaless data. Array fields and
    their contents are not modified. The default delimiter is '.'. Use Flatten$Key or Flatten$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._delimiter = DELIMITER_DEFAULT
        self._plans: SchemaCache[Schema, tuple[Schema, tuple[_Node, ...]]] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._delimiter = CONFIG_DEF.parse(configs)[DELIMITER_CONFIG]
        self._plans = SchemaCache()

    def _name(self, prefix: str, name: str) -> str:
        return name if not prefix else prefix + self._delimiter + name

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        if value is None:
            return record
        updated: Any
        if schema is None:
            updated = {}
            self._flatten_map(require_map(value, PURPOSE), "", updated)
            updated_schema = None
        else:
            struct = require_struct_or_null(value, PURPOSE)
            plan = self._plans.get(schema)
            if plan is None:
                plan = self._plans.put(schema, self._make_plan(schema))
            updated_schema, nodes = plan
            items: list[tuple[str, Any]] = []
            _flatten_struct(struct, nodes, items)
            updated = make_struct(updated_schema, items)
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated)

    # --- schemaless ----------------------------------------------------------------------------
    def _flatten_map(self, original: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
        for key, value in original.items():
            name = self._name(prefix, key)
            if value is None:
                out[name] = None
                continue
            kind = schema_type_of(value)
            if kind is None:
                raise DataException(
                    f"Flatten transformation was passed a value of type {java_class(value)} "
                    "which is not supported by Connect's data API"
                )
            if kind in _LEAF_TYPES:
                out[name] = value
            elif kind is SchemaType.MAP:
                self._flatten_map(value, name, out)
            else:
                raise DataException(
                    f"Flatten transformation does not support {java_class(value)} "
                    f"for record without schemas (for field {name})."
                )

    # --- with schema ---------------------------------------------------------------------------
    def _make_plan(self, schema: Schema) -> tuple[Schema, tuple[_Node, ...]]:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        default = schema.default if isinstance(schema.default, Struct) else None
        nodes = self._build(schema, "", builder, schema.optional, default)
        return builder.build(), nodes

    def _build(
        self,
        schema: Schema,
        prefix: str,
        builder: SchemaBuilder,
        optional: bool,
        parent_default: Struct | None,
    ) -> tuple[_Node, ...]:
        """Add the flattened fields of ``schema`` to ``builder``; optionality and defaults come from ancestors."""
        assert schema.fields is not None
        nodes: list[_Node] = []
        for field in schema.fields:
            name = self._name(prefix, field.name)
            field_optional = optional or field.schema.optional
            default = field.schema.default
            if default is None and parent_default is not None:
                default = parent_default.get_checked(field.name)
            if field.schema.type in _LEAF_TYPES:
                leaf = copy_schema_basics(field.schema)
                if field_optional:
                    leaf.optional()
                if default is not None:
                    leaf.default_value(default)
                builder.field(name, leaf.build())
                nodes.append(_Node(field.name, field.schema.default, name, None, (name,)))
            elif field.schema.type is SchemaType.STRUCT:
                children = self._build(field.schema, name, builder, field_optional, default)
                leaves = tuple(leaf_name for child in children for leaf_name in child.leaves)
                nodes.append(_Node(field.name, field.schema.default, name, children, leaves))
            else:
                raise DataException(
                    f"Flatten transformation does not support {field.schema.type.name} "
                    f"for record with schemas (for field {name})."
                )
        return tuple(nodes)

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._plans.clear()


def _flatten_struct(struct: Struct | None, nodes: tuple[_Node, ...], out: list[tuple[str, Any]]) -> None:
    """Append the flattened values of ``struct``; under a null struct every field stays null, as in Java."""
    for node in nodes:
        if struct is None:
            out.extend((name, None) for name in node.leaves)
            continue
        value = struct[node.name]
        if value is None:
            value = node.default
        if node.children is None:
            out.append((node.flat_name, value))
        else:
            _flatten_struct(value, node.children, out)


class FlattenKey(Flatten[R]):
    """Flatten on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.Flatten$Key",)
    _IS_KEY = True


class FlattenValue(Flatten[R]):
    """Flatten on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.Flatten$Value",)
    _IS_KEY = False
