"""JsonConverter's schema mapping (Java's ``asJsonSchema`` / ``asConnectSchema``), cached both ways.

Key order is Java's: ``type``, then ``items`` / ``keys``, ``values`` / ``fields``, then ``optional``, ``name``,
``version``, ``doc``, ``parameters``, ``default``; a struct field's schema gets ``"field"`` appended last, e.g.
``{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"}``.
"""

from __future__ import annotations

from typing import Any

import orjson

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.converters._common import LRUCache
from connectrt.converters.json_data import JsonDecoding, JsonEncoding
from connectrt.converters.json_text import dumps

TYPE_NAMES: dict[SchemaType, str] = {
    SchemaType.BOOLEAN: "boolean",
    SchemaType.INT8: "int8",
    SchemaType.INT16: "int16",
    SchemaType.INT32: "int32",
    SchemaType.INT64: "int64",
    SchemaType.FLOAT32: "float",
    SchemaType.FLOAT64: "double",
    SchemaType.BYTES: "bytes",
    SchemaType.STRING: "string",
    SchemaType.ARRAY: "array",
    SchemaType.MAP: "map",
    SchemaType.STRUCT: "struct",
}
_TYPES_BY_NAME = {name: t for t, name in TYPE_NAMES.items()}
NULL_JSON = b"null"
_NULL_PREFIX = b'{"schema":null,"payload":'


class JsonSchemas:
    """Schema ↔ JSON for one converter; both directions are LRU-cached (``schemas.cache.size``)."""

    def __init__(self, encoding: JsonEncoding, decoding: JsonDecoding, cache_size: int) -> None:
        self._encoding = encoding
        self._decoding = decoding
        self._trees: LRUCache[Schema, dict[str, Any]] = LRUCache(cache_size)
        self._bytes: LRUCache[Schema, bytes] = LRUCache(cache_size)
        self._prefixes: LRUCache[Schema, bytes] = LRUCache(cache_size)
        self._schemas: LRUCache[bytes, Schema] = LRUCache(cache_size)

    # --- Connect → JSON ----------------------------------------------------------------------
    def schema_bytes(self, schema: Schema | None) -> bytes:
        """The serialized JSON schema (``null`` for no schema), as it goes into an envelope."""
        if schema is None:
            return NULL_JSON
        cached = self._bytes.get(schema)
        if cached is None:
            cached = dumps(self.tree(schema))
            self._bytes.put(schema, cached)
        return cached

    def envelope_prefix(self, schema: Schema | None) -> bytes:
        """``{"schema":<schema>,"payload":`` for a record of this schema (the payload and ``}`` follow)."""
        if schema is None:
            return _NULL_PREFIX
        cached = self._prefixes.get(schema)
        if cached is None:
            cached = b'{"schema":' + self.schema_bytes(schema) + b',"payload":'
            self._prefixes.put(schema, cached)
        return cached

    def as_json_schema(self, schema: Schema | None) -> dict[str, Any] | None:
        """The JSON schema as plain Python data (a fresh copy)."""
        if schema is None:
            return None
        result: dict[str, Any] = orjson.loads(self.schema_bytes(schema))
        return result

    def tree(self, schema: Schema) -> dict[str, Any]:
        """The JSON schema as a tree for orjson (shared; do not modify)."""
        cached = self._trees.get(schema)
        if cached is not None:
            return cached
        node: dict[str, Any] = {"type": TYPE_NAMES[schema.type]}
        if schema.type is SchemaType.ARRAY:
            node["items"] = self._child(schema.value_schema)
        elif schema.type is SchemaType.MAP:
            node["keys"] = self._child(schema.key_schema)
            node["values"] = self._child(schema.value_schema)
        elif schema.type is SchemaType.STRUCT:
            assert schema.fields is not None
            node["fields"] = [{**self.tree(f.schema), "field": f.name} for f in schema.fields]
        node["optional"] = schema.optional
        if schema.name is not None:
            node["name"] = schema.name
        if schema.version is not None:
            node["version"] = schema.version
        if schema.doc is not None:
            node["doc"] = schema.doc
        if schema.parameters is not None:
            node["parameters"] = dict(schema.parameters)
        if schema.default is not None:
            node["default"] = self._encoding.encode_present(schema, schema.default)
        self._trees.put(schema, node)
        return node

    def _child(self, schema: Schema | None) -> dict[str, Any] | None:
        return self.tree(schema) if schema is not None else None

    # --- JSON → Connect ----------------------------------------------------------------------
    def as_connect_schema(self, node: Any) -> Schema | None:
        """The Connect schema of a parsed JSON schema (None for JSON null)."""
        if node is None:
            return None
        key = orjson.dumps(node, default=str)
        cached = self._schemas.get(key)
        if cached is not None:
            return cached
        schema = self._build(node)
        self._schemas.put(key, schema)
        return schema

    def _build(self, node: Any) -> Schema:
        type_name = node.get("type") if type(node) is dict else None
        if type(type_name) is not str:
            raise DataException("Schema must contain 'type' field")
        t = _TYPES_BY_NAME.get(type_name)
        if t is None:
            raise DataException("Unknown schema type: " + type_name)
        builder = SchemaBuilder(t)
        if t is SchemaType.ARRAY:
            items = node.get("items")
            if items is None:
                raise DataException("Array schema did not specify the element type")
            builder = SchemaBuilder.array(self._required_child(items, "valueSchema"))
        elif t is SchemaType.MAP:
            if "keys" not in node:
                raise DataException("Map schema did not specify the key type")
            if "values" not in node:
                raise DataException("Map schema did not specify the value type")
            builder = SchemaBuilder.map(
                self._required_child(node["keys"], "keySchema"),
                self._required_child(node["values"], "valueSchema"),
            )
        elif t is SchemaType.STRUCT:
            fields = node.get("fields")
            if type(fields) is not list:
                raise DataException('Struct schema\'s "fields" argument is not an array.')
            for field in fields:
                field_name = field.get("field") if type(field) is dict else None
                if type(field_name) is not str:
                    raise DataException("Struct schema's field name not specified properly")
                builder.field(field_name, self._required_child(field, "fieldSchema"))
        if node.get("optional") is True:
            builder.optional()
        name = node.get("name")
        if type(name) is str:
            builder.name(name)
        version = node.get("version")
        if type(version) is int:
            builder.version(_int32(version))
        doc = node.get("doc")
        if type(doc) is str:
            builder.doc(doc)
        parameters = node.get("parameters")
        if type(parameters) is dict:
            for k, v in parameters.items():
                if type(v) is not str:
                    raise DataException("Schema parameters must have string values.")
                builder.parameter(k, v)
        if "default" in node:
            bare = builder.build()
            default = self._decoding.compile(bare)(node["default"])
            if isinstance(default, Struct):
                raise DataException("Invalid default value")  # Java's SchemaBuilder rejects these too
            if default is not None:
                builder.default_value(default)
        return builder.build()

    def _required_child(self, node: Any, what: str) -> Schema:
        child = self.as_connect_schema(node)
        if child is None:
            raise DataException(f"{what} cannot be null.")
        return child


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value
