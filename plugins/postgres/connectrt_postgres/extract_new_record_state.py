"""ExtractNewRecordState (``io.debezium.transforms.ExtractNewRecordState``): Debezium envelopes flattened
to the row after the change.

- c/u/r records become their ``after`` struct; truncate records are dropped; records that are not
  Debezium envelopes (heartbeats, logical decoding messages) pass through unchanged.
- ``delete.tombstone.handling.mode``: ``tombstone`` (default: a delete becomes a record with a null
  value and the original tombstone is dropped), ``drop``, ``rewrite`` (the ``before`` row plus
  ``__deleted: "true"``; every other row gets ``__deleted: "false"``), ``rewrite-with-tombstone``
  and ``delete-to-tombstone`` (a delete becomes a real tombstone: null value and null schema).
- The 3.0/3.1 options ``drop.tombstones`` and ``delete.handling.mode`` (drop/none/rewrite) are
  honoured when ``delete.tombstone.handling.mode`` is not set.
- ``add.fields`` / ``add.headers`` copy envelope fields (``op``, ``table``, ``source.ts_ms``,
  ``lsn``, ``name:NEWNAME``...) into the value or the headers with ``add.fields.prefix`` /
  ``add.headers.prefix`` (``__``); ``route.by.field`` sets the topic from a row field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.api.plugin import Transformation
from connectrt.api.records import ConnectRecord, Header, Headers
from connectrt.config.configdef import (
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
    Validator,
    Width,
)

from connectrt_postgres.config import DEBEZIUM_VERSION

log = logging.getLogger(__name__)

MODES = ("drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone")
DELETED_FIELD = "__deleted"
_NO_STRUCT = ("op", "ts_ms", "ts_us", "ts_ns")
_TRANSACTION_FIELDS = ("id", "total_order", "data_collection_order")


class _DebeziumEnum(Validator):
    """One of ``valid`` (any case), refused in Debezium's words, listing the values in its order."""

    def __init__(self, valid: tuple[str, ...]) -> None:
        self.valid = valid

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None or str(value).strip().lower() not in self.valid:
            raise ConfigException(name, value, "Value must be one of " + ", ".join(self.valid))

    def __str__(self) -> str:
        return "[" + ", ".join(self.valid) + "]"


class _OptionalEnum(CaseInsensitiveValidString):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None:
            super().ensure_valid(name, value)


_L, _M = Importance.LOW, Importance.MEDIUM
_SHORT, _MEDIUM, _LONG = Width.SHORT, Width.MEDIUM, Width.LONG

# Debezium 3.6.1's keys in its order, with its type, default, importance, width and display name;
# then the older keys it no longer lists, which connectrt still honours.
# name, type, default, validator, importance, width, display name, documentation
_KEYS: list[tuple[str, Type, Any, Validator | None, Importance, Width, str | None, str]] = [
    (
        "delete.tombstone.handling.mode",
        Type.STRING,
        "tombstone",
        _DebeziumEnum(("drop", "tombstone", "rewrite-with-tombstone", "rewrite", "delete-to-tombstone")),
        _M,
        _MEDIUM,
        "Handle delete and tombstone records",
        "How deletes and tombstones are handled: drop, tombstone (default), rewrite, rewrite-with-tombstone, "
        "delete-to-tombstone. Unset, the older drop.tombstones and delete.handling.mode decide.",
    ),
    (
        "route.by.field",
        Type.STRING,
        "",
        None,
        _L,
        _LONG,
        "Route by field name",
        "A row field whose value becomes the record's topic.",
    ),
    (
        "add.fields.prefix",
        Type.STRING,
        "__",
        None,
        _L,
        _SHORT,
        "Field prefix to be added to each field.",
        "Prefix of added fields.",
    ),
    (
        "add.fields",
        Type.LIST,
        "",
        None,
        _L,
        _LONG,
        "Adds the specified field(s) to the message if they exist.",
        "Envelope fields added to the row, e.g. op,table,source.ts_ms or name:NEWNAME.",
    ),
    (
        "add.headers.prefix",
        Type.STRING,
        "__",
        None,
        _L,
        _SHORT,
        "Header prefix to be added to each header.",
        "Prefix of added headers.",
    ),
    (
        "add.headers",
        Type.LIST,
        "",
        None,
        _L,
        _LONG,
        "Adds the specified fields to the header if they exist.",
        "Envelope fields added as headers.",
    ),
    (
        "drop.fields.header.name",
        Type.STRING,
        None,
        None,
        _L,
        _SHORT,
        "Specifies a header that contains a list of field names to be removed",
        "A header listing fields to remove from the value (not supported by connectrt yet).",
    ),
    (
        "drop.fields.from.key",
        Type.BOOLEAN,
        False,
        None,
        _L,
        _SHORT,
        "Specifies whether the fields to be dropped should also be omitted from the key",
        "Also remove those fields from the key.",
    ),
    (
        "drop.fields.keep.schema.compatible",
        Type.BOOLEAN,
        True,
        None,
        _L,
        _SHORT,
        "Specifies if fields are dropped, will the event's schemas be compatible",
        "Remove only optional fields, keeping schemas compatible.",
    ),
    (
        "drop.tombstones",
        Type.BOOLEAN,
        None,
        None,
        _L,
        Width.NONE,
        None,
        "Deprecated (Debezium 3.0/3.1): drop tombstones; used only without delete.tombstone.handling.mode.",
    ),
    (
        "delete.handling.mode",
        Type.STRING,
        None,
        _OptionalEnum(("drop", "none", "rewrite")),
        _L,
        Width.NONE,
        None,
        "Deprecated (Debezium 3.0/3.1): drop, none or rewrite delete events.",
    ),
    (
        "replace.null.with.default",
        Type.BOOLEAN,
        True,
        None,
        _L,
        Width.NONE,
        None,
        "Replace null field values with their schema defaults when rewriting.",
    ),
]

CONFIG_DEF = ConfigDef()
for _name, _type, _default, _validator, _importance, _width, _display, _doc in _KEYS:
    CONFIG_DEF.define(
        _name,
        _type,
        _default,
        _validator,
        _importance,
        _doc,
        order_in_group=1 if _display else -1,
        width=_width,
        display_name=_display,
    )


class FieldReference:
    """One ``add.fields`` / ``add.headers`` entry: ``[struct.]field[:new_name]``."""

    def __init__(self, prefix: str, spec: str) -> None:
        parts = spec.split(":")
        if len(parts) > 2:
            raise ConfigException(f"Unexpected field name: {spec}")
        splits = parts[0].split(".")
        self.field = splits[0] if len(splits) == 1 else splits[1]
        if len(splits) == 1:
            self.struct: str | None = (
                "transaction"
                if self.field in _TRANSACTION_FIELDS
                else None
                if self.field in _NO_STRUCT
                else "source"
            )
        else:
            self.struct = splits[0]
        if len(parts) == 2:
            self.new_field = prefix + parts[1]
        else:
            self.new_field = prefix + (self.field if len(splits) == 1 else f"{self.struct}_{self.field}")

    def schema(self, envelope: Schema) -> Schema | None:
        parent = envelope
        if self.struct is not None:
            holder = envelope.field(self.struct)
            if holder is None:
                return None
            parent = holder.schema
        field = parent.field(self.field) if parent.fields is not None else None
        if field is None:
            field = envelope.field(self.field)
            if field is None:
                return None
        b = SchemaBuilder(field.schema.type).optional()
        b.name(field.schema.name).version(field.schema.version).doc(field.schema.doc)
        if field.schema.parameters:
            b.parameters(field.schema.parameters)
        if field.schema.key_schema is not None or field.schema.value_schema is not None:
            b._key_schema = field.schema.key_schema
            b._value_schema = field.schema.value_schema
        if field.schema.fields:
            for f in field.schema.fields:
                b.field(f.name, f.schema)
        return b.build()

    def value(self, envelope: Struct) -> Any:
        parent: Any = envelope
        if self.struct is not None:
            parent = dict.get(envelope, self.struct)
            if parent is None:
                return None
        if isinstance(parent, Struct) and parent.schema.field(self.field) is not None:
            return dict.get(parent, self.field)
        return dict.get(envelope, self.field)


def _references(prefix: str, parts: list[str]) -> list[FieldReference]:
    return [FieldReference(prefix, part.strip()) for part in parts if part.strip()]


class ExtractNewRecordState(Transformation[ConnectRecord]):
    ALIASES = ("io.debezium.transforms.ExtractNewRecordState",)
    VERSION = DEBEZIUM_VERSION

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        mode = values["delete.tombstone.handling.mode"]
        self.legacy_delete: str | None = None
        self.legacy_drop_tombstones = True
        if "delete.tombstone.handling.mode" not in configs and (
            values["drop.tombstones"] is not None or values["delete.handling.mode"] is not None
        ):
            self.legacy_delete = (values["delete.handling.mode"] or "drop").lower()
            self.legacy_drop_tombstones = values["drop.tombstones"] is not False
            mode = "rewrite" if self.legacy_delete == "rewrite" else "tombstone"
        self.mode = (mode or "tombstone").lower()
        self.fields = _references(values["add.fields.prefix"], values["add.fields"])
        self.header_fields = _references(values["add.headers.prefix"], values["add.headers"])
        self.route_by = values["route.by.field"] or None
        if values["drop.fields.header.name"]:
            raise ConfigException(
                "drop.fields.header.name is not supported by connectrt's ExtractNewRecordState yet; remove it."
            )
        self._schemas: dict[tuple[Schema, str, bool], Schema] = {}

    # --- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _is_envelope(record: ConnectRecord) -> bool:
        schema = record.value_schema
        return (
            isinstance(record.value, Struct)
            and schema is not None
            and schema.name is not None
            and schema.name.endswith(".Envelope")
        )

    def _row_schema(self, row: Schema, envelope: Schema, op: str, deleted: bool) -> Schema:
        key = (row, op, deleted)
        cached = self._schemas.get(key)
        if cached is not None:
            return cached
        b = SchemaBuilder.struct().name(row.name).version(row.version).doc(row.doc)
        if row.optional:
            b.optional()
        if row.parameters:
            b.parameters(row.parameters)
        for f in row.fields or ():
            b.field(f.name, f.schema)
        for ref in self.fields:
            schema = ref.schema(envelope)
            if schema is not None:
                b.field(ref.new_field, schema)
        if deleted:
            b.field(DELETED_FIELD, Schema.OPTIONAL_STRING_SCHEMA)
        built = b.build()
        self._schemas[key] = built
        return built

    def _flatten(self, envelope: Struct, row: Struct, deleted: str | None) -> Struct:
        op = dict.get(envelope, "op") or ""
        with_deleted = deleted is not None and self.mode in ("rewrite", "rewrite-with-tombstone")
        if not self.fields and not with_deleted:
            return row
        schema = self._row_schema(row.schema, envelope.schema, op, with_deleted)
        out = Struct.__new__(Struct)
        out.schema = schema
        dict.update(out, row)
        for ref in self.fields:
            if schema.field(ref.new_field) is not None:
                dict.__setitem__(out, ref.new_field, ref.value(envelope))
        if with_deleted:
            dict.__setitem__(out, DELETED_FIELD, deleted)
        return out

    def _add_headers(self, record: ConnectRecord, envelope: Struct | None) -> Headers:
        headers = record.headers.duplicate()
        for ref in self.header_fields:
            if envelope is None:
                if ref.field == "op":
                    headers.add_header(Header(ref.new_field, "d", Schema.OPTIONAL_STRING_SCHEMA))
                continue
            schema = ref.schema(envelope.schema)
            if schema is not None:
                headers.add_header(Header(ref.new_field, ref.value(envelope), schema))
        return headers

    # --- apply -------------------------------------------------------------------------------------------
    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        tombstone = record.value is None
        envelope = record.value if self._is_envelope(record) else None
        if not tombstone and envelope is None:
            return record
        headers = self._add_headers(record, envelope) if self.header_fields else record.headers
        if tombstone:
            if self.legacy_delete is not None:
                return None if self.legacy_drop_tombstones else record
            return record if self.mode == "rewrite-with-tombstone" else None
        assert envelope is not None
        env_schema = envelope.schema
        after = dict.get(envelope, "after")
        before = dict.get(envelope, "before")
        topic = record.topic
        if after is None and before is None:
            return None  # truncate
        if after is None:
            if self.legacy_delete == "drop" or (self.legacy_delete is None and self.mode == "drop"):
                return None
            if self.mode == "delete-to-tombstone":
                return record.new_record(
                    topic,
                    record.kafka_partition,
                    record.key_schema,
                    record.key,
                    None,
                    None,
                    record.timestamp,
                    headers,
                )
            if self.mode in ("rewrite", "rewrite-with-tombstone"):
                if not isinstance(before, Struct):
                    raise DataException("A delete event without a before row cannot be rewritten.")
                value: Struct | None = self._flatten(envelope, before, "true")
                schema: Schema | None = value.schema if value is not None else None
            else:  # tombstone / legacy none: a null value with the row schema
                field = env_schema.field("after")
                value, schema = None, field.schema if field is not None else None
            if self.route_by is not None and isinstance(before, Struct):
                topic = str(dict.get(before, self.route_by) or topic)
            return record.new_record(
                topic,
                record.kafka_partition,
                record.key_schema,
                record.key,
                schema,
                value,
                record.timestamp,
                headers,
            )
        if not isinstance(after, Struct):
            raise DataException(
                "Only Struct objects supported for [Read record to set topic routing for CREATE / UPDATE]"
            )
        value = self._flatten(envelope, after, "false")
        if self.route_by is not None:
            routed = dict.get(after, self.route_by)
            if routed:
                topic = str(routed)
        return record.new_record(
            topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            value.schema,
            value,
            record.timestamp,
            headers,
        )

    def close(self) -> None:
        self._schemas.clear()
