"""Avro schema → Connect Schema, as Confluent's ``AvroData.toConnectSchema`` reads it.

The Avro schema is JSON-able data (a type name, a dict or a union list) as ``json.loads`` gives it; named
types may be referenced by name after their definition. Recursive Avro schemas are refused: a Connect
schema here is an immutable tree.
"""

from __future__ import annotations

from typing import Any

from connectrt.api.data import (
    DataException,
    Date,
    Decimal,
    Schema,
    SchemaBuilder,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)
from connectrt.converters.avro import names as n
from connectrt.converters.avro.config import AvroDataConfig

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_NAMED = ("record", "enum", "fixed")
_NO_DEFAULT = object()


class _Names:
    """Named types seen so far, and the ones being converted (to detect recursion)."""

    def __init__(self) -> None:
        self.types: dict[str, dict[str, Any]] = {}
        self.in_progress: set[str] = set()


def _full_name(node: dict[str, Any], namespace: str | None) -> str:
    name = node["name"]
    if "." in name:
        return str(name)
    ns = node.get("namespace", namespace)
    return f"{ns}.{name}" if ns else str(name)


def _space(full: str) -> str | None:
    return full.rsplit(".", 1)[0] if "." in full else None


class SchemaIn:
    """Avro → Connect schemas for one :class:`AvroDataConfig`."""

    def __init__(self, config: AvroDataConfig) -> None:
        self.config = config

    def convert(self, avro: Any, version: int | None = None) -> Schema:
        return self._convert(avro, None, _Names(), False, _NO_DEFAULT, None, version)

    # --- resolution of names and the node form --------------------------------------------------
    def _resolve(self, avro: Any, namespace: str | None, names: _Names) -> tuple[Any, str | None]:
        """(node, its namespace context) with a name reference replaced by the named type's definition."""
        if isinstance(avro, str):
            if avro in _PRIMITIVES:
                return {"type": avro}, namespace
            full = avro if "." in avro else (f"{namespace}.{avro}" if namespace else avro)
            node = names.types.get(full) or names.types.get(avro)
            if node is None:
                raise DataException(f"Undefined Avro name: {avro}")
            full = _full_name(node, namespace)
            if full in names.in_progress:
                raise DataException(f"Recursive Avro schemas cannot be converted to Connect schemas ({full})")
            return node, _space(full)
        if isinstance(avro, dict) and isinstance(avro.get("type"), (dict, list)):
            return self._resolve(avro["type"], namespace, names)
        if isinstance(avro, dict) and avro.get("type") in _NAMED:
            full = _full_name(avro, namespace)
            names.types.setdefault(full, avro)
            return avro, _space(full)
        if isinstance(avro, dict) and isinstance(avro.get("type"), str) and avro["type"] not in _PRIMITIVES | {
            "array", "map"
        }:  # fmt: skip
            node, ns = self._resolve(avro["type"], namespace, names)
            return node, ns
        return avro, namespace

    def _is_map_entry(self, node: Any, namespace: str | None, names: _Names) -> bool:
        node, _ = self._resolve(node, namespace, names)
        if not isinstance(node, dict) or node.get("type") != "record":
            return False
        return (
            _full_name(node, namespace) == f"{n.NAMESPACE}.{n.MAP_ENTRY_TYPE_NAME}"
            or node.get(n.CONNECT_INTERNAL_TYPE_NAME) == n.MAP_ENTRY_TYPE_NAME
        )

    # --- the mapping -----------------------------------------------------------------------------
    def _convert(
        self,
        avro: Any,
        namespace: str | None,
        names: _Names,
        force_optional: bool,
        field_default: Any,
        doc_default: str | None,
        version: int | None = None,
    ) -> Schema:
        cfg = self.config
        if isinstance(avro, list):
            return self._union(avro, namespace, names, doc_default)
        node, ns = self._resolve(avro, namespace, names)
        if isinstance(node, list):
            return self._union(node, ns, names, doc_default)
        t = node["type"]
        connect_type = node.get(n.CONNECT_TYPE_PROP)
        logical = node.get(n.AVRO_LOGICAL_TYPE_PROP)
        builder: SchemaBuilder
        full = _full_name(node, namespace) if t in _NAMED else None
        if full is not None:
            names.in_progress.add(full)
        try:
            if t == "boolean":
                builder = SchemaBuilder.bool()
            elif t in ("bytes", "fixed"):
                if isinstance(logical, str) and logical.lower() == n.AVRO_LOGICAL_DECIMAL:
                    scale = node.get(n.AVRO_LOGICAL_DECIMAL_SCALE_PROP)
                    builder = Decimal.builder(scale if isinstance(scale, int) else 0)
                    precision = node.get(n.AVRO_LOGICAL_DECIMAL_PRECISION_PROP)
                    if precision is not None:
                        if not isinstance(precision, int) or isinstance(precision, bool):
                            raise DataException(
                                "precision property must be a JSON Integer. https://avro.apache.org/docs/1.9.1/spec.html#Decimal"
                            )
                        if precision != n.CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT:
                            builder.parameter(n.CONNECT_AVRO_DECIMAL_PRECISION_PROP, str(precision))
                else:
                    builder = SchemaBuilder.bytes()
                if t == "fixed":
                    builder.parameter(n.CONNECT_AVRO_FIXED_SIZE_PROP, str(node["size"]))
            elif t == "double":
                builder = SchemaBuilder.float64()
            elif t == "float":
                builder = SchemaBuilder.float32()
            elif t == "int":
                if connect_type is None and logical is None:
                    builder = SchemaBuilder.int32()
                elif logical is not None:
                    lt = str(logical).lower()
                    builder = (
                        Date.builder() if lt == n.AVRO_LOGICAL_DATE
                        else Time.builder() if lt == n.AVRO_LOGICAL_TIME_MILLIS
                        else SchemaBuilder.int32()
                    )  # fmt: skip
                elif connect_type == n.CONNECT_TYPE_INT8:
                    builder = SchemaBuilder.int8()
                elif connect_type == n.CONNECT_TYPE_INT16:
                    builder = SchemaBuilder.int16()
                else:
                    raise DataException("Connect type annotation for Avro int field is null")
            elif t == "long":
                if isinstance(logical, str) and logical.lower() == n.AVRO_LOGICAL_TIMESTAMP_MILLIS:
                    builder = Timestamp.builder()
                else:
                    builder = SchemaBuilder.int64()
            elif t == "string":
                builder = SchemaBuilder.string()
            elif t == "array":
                items = node["items"]
                if self._is_map_entry(items, ns, names):
                    entry, _ = self._resolve(items, ns, names)
                    fields = {f["name"]: f for f in entry["fields"]}
                    if len(fields) != 2 or n.KEY_FIELD not in fields or n.VALUE_FIELD not in fields:
                        raise DataException(
                            "Found map encoded as array of key-value pairs, but array elements do not match the "
                            "expected format."
                        )
                    inner_ns = _space(_full_name(entry, ns))
                    builder = SchemaBuilder.map(
                        self._convert(fields[n.KEY_FIELD]["type"], inner_ns, names, False, _NO_DEFAULT, None),
                        self._convert(
                            fields[n.VALUE_FIELD]["type"], inner_ns, names, False, _NO_DEFAULT, None
                        ),
                    )
                else:
                    builder = SchemaBuilder.array(self._convert(items, ns, names, False, _NO_DEFAULT, None))
            elif t == "map":
                builder = SchemaBuilder.map(
                    Schema.STRING_SCHEMA, self._convert(node["values"], ns, names, False, _NO_DEFAULT, None)
                )
            elif t == "record":
                builder = SchemaBuilder.struct()
                meta = cfg.connect_meta_data
                if meta and node.get("doc") is not None:
                    builder.parameter(n.AVRO_RECORD_DOC_PROP, node["doc"])
                for f in node["fields"]:
                    if meta and f.get("doc") is not None:
                        builder.parameter(n.AVRO_FIELD_DOC_PREFIX_PROP + f["name"], f["doc"])
                    default = f["default"] if "default" in f else _NO_DEFAULT
                    fs = self._convert(f["type"], ns, names, False, default, f.get("doc"))
                    params = f.get(n.CONNECT_PARAMETERS_PROP)
                    if meta and isinstance(params, dict):
                        fs = _with_params(fs, params)
                    builder.field(f["name"], fs)
            elif t == "enum":
                builder = SchemaBuilder.string()
                short = node["name"].rsplit(".", 1)[-1]
                if cfg.connect_meta_data:
                    if node.get("doc") is not None:
                        builder.parameter(n.AVRO_ENUM_DOC_PREFIX_PROP + short, node["doc"])
                    if node.get("default") is not None:
                        builder.parameter(n.AVRO_ENUM_DEFAULT_PREFIX_PROP + short, node["default"])
                builder.parameter(n.AVRO_TYPE_ENUM, str(full))
                for symbol in node["symbols"]:
                    builder.parameter(f"{n.AVRO_TYPE_ENUM}.{symbol}", symbol)
            elif t == "null":
                raise DataException("Standalone null schemas are not supported by this converter")
            else:
                raise DataException(f"Couldn't translate unsupported schema type {t}.")
        finally:
            if full is not None:
                names.in_progress.discard(full)
        return self._finish(builder, node, t, full, force_optional, field_default, version)

    def _union(
        self, members: list[Any], namespace: str | None, names: _Names, doc_default: str | None
    ) -> Schema:
        if len(members) == 1 and self.config.flatten_singleton_unions:
            return self._convert(members[0], namespace, names, False, _NO_DEFAULT, doc_default)
        if len(members) == 2 and any(_is_null(m) for m in members):
            other = next(m for m in members if not _is_null(m))
            return self._convert(other, namespace, names, True, _NO_DEFAULT, doc_default)
        builder = SchemaBuilder.struct().name(n.AVRO_TYPE_UNION)
        seen: set[str] = set()
        for member in members:
            if _is_null(member):
                builder.optional()
                continue
            node, _ = self._resolve(member, namespace, names)
            field_name = self.member_field_name(node, namespace)
            if field_name in seen:
                raise DataException("Multiple union schemas map to the Connect union field name")
            seen.add(field_name)
            builder.field(field_name, self._convert(member, namespace, names, True, _NO_DEFAULT, None))
        return builder.build()

    def member_field_name(self, node: Any, namespace: str | None) -> str:
        """The Connect union field of an Avro union member (Java's unionMemberFieldName)."""
        if isinstance(node, dict) and node.get("type") in _NAMED:
            full = _full_name(node, namespace)
            return full if self.config.enhanced_avro_schema_support else full.rsplit(".", 1)[-1]
        return str(node["type"] if isinstance(node, dict) else node)

    def _finish(
        self,
        builder: SchemaBuilder,
        node: dict[str, Any],
        t: str,
        full: str | None,
        force_optional: bool,
        field_default: Any,
        version: int | None,
    ) -> Schema:
        cfg = self.config
        doc = node.get(n.CONNECT_DOC_PROP)
        if cfg.connect_meta_data and doc is not None:
            builder.doc(doc)
        version_node = node.get(n.CONNECT_VERSION_PROP)
        v = -1
        if version_node is not None:
            if not isinstance(version_node, int) or isinstance(version_node, bool):
                raise DataException(f"Invalid Connect version found: {version_node}")
            v = version_node
        elif version is not None:
            v = version
        if v >= 0:
            if builder._version is not None and builder._version != v:
                raise DataException(
                    f"Mismatched versions: version already added to SchemaBuilder ({builder._version}) differs "
                    f"from version in source schema ({v})"
                )
            builder.version(v)
        params = node.get(n.CONNECT_PARAMETERS_PROP)
        if cfg.connect_meta_data and params is not None:
            if not isinstance(params, dict):
                raise DataException(f"Expected JSON object for schema parameters but found: {params}")
            for key, value in params.items():
                if not isinstance(value, str):
                    raise DataException(f"Expected schema parameter values to be strings but found: {value}")
                builder.parameter(key, value)
        for key, value in node.items():
            if key.startswith(n.AVRO_PROP) and key != "type":
                builder.parameter(key, value if isinstance(value, str) else str(value))
        connect_default = node.get(n.CONNECT_DEFAULT_VALUE_PROP, _NO_DEFAULT)
        if field_default is _NO_DEFAULT:
            field_default = connect_default
        elif cfg.connect_meta_data and connect_default is _NO_DEFAULT:
            builder.parameter(n.AVRO_FIELD_DEFAULT_FLAG_PROP, "true")
        name_prop = node.get(n.CONNECT_NAME_PROP)
        name: str | None = None
        if name_prop is not None:
            if not isinstance(name_prop, str):
                raise DataException(f"Invalid schema name: {name_prop}")
            name = name_prop
        elif t in ("record", "enum") or (t == "fixed" and builder._name != Decimal.LOGICAL_NAME):
            name = full
        if name is not None and not name.startswith(n.DEFAULT_SCHEMA_FULL_NAME):
            if builder._name is not None and builder._name != name:
                raise DataException(
                    f"Mismatched names: name already added to SchemaBuilder ({builder._name}) differs from name in "
                    f"source schema ({name})"
                )
            builder.name(name)
        if force_optional:
            builder.optional()
        if field_default is not _NO_DEFAULT and field_default is not None:
            probe = builder.build()
            try:
                builder.default_value(default_from_json(probe, node, field_default))
                return builder.build()
            except (DataException, ValueError, TypeError, KeyError):
                return probe  # Java logs "Ignoring invalid default" and keeps the schema without it
        return builder.build()


def _is_null(member: Any) -> bool:
    return member == "null" or (isinstance(member, dict) and member.get("type") == "null")


def _with_params(schema: Schema, params: dict[str, Any]) -> Schema:
    current = schema.parameters or {}
    if all(current.get(str(k)) == str(v) for k, v in params.items()):
        return schema
    b = SchemaBuilder.from_schema(schema)
    b.parameters({str(k): str(v) for k, v in params.items()})
    b.default_value(schema.default)
    return b.build()


def default_from_json(schema: Schema, node: Any, value: Any) -> Any:
    """A default given as Avro JSON, as a Connect value of ``schema`` (Java's defaultValueFromAvro)."""
    if value is None:
        return None
    t = schema.type
    raw: Any
    if schema.name == Decimal.LOGICAL_NAME:
        return Decimal.to_logical(schema, str(value).encode("latin-1"))
    if t in (SchemaType.INT8, SchemaType.INT16, SchemaType.INT32, SchemaType.INT64):
        raw = int(value)
    elif t in (SchemaType.FLOAT32, SchemaType.FLOAT64):
        raw = float(value)
    elif t is SchemaType.BOOLEAN:
        raw = bool(value)
    elif t is SchemaType.STRING:
        raw = value if isinstance(value, str) else str(value)
    elif t is SchemaType.BYTES:
        raw = str(value).encode("latin-1")
    elif t is SchemaType.ARRAY:
        assert schema.value_schema is not None
        items = node.get("items") if isinstance(node, dict) else None
        raw = [default_from_json(schema.value_schema, items, v) for v in value]
    elif t is SchemaType.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        if isinstance(value, dict):
            values_node = node.get("values") if isinstance(node, dict) else None
            raw = {k: default_from_json(schema.value_schema, values_node, v) for k, v in value.items()}
        else:
            raw = {
                default_from_json(schema.key_schema, None, k): default_from_json(schema.value_schema, None, v)
                for k, v in value
            }
    elif t is SchemaType.STRUCT:
        assert schema.fields is not None
        if schema.name == n.AVRO_TYPE_UNION:
            first = schema.fields[0]
            return Struct(schema).put(first.name, default_from_json(first.schema, None, value))
        if not isinstance(value, dict):
            raise DataException("Invalid JSON for record default value")
        raw = Struct(
            schema, {f.name: default_from_json(f.schema, None, value.get(f.name)) for f in schema.fields}
        )
    else:  # pragma: no cover
        return None
    if schema.name == Date.LOGICAL_NAME:
        return Date.to_logical(schema, raw)
    if schema.name == Time.LOGICAL_NAME:
        return Time.to_logical(schema, raw)
    if schema.name == Timestamp.LOGICAL_NAME:
        return Timestamp.to_logical(schema, raw)
    return raw
