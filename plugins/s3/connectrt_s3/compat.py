"""``schema.compatibility``: when a schema change rotates the files, and how older records are projected
(storage-common's StorageSchemaCompatibility and SchemaProjector)."""

from __future__ import annotations

from typing import Any

from connectrt.api import ConnectException, SinkRecord, Struct
from connectrt.api.data import Schema, SchemaType

_PROMOTABLE_ORDER = [
    SchemaType.INT8,
    SchemaType.INT16,
    SchemaType.INT32,
    SchemaType.INT64,
    SchemaType.FLOAT32,
    SchemaType.FLOAT64,
]
_METADATA_PARAMS = ("connect.record.doc", "connect.record.aliases", "connect.record.namespace")
_ENUM_PARAMS = (
    "org.apache.kafka.connect.data.Enum",
    "io.confluent.connect.avro.Enum",
    "io.confluent.connect.protobuf.Enum",
)


class SchemaProjectorException(ConnectException):
    """A record that cannot be projected to the file's schema."""


def _promotable(source: SchemaType, target: SchemaType) -> bool:
    if source not in _PROMOTABLE_ORDER or target not in _PROMOTABLE_ORDER:
        return False
    return _PROMOTABLE_ORDER.index(source) <= _PROMOTABLE_ORDER.index(target)


def _filtered(params: dict[str, str] | None) -> dict[str, str]:
    if not params:
        return {}
    return {
        k: v for k, v in params.items()
        if k not in _METADATA_PARAMS and not k.startswith("io.confluent.connect.avro.field.doc.")
    }  # fmt: skip


def _is_enum(schema: Schema) -> bool:
    return bool(schema.parameters) and any(p in schema.parameters for p in _ENUM_PARAMS)  # type: ignore[operator]


def _params_differ(original: Schema, current: Schema) -> bool:
    a, b = _filtered(original.parameters), _filtered(current.parameters)
    if _is_enum(original) and _is_enum(current):
        return not a.items() <= b.items()
    return a != b


class Compatibility:
    """NONE, BACKWARD, FORWARD or FULL."""

    def __init__(self, mode: str) -> None:
        self.mode = mode if mode in ("NONE", "BACKWARD", "FORWARD", "FULL") else "NONE"

    def should_change_schema(self, value_schema: Schema | None, current: Schema | None) -> bool:
        """True when a record of ``value_schema`` cannot go into a file of ``current`` (rotation)."""
        if value_schema is current:
            return False
        if value_schema is None or current is None:
            raise SchemaProjectorException(
                "Switch between schema-based and schema-less data is not supported"
            )
        if self.mode == "NONE":
            return value_schema != current
        if value_schema.version is None or current.version is None:
            raise SchemaProjectorException(f"Schema version required for {self.mode} compatibility")
        if self._incompatible(value_schema, current):
            return True
        if self.mode == "FORWARD":
            return value_schema.version < current.version
        return value_schema.version > current.version

    def _incompatible(self, original: Schema, current: Schema) -> bool:
        if original.type is not current.type and not _promotable(original.type, current.type):
            return True
        if original.name != current.name or _params_differ(original, current):
            return True
        if original.optional and not current.optional and current.default is None:
            return True
        if original.type is SchemaType.STRUCT:
            assert original.fields is not None and current.fields is not None
            for f in original.fields:
                other = current.field(f.name)
                if other is not None and self._incompatible(f.schema, other.schema):
                    return True
            for f in current.fields:
                if original.field(f.name) is None and not f.schema.optional and f.schema.default is None:
                    return True
            return False
        if original.type is SchemaType.ARRAY:
            assert original.value_schema is not None and current.value_schema is not None
            return self._incompatible(original.value_schema, current.value_schema)
        if original.type is SchemaType.MAP:
            assert original.key_schema is not None and current.key_schema is not None
            assert original.value_schema is not None and current.value_schema is not None
            return self._incompatible(original.key_schema, current.key_schema) or self._incompatible(
                original.value_schema, current.value_schema
            )
        return False

    def project(self, record: SinkRecord, current: Schema | None) -> SinkRecord:
        if (
            self.mode == "NONE"
            or record.value_schema is None
            or current is None
            or record.value_schema == current
        ):
            return record
        value = project(record.value_schema, record.value, current)
        return record.new_record(
            record.topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            current,
            value,
            record.timestamp,
        )


def project(source: Schema, value: Any, target: Schema) -> Any:
    """``value`` of ``source`` as a value of ``target`` (Confluent's SchemaProjector.project)."""
    if source.type is not target.type and not _promotable(source.type, target.type):
        raise SchemaProjectorException(
            f"Schema type mismatch. source type: {source.type} and target type: {target.type}"
        )
    if source.name != target.name:
        raise SchemaProjectorException(
            f"Schema name mismatch. source name: {source.name} and target name: {target.name}"
        )
    if source.parameters is not None and target.parameters is not None and _params_differ(source, target):
        raise SchemaProjectorException(
            f"Schema parameters not equal. source parameters: {source.parameters} and target parameters: {target.parameters}"
        )
    if source.optional and not target.optional:
        if target.default is None:
            raise SchemaProjectorException(
                "Writer schema is optional, however, target schema does not provide a default value."
            )
        return target.default if value is None else _project_required(source, value, target)
    return None if value is None else _project_required(source, value, target)


def _project_required(source: Schema, value: Any, target: Schema) -> Any:
    t = target.type
    if t is SchemaType.STRUCT:
        assert target.fields is not None
        out = Struct(target)
        for f in target.fields:
            sf = source.field(f.name)
            if sf is not None:
                try:
                    dict.__setitem__(out, f.name, project(sf.schema, value.get_checked(f.name), f.schema))
                except SchemaProjectorException as e:
                    raise SchemaProjectorException(f"Error projecting {f.name}") from e
            elif f.schema.optional:
                continue
            elif f.schema.default is not None:
                dict.__setitem__(out, f.name, f.schema.default)
            else:
                raise SchemaProjectorException(
                    f"Required field `{f.name}` is missing from source schema: {source!r}"
                )
        return out
    if t is SchemaType.ARRAY:
        assert source.value_schema is not None and target.value_schema is not None
        return [project(source.value_schema, v, target.value_schema) for v in value]
    if t is SchemaType.MAP:
        assert source.key_schema is not None and target.key_schema is not None
        assert source.value_schema is not None and target.value_schema is not None
        return {
            project(source.key_schema, k, target.key_schema): project(
                source.value_schema, v, target.value_schema
            )
            for k, v in value.items()
        }
    if _promotable(source.type, t) and isinstance(value, (int, float)) and not isinstance(value, bool):
        if t in (SchemaType.FLOAT32, SchemaType.FLOAT64):
            return float(value)
        return int(value)
    return value
