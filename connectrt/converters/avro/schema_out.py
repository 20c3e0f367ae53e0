"""Connect Schema → Avro schema, as Confluent's ``AvroData.fromConnectSchema`` builds it.

An Avro schema is kept as plain JSON-able data: a dict per type (``{"type": "int"}`` for a bare
primitive), a list for a union. Named types (record, enum, fixed) appear as the same dict object each
time they are used; :func:`avro_schema_json` writes the second and later uses as name references and
puts keys in the order Avro's ``Schema.toString()`` does, so the text matches Java's byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaType, Struct, Time, Timestamp
from connectrt.api.values import format_double, format_float
from connectrt.converters.avro import names as n
from connectrt.converters.avro.config import AvroDataConfig

AvroNode = Any  # dict (a type) or list (a union)

_PRIMITIVE_AVRO = {
    SchemaType.INT8: "int",
    SchemaType.INT16: "int",
    SchemaType.INT32: "int",
    SchemaType.INT64: "long",
    SchemaType.FLOAT32: "float",
    SchemaType.FLOAT64: "double",
    SchemaType.BOOLEAN: "boolean",
}
_NAMED = ("record", "enum", "fixed")


def is_union_schema(schema: Schema) -> bool:
    return schema.name == n.AVRO_TYPE_UNION


def is_enum_schema(schema: Schema) -> bool:
    return schema.type is SchemaType.STRING and n.AVRO_TYPE_ENUM in (schema.parameters or {})


def is_fixed_schema(schema: Schema) -> bool:
    return (
        schema.type is SchemaType.BYTES
        and schema.name is not None
        and n.CONNECT_AVRO_FIXED_SIZE_PROP in (schema.parameters or {})
    )


def non_optional(schema: Schema) -> Schema:
    """The same schema, required (Java's AvroData.nonOptional)."""
    if not schema.optional:
        return schema
    copy = Schema(
        schema.type, False, None, schema.name, schema.version, schema.doc, schema.parameters,
        schema.fields, schema.key_schema, schema.value_schema,
    )  # fmt: skip
    copy.default = schema.default
    return copy


def full_name(node: AvroNode) -> str | None:
    if isinstance(node, dict) and node.get("type") in _NAMED:
        ns = node.get("namespace")
        return f"{ns}.{node['name']}" if ns else node["name"]
    return None


def avro_type(node: AvroNode) -> str:
    return "union" if isinstance(node, list) else node["type"]


def _add_prop(node: dict[str, Any], key: str, value: Any) -> None:
    node.setdefault(key, value)  # Avro's addProp never replaces a property


class _Context:
    def __init__(self) -> None:
        self.schema_map: dict[Schema, AvroNode] = {}
        self.cycle_refs: dict[str, AvroNode] = {}
        self.seen_named: set[str] = set()
        self.name_index = 0

    def name_or_default(self, name: str | None, scrub: bool) -> tuple[str | None, str | None]:
        if name is not None:
            return n.split_name(name, scrub)
        self.name_index += 1
        return n.NAMESPACE, n.DEFAULT_SCHEMA_NAME + (str(self.name_index) if self.name_index > 1 else "")


class SchemaOut:
    """Connect → Avro schemas for one :class:`AvroDataConfig`."""

    def __init__(self, config: AvroDataConfig) -> None:
        self.config = config
        self.scrub = config.scrub_invalid_names

    def convert(self, schema: Schema) -> AvroNode:
        return self._convert(schema, _Context(), False)

    # --- the mapping ---------------------------------------------------------------------------
    def _convert(self, schema: Schema, ctx: _Context, ignore_optional: bool) -> AvroNode:
        if not is_union_schema(schema) and not schema.optional:
            cached = ctx.schema_map.get(schema)
            if cached is not None:
                return cached
        cfg = self.config
        connect_type: str | None = None
        params = schema.parameters or {}
        t = schema.type
        base: AvroNode
        if t in (SchemaType.INT8, SchemaType.INT16):
            connect_type = n.CONNECT_TYPE_INT8 if t is SchemaType.INT8 else n.CONNECT_TYPE_INT16
            base = {"type": "int"}
        elif t in _PRIMITIVE_AVRO:
            base = {"type": _PRIMITIVE_AVRO[t]}
        elif t is SchemaType.STRING:
            if cfg.enhanced_avro_schema_support and n.AVRO_TYPE_ENUM in params:
                prefix = n.AVRO_TYPE_ENUM + "."
                symbols = [k[len(prefix) :] for k in params if k.startswith(prefix)]
                _, short = ctx.name_or_default(schema.name, self.scrub)
                enum_ns, enum_name = n.split_name(params[n.AVRO_TYPE_ENUM], False)
                base = {"type": "enum", "name": enum_name, "namespace": enum_ns}
                doc = params.get(n.AVRO_ENUM_DOC_PREFIX_PROP + str(short))
                if doc is not None:
                    base["doc"] = doc
                base["symbols"] = symbols
                default = params.get(n.AVRO_ENUM_DEFAULT_PREFIX_PROP + str(short))
                if default is not None:
                    base["default"] = default
            else:
                base = {"type": "string"}
        elif t is SchemaType.BYTES:
            if is_fixed_schema(schema):
                ns, short = ctx.name_or_default(schema.name, self.scrub)
                base = {
                    "type": "fixed",
                    "name": short,
                    "namespace": ns,
                    "size": int(params[n.CONNECT_AVRO_FIXED_SIZE_PROP]),
                }
            else:
                base = {"type": "bytes"}
            if (schema.name or "").lower() == Decimal.LOGICAL_NAME.lower():
                base[n.AVRO_LOGICAL_DECIMAL_SCALE_PROP] = int(params[Decimal.SCALE_FIELD])
                precision = params.get(n.CONNECT_AVRO_DECIMAL_PRECISION_PROP)
                base[n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP] = (
                    int(precision) if precision is not None else n.CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT
                )
        elif t is SchemaType.ARRAY:
            assert schema.value_schema is not None
            base = {"type": "array", "items": self._with_cycle(schema.value_schema, ctx, False)}
        elif t is SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            if schema.key_schema.type is SchemaType.STRING and (
                not schema.key_schema.optional or cfg.allow_optional_map_keys
            ):
                base = {"type": "map", "values": self._with_cycle(schema.value_schema, ctx, False)}
            else:
                if schema.name is None:
                    entry: dict[str, Any] = {
                        "type": "record",
                        "name": n.MAP_ENTRY_TYPE_NAME,
                        "namespace": n.NAMESPACE,
                    }
                    entry["fields"] = []
                else:
                    ns, short = ctx.name_or_default(schema.name, self.scrub)
                    entry = {"type": "record", "name": short, "namespace": ns, "fields": []}
                    entry[n.CONNECT_INTERNAL_TYPE_NAME] = n.MAP_ENTRY_TYPE_NAME
                self._add_field(entry["fields"], n.KEY_FIELD, schema.key_schema, None, ctx)
                self._add_field(entry["fields"], n.VALUE_FIELD, schema.value_schema, None, ctx)
                base = {"type": "array", "items": entry}
        elif t is SchemaType.STRUCT:
            assert schema.fields is not None
            if is_union_schema(schema):
                members: list[AvroNode] = [{"type": "null"}] if schema.optional else []
                for f in schema.fields:
                    members.append(self._with_cycle(non_optional(f.schema), ctx, True))
                base = members
            elif schema.optional:
                base = [{"type": "null"}, self._with_cycle(non_optional(schema), ctx, False)]
            else:
                ns, short = ctx.name_or_default(schema.name, self.scrub)
                record: dict[str, Any] = {"type": "record", "name": short, "namespace": ns}
                doc = params.get(n.AVRO_RECORD_DOC_PROP)
                if doc is not None:
                    record["doc"] = doc
                fields: list[dict[str, Any]] = []
                record["fields"] = fields
                if schema.name is not None:
                    ctx.cycle_refs[schema.name] = record
                for f in schema.fields:
                    field_doc = params.get(n.AVRO_FIELD_DOC_PREFIX_PROP + f.name)
                    self._add_field(
                        fields, n.scrub_name(f.name, self.scrub) or f.name, f.schema, field_doc, ctx
                    )
                base = record
        else:  # pragma: no cover - every SchemaType is handled above
            raise DataException(f"Unknown schema type: {t}")

        final = base
        if not isinstance(base, list):
            self._add_metadata(schema, base, connect_type, params)
            if not ignore_optional:
                final = self._maybe_optional(schema, base)
        if not schema.optional:
            ctx.schema_map[schema] = final
        return final

    def _add_metadata(
        self, schema: Schema, base: dict[str, Any], connect_type: str | None, params: Mapping[str, str]
    ) -> None:
        if self.config.connect_meta_data:
            if schema.doc is not None:
                _add_prop(base, n.CONNECT_DOC_PROP, schema.doc)
            if schema.version is not None:
                _add_prop(base, n.CONNECT_VERSION_PROP, schema.version)
            if schema.parameters is not None:
                shown = {k: v for k, v in schema.parameters.items() if k != n.AVRO_FIELD_DEFAULT_FLAG_PROP}
                if shown:
                    _add_prop(base, n.CONNECT_PARAMETERS_PROP, shown)
            if schema.default is not None and n.AVRO_FIELD_DEFAULT_FLAG_PROP not in params:
                _add_prop(base, n.CONNECT_DEFAULT_VALUE_PROP, self.default_json(schema, schema.default))
            if schema.name is not None:
                _add_prop(base, n.CONNECT_NAME_PROP, schema.name)
            if connect_type is not None:
                _add_prop(base, n.CONNECT_TYPE_PROP, connect_type)
        name = (schema.name or "").lower()
        legacy_decimal = False
        if name == Decimal.LOGICAL_NAME.lower():
            precision = int(
                params.get(n.CONNECT_AVRO_DECIMAL_PRECISION_PROP, n.CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT)
            )
            scale = int(params.get(Decimal.SCALE_FIELD, 0))
            if scale < 0 or scale > precision:
                legacy_decimal = True
            else:
                _add_prop(base, n.AVRO_LOGICAL_TYPE_PROP, n.AVRO_LOGICAL_DECIMAL)
                _add_prop(base, n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP, precision)
                _add_prop(base, n.AVRO_LOGICAL_DECIMAL_SCALE_PROP, scale)
            if n.CONNECT_AVRO_DECIMAL_PRECISION_PROP in params or legacy_decimal:
                _add_prop(base, n.AVRO_LOGICAL_TYPE_PROP, n.AVRO_LOGICAL_DECIMAL)
        elif name == Time.LOGICAL_NAME.lower():
            _add_prop(base, n.AVRO_LOGICAL_TYPE_PROP, n.AVRO_LOGICAL_TIME_MILLIS)
        elif name == Timestamp.LOGICAL_NAME.lower():
            _add_prop(base, n.AVRO_LOGICAL_TYPE_PROP, n.AVRO_LOGICAL_TIMESTAMP_MILLIS)
        elif name == Date.LOGICAL_NAME.lower():
            _add_prop(base, n.AVRO_LOGICAL_TYPE_PROP, n.AVRO_LOGICAL_DATE)
        for k, v in params.items():
            if k.startswith(n.AVRO_PROP):
                _add_prop(base, k, v)

    @staticmethod
    def _maybe_optional(schema: Schema, base: AvroNode) -> AvroNode:
        if not schema.optional:
            return base
        if schema.default is not None:
            return [base, {"type": "null"}]
        return [{"type": "null"}, base]

    def _with_cycle(self, schema: Schema, ctx: _Context, ignore_optional: bool) -> AvroNode:
        if schema.name is not None and schema.name in ctx.cycle_refs:
            resolved = ctx.cycle_refs[schema.name]
            return resolved if ignore_optional else self._maybe_optional(schema, resolved)
        return self._convert(schema, ctx, ignore_optional)

    def _add_field(
        self, fields: list[dict[str, Any]], name: str, schema: Schema, doc: str | None, ctx: _Context
    ) -> None:
        has_default = False
        default: Any = None
        if schema.default is not None:
            default = self.default_json(schema, schema.default)
            has_default = True
        elif schema.optional:
            has_default = True
        scrubbed = n.scrub_full_name(schema.name, self.scrub)
        already_seen = scrubbed is not None and scrubbed in ctx.seen_named
        if scrubbed is not None:
            ctx.seen_named.add(scrubbed)
        avro = self._convert(schema, ctx, False)
        field: dict[str, Any] = {"name": name, "type": avro}
        if doc is not None:
            field["doc"] = doc
        if has_default and is_valid_default(avro, default):
            field["default"] = default
        if self.config.connect_meta_data and already_seen and schema.parameters and _is_named_avro_type(avro):
            field[n.CONNECT_PARAMETERS_PROP] = dict(schema.parameters)
        fields.append(field)

    # --- defaults as JSON ----------------------------------------------------------------------
    def default_json(self, schema: Schema, value: Any) -> Any:
        """A Connect default value as the JSON Avro stores (Java's defaultValueFromConnect)."""
        if value is None:
            return None
        logical = _TO_AVRO_LOGICAL.get(schema.name or "")
        if logical is not None:
            value = logical(schema, value)
        t = schema.type
        if t in (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64):
            return int(value)
        if t is SchemaType.FLOAT32:
            return _JsonNumber(format_float(float(value)))
        if t is SchemaType.FLOAT64:
            return _JsonNumber(format_double(float(value)))
        if t in (SchemaType.BOOLEAN, SchemaType.STRING):
            return value
        if t is SchemaType.BYTES:
            return bytes(value).decode("latin-1")
        if t is SchemaType.ARRAY:
            assert schema.value_schema is not None
            return [self.default_json(schema.value_schema, v) for v in value]
        if t is SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            if schema.key_schema.type is SchemaType.STRING and (
                not schema.key_schema.optional or self.config.allow_optional_map_keys
            ):
                return {k: self.default_json(schema.value_schema, v) for k, v in value.items()}
            return [
                [self.default_json(schema.key_schema, k), self.default_json(schema.value_schema, v)]
                for k, v in value.items()
            ]
        if t is SchemaType.STRUCT:
            assert schema.fields is not None
            if not isinstance(value, Struct):
                raise DataException(
                    f"Invalid type used for default value of STRUCT field: {type(value).__name__}"
                )
            out: dict[str, Any] = {}
            for f in schema.fields:
                field_json = self.default_json(f.schema, value.get_checked(f.name))
                if is_union_schema(schema):
                    return field_json
                out[n.scrub_name(f.name, self.scrub) or f.name] = field_json
            return out
        raise DataException(f"Unknown schema type:{t}")  # pragma: no cover


def _decimal_bytes(schema: Schema, value: Any) -> bytes:
    return Decimal.from_logical(schema, value)


_TO_AVRO_LOGICAL: dict[str, Any] = {
    Decimal.LOGICAL_NAME: _decimal_bytes,
    Date.LOGICAL_NAME: Date.from_logical,
    Time.LOGICAL_NAME: Time.from_logical,
    Timestamp.LOGICAL_NAME: Timestamp.from_logical,
}


def _is_named_avro_type(node: AvroNode) -> bool:
    if isinstance(node, list):
        return any(avro_type(b) in _NAMED for b in node)
    return bool(avro_type(node) in _NAMED)


class _JsonNumber(str):
    """A number whose JSON text is given (Java's float/double text)."""


def is_valid_default(node: AvroNode, value: Any) -> bool:
    """Whether Avro accepts ``value`` (JSON) as a default for ``node`` (Avro's Schema.isValidDefault)."""
    t = avro_type(node)
    if t == "union":
        return is_valid_default(node[0], value)
    if t in ("string", "bytes", "enum", "fixed"):
        return isinstance(value, str) and not isinstance(value, _JsonNumber)
    if t == "int":
        return type(value) is int and -(2**31) <= value < 2**31
    if t == "long":
        return type(value) is int and -(2**63) <= value < 2**63
    if t in ("float", "double"):
        return isinstance(value, _JsonNumber) or (type(value) in (int, float))
    if t == "boolean":
        return type(value) is bool
    if t == "null":
        return value is None
    if t == "array":
        return isinstance(value, list) and all(is_valid_default(node["items"], v) for v in value)
    if t == "map":
        return isinstance(value, dict) and all(is_valid_default(node["values"], v) for v in value.values())
    if t == "record":
        if not isinstance(value, dict):
            return False
        for f in node["fields"]:
            if f["name"] in value:
                if not is_valid_default(f["type"], value[f["name"]]):
                    return False
            elif "default" not in f:
                return False
        return True
    return False


# --- JSON text as Avro's Schema.toString() writes it ------------------------------------------

_FIELD_KEYS = ("name", "type", "doc", "default")
_RECORD_KEYS = ("type", "name", "namespace", "doc", "fields")
_ENUM_KEYS = ("type", "name", "namespace", "doc", "symbols", "default")
_FIXED_KEYS = ("type", "name", "namespace", "doc", "size")


def avro_schema_json(node: AvroNode) -> str:
    """The schema text exactly as Java's ``Schema.toString()`` prints it (compact, Avro's key order)."""
    out: list[str] = []
    _write(node, None, {}, out)
    return "".join(out)


def _dump(value: Any) -> str:
    if isinstance(value, _JsonNumber):
        return str.__str__(value)
    if isinstance(value, dict):
        return "{" + ",".join(_dump(k) + ":" + _dump(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    if isinstance(value, float):
        return format_double(value)
    return json.dumps(value, ensure_ascii=False)


def _write(node: AvroNode, namespace: str | None, known: dict[str, AvroNode], out: list[str]) -> None:
    if isinstance(node, list):
        out.append("[")
        for i, member in enumerate(node):
            if i:
                out.append(",")
            _write(member, namespace, known, out)
        out.append("]")
        return
    t = node["type"]
    if t in _NAMED:
        name = full_name(node)
        assert name is not None
        seen = known.get(name)
        if seen is not None:
            if seen is not node and seen != node:
                raise DataException(f"Can't redefine: {name}")
            ns = node.get("namespace")
            out.append(_dump(node["name"] if ns == namespace or (ns is None and namespace is None) else name))
            return
        known[name] = node
    if len(node) == 1 and t not in _NAMED and t not in ("array", "map"):
        out.append(_dump(t))
        return
    parts: list[str] = []
    if t in _NAMED:
        keys = _RECORD_KEYS if t == "record" else _ENUM_KEYS if t == "enum" else _FIXED_KEYS
        ns = node.get("namespace")
        parts.append('"type":' + _dump(t))
        parts.append('"name":' + _dump(node["name"]))
        if ns is not None:
            if ns != namespace:
                parts.append('"namespace":' + _dump(ns))
        elif namespace is not None:
            parts.append('"namespace":""')
        if node.get("doc") is not None:
            parts.append('"doc":' + _dump(node["doc"]))
        inner_ns = ns if t == "record" else namespace
        if t == "record":
            parts.append('"fields":' + _fields_json(node["fields"], inner_ns, known))
        elif t == "enum":
            parts.append('"symbols":' + _dump(node["symbols"]))
            if node.get("default") is not None:
                parts.append('"default":' + _dump(node["default"]))
        else:
            parts.append('"size":' + _dump(node["size"]))
        parts.extend(_dump(k) + ":" + _dump(v) for k, v in node.items() if k not in keys)
    else:
        parts.append('"type":' + _dump(t))
        skip: tuple[str, ...] = ("type",)
        if t == "array":
            parts.append('"items":' + _sub(node["items"], namespace, known))
            skip = ("type", "items")
        elif t == "map":
            parts.append('"values":' + _sub(node["values"], namespace, known))
            skip = ("type", "values")
        parts.extend(_dump(k) + ":" + _dump(v) for k, v in node.items() if k not in skip)
    out.append("{" + ",".join(parts) + "}")


def _sub(node: AvroNode, namespace: str | None, known: dict[str, AvroNode]) -> str:
    out: list[str] = []
    _write(node, namespace, known, out)
    return "".join(out)


def _fields_json(fields: list[dict[str, Any]], namespace: str | None, known: dict[str, AvroNode]) -> str:
    items = []
    for f in fields:
        parts = ['"name":' + _dump(f["name"]), '"type":' + _sub(f["type"], namespace, known)]
        if f.get("doc") is not None:
            parts.append('"doc":' + _dump(f["doc"]))
        if "default" in f:
            parts.append('"default":' + _dump(f["default"]))
        parts.extend(_dump(k) + ":" + _dump(v) for k, v in f.items() if k not in _FIELD_KEYS)
        items.append("{" + ",".join(parts) + "}")
    return "[" + ",".join(items) + "]"
