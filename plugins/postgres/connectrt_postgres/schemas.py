"""Debezium's schemas: the source block, envelopes, message and heartbeat records, and per-table
key/value schemas with the converters that fill them.

A :class:`TableSchema` is built once per table (and again when the table's shape changes): its
Connect schemas are immutable and cached, and its row plan turns a tuple of PostgreSQL value texts
straight into a :class:`~connectrt.api.data.Struct` with no per-row schema work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectrt.api.data import Schema, SchemaBuilder, SchemaType, Struct

from connectrt_postgres.catalog import ColumnInfo, TableId, TableInfo, TypeRegistry
from connectrt_postgres.defaults import default_value
from connectrt_postgres.pgoutput import UNCHANGED_TOAST
from connectrt_postgres.types import ALLOWED_SNAPSHOT, ConversionError, ValueModes, column_mapping, parse_bool

log = logging.getLogger(__name__)

SOURCE_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("io.debezium.connector.postgresql.Source")
    .version(1)
    .field("version", Schema.STRING_SCHEMA)
    .field("connector", Schema.STRING_SCHEMA)
    .field("name", Schema.STRING_SCHEMA)
    .field("ts_ms", Schema.INT64_SCHEMA)
    .field(
        "snapshot",
        SchemaBuilder.string()
        .optional()
        .name("io.debezium.data.Enum")
        .version(1)
        .parameter("allowed", ALLOWED_SNAPSHOT)
        .default_value("false")
        .build(),
    )
    .field("db", Schema.STRING_SCHEMA)
    .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
    .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
    .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
    .field("schema", Schema.STRING_SCHEMA)
    .field("table", Schema.STRING_SCHEMA)
    .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
    .field("xmin", Schema.OPTIONAL_INT64_SCHEMA)
    .field("origin", Schema.OPTIONAL_STRING_SCHEMA)
    .field("origin_lsn", Schema.OPTIONAL_INT64_SCHEMA)
    .build()
)
SOURCE_FIELDS = tuple(f.name for f in SOURCE_SCHEMA.fields or ())

TRANSACTION_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("event.block")
    .version(1)
    .optional()
    .field("id", Schema.STRING_SCHEMA)
    .field("total_order", Schema.INT64_SCHEMA)
    .field("data_collection_order", Schema.INT64_SCHEMA)
    .build()
)

MESSAGE_KEY_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("io.debezium.connector.postgresql.MessageKey")
    .version(1)
    .field("prefix", Schema.OPTIONAL_STRING_SCHEMA)
    .build()
)


def message_schemas(content: Schema) -> tuple[Schema, Schema]:
    """The Message block and MessageValue schemas for a content schema (per binary.handling.mode)."""
    block = (
        SchemaBuilder.struct()
        .name("io.debezium.connector.postgresql.Message")
        .version(1)
        .field("prefix", Schema.OPTIONAL_STRING_SCHEMA)
        .field("content", content)
        .build()
    )
    value = (
        SchemaBuilder.struct()
        .name("io.debezium.connector.postgresql.MessageValue")
        .version(1)
        .field("op", Schema.STRING_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
        .field("source", SOURCE_SCHEMA)
        .field("transaction", TRANSACTION_SCHEMA)
        .field("message", block)
        .build()
    )
    return block, value


HEARTBEAT_KEY_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("io.debezium.connector.common.ServerNameKey")
    .field("serverName", Schema.STRING_SCHEMA)
    .build()
)
HEARTBEAT_VALUE_SCHEMA: Schema = (
    SchemaBuilder.struct()
    .name("io.debezium.connector.common.Heartbeat")
    .field("ts_ms", Schema.INT64_SCHEMA)
    .build()
)


def make_struct(schema: Schema, names: Sequence[str], values: Sequence[Any]) -> Struct:
    """A Struct from values already in field order, without per-field checks (hot path)."""
    struct = Struct.__new__(Struct)
    struct.schema = schema
    dict.update(struct, zip(names, values, strict=True))
    return struct


def envelope_schema(name: str, row: Schema) -> Schema:
    """The envelope of a table's events; ``row`` is the (optional) row schema."""
    optional_row = row if row.optional else SchemaBuilder.from_schema(row).optional().build()
    return (
        SchemaBuilder.struct()
        .name(name)
        .version(2)
        .field("before", optional_row)
        .field("after", optional_row)
        .field("source", SOURCE_SCHEMA)
        .field("transaction", TRANSACTION_SCHEMA)
        .field("op", Schema.STRING_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
        .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
        .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
        .build()
    )


ENVELOPE_FIELDS = ("before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns")

_TOPIC_INVALID = re.compile(r"[^A-Za-z0-9._\-]")
_AVRO_INVALID = re.compile(r"[^A-Za-z0-9_]")


def topic_name(*parts: str, delimiter: str = ".") -> str:
    return _TOPIC_INVALID.sub("_", delimiter.join(parts))[:249]


def adjust_name(name: str, mode: str, is_schema_name: bool) -> str:
    """Avro-safe names for schema.name.adjustment.mode / field.name.adjustment.mode."""
    if mode == "none":
        return name
    if is_schema_name:
        return ".".join(adjust_name(part, mode, False) for part in name.split("."))
    if mode == "avro_unicode":
        out = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else f"_u{ord(c):04x}" for c in name)
    else:
        out = _AVRO_INVALID.sub("_", name)
    if out and out[0].isdigit():
        out = "_" + out
    return out


@dataclass(frozen=True)
class SchemaSettings:
    prefix: str
    delimiter: str
    modes: ValueModes
    schema_name_mode: str = "none"
    field_name_mode: str = "none"


ColumnFilter = Callable[[TableId, str], bool]


def _stamp(value: Any, schema: Schema) -> Any:
    if isinstance(value, Struct) and value.schema is not schema:
        copy = Struct.__new__(Struct)
        copy.schema = schema
        dict.update(copy, value)
        return copy
    return value


def _stamped(convert: Callable[[str], Any], schema: Schema) -> Callable[[str], Any]:
    """A struct-valued converter whose Structs carry the field's exact schema (optional or not)."""

    def stamped(text: str) -> Any:
        value = convert(text)
        if isinstance(value, Struct):
            value.schema = schema
        return value

    return stamped


class TableSchema:
    """The Connect schemas of one captured table and the plan that fills them from value texts."""

    __slots__ = (
        "_key",
        "_row",
        "columns",
        "envelope_schema",
        "key_fields",
        "key_plan",
        "key_schema",
        "plan",
        "row_fields",
        "table",
        "topic",
        "value_schema",
    )

    def __init__(
        self,
        table: TableInfo,
        columns: Sequence[ColumnInfo],
        registry: TypeRegistry,
        settings: SchemaSettings,
        column_filter: ColumnFilter | None = None,
        key_columns: Sequence[str] | None = None,
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        tid = table.id
        self.topic = topic_name(settings.prefix, tid.schema, tid.table, delimiter=settings.delimiter)
        schema_base = adjust_name(self.topic, settings.schema_name_mode, True)
        modes = settings.modes
        value_builder = SchemaBuilder.struct().name(schema_base + ".Value").optional()
        # plan entries: (tuple index, field name, convert, null value, toast value, column name)
        plan: list[tuple[int, str, Callable[[str], Any], Any, Any, str]] = []
        field_schemas: dict[str, tuple[Schema, Callable[[str], Any], Any, Any]] = {}
        for index, column in enumerate(self.columns):
            mapping = column_mapping(registry, column.type_oid, column.typmod, modes)
            if mapping is None:
                log.debug("Column %s.%s of an unsupported type is left out of events", tid, column.name)
                continue
            builder = mapping.builder()
            if column.optional:
                builder.optional()
            default = default_value(column, mapping, registry)
            if default is not None:
                builder.default_value(default)
            schema = builder.build()
            convert = mapping.convert
            fallback = mapping.fallback
            if schema.type is SchemaType.STRUCT:
                convert = _stamped(convert, schema)
                fallback = _stamp(fallback, schema)
            null_value = None if column.optional else (default if default is not None else fallback)
            field_schemas[column.name] = (schema, convert, null_value, mapping.toast)
            if column_filter is not None and not column_filter(tid, column.name):
                continue
            field = adjust_name(column.name, settings.field_name_mode, False)
            value_builder.field(field, schema)
            plan.append((index, field, convert, null_value, mapping.toast, column.name))
        self.value_schema: Schema = value_builder.build()
        self.plan = tuple(plan)
        self.row_fields = tuple(p[1] for p in plan)
        self._row = self._compile_row()
        self.envelope_schema: Schema = envelope_schema(schema_base + ".Envelope", self.value_schema)
        keys = list(key_columns) if key_columns is not None else list(table.key_columns)
        index_of = {c.name: i for i, c in enumerate(self.columns)}
        row_field_of = {p[5]: p[1] for p in plan}
        key_builder = SchemaBuilder.struct().name(schema_base + ".Key")
        key_plan: list[tuple[int, str, str | None, Callable[[str], Any], Any]] = []
        for name in keys:
            if name not in index_of or name not in field_schemas:
                continue
            schema, convert, null_value, _toast = field_schemas[name]
            field = adjust_name(name, settings.field_name_mode, False)
            key_builder.field(field, schema)
            key_plan.append((index_of[name], field, row_field_of.get(name), convert, null_value))
        self.key_plan = tuple(key_plan)
        self.key_fields = tuple(k[1] for k in key_plan)
        self.key_schema: Schema | None = key_builder.build() if key_plan else None
        self._key = self._compile_key()

    # --- rows -------------------------------------------------------------------------------
    def row(self, values: Sequence[Any], old: Struct | None = None) -> Struct:
        """The row Struct of value texts aligned with ``columns`` (None = SQL NULL or not sent;
        UNCHANGED_TOAST = unchanged TOASTed value, taken from ``old`` when known)."""
        return self._row(values, old)

    def _compile_row(self) -> Callable[[Sequence[Any], Struct | None], Struct]:
        """A function specialised to this table's columns, generated once (no per-row plan walk)."""
        env: dict[str, Any] = {
            "_Struct": Struct,
            "_new": Struct.__new__,
            "_update": dict.update,
            "_U": UNCHANGED_TOAST,
            "_schema": self.value_schema,
            "_names": self.row_fields,
            "_failed": self._failed,
            "_errors": (ValueError, ArithmeticError, IndexError, OverflowError),
        }
        lines = ["def row(values, old=None):"]
        for i, (index, field, convert, null_value, toast, column) in enumerate(self.plan):
            env[f"c{i}"], env[f"n{i}"], env[f"t{i}"], env[f"k{i}"] = (
                convert,
                null_value,
                toast,
                (field, column),
            )
            if convert is str:
                value_expr = f"    else: f{i} = v"
            elif convert is parse_bool:
                value_expr = f"    else: f{i} = v == 't' or v == 'true'"
            else:
                value_expr = (
                    f"    else:\n        try: f{i} = c{i}(v)\n"
                    f"        except _errors as e: f{i} = _failed(e, k{i}, n{i})"
                )
            lines += [
                f"    v = values[{index}]",
                f"    if v is None: f{i} = n{i}",
                f"    elif v is _U:\n        f{i} = old.get(k{i}[0]) if old is not None else None\n"
                f"        if f{i} is None: f{i} = t{i}",
                value_expr,
            ]
        values = "".join(f"{field!r}: f{i}, " for i, (_index, field, *_rest) in enumerate(self.plan))
        lines += [
            "    s = _new(_Struct)",
            "    s.schema = _schema",
            f"    _update(s, {{{values}}})",
            "    return s",
        ]
        exec(compile("\n".join(lines), f"<row of {self.table.id}>", "exec"), env)
        return env["row"]

    def _failed(self, error: BaseException, names: tuple[str, str], null_value: Any) -> Any:
        log.warning(
            "Failed to properly convert data value for '%s.%s': %s",
            self.table.id,
            names[1],
            error if isinstance(error, ConversionError) else f"{type(error).__name__}: {error}",
        )
        return null_value

    def key(self, values: Sequence[Any], row: Struct | None) -> Struct | None:
        """The key Struct (None for keyless tables) from the tuple, reusing converted row values."""
        return self._key(values, row)

    def _compile_key(self) -> Callable[[Sequence[Any], Struct | None], Struct | None]:
        """Like :meth:`_compile_row`, a function specialised to the key's columns."""
        if self.key_schema is None:
            return _no_key
        env: dict[str, Any] = {
            "_Struct": Struct,
            "_new": Struct.__new__,
            "_update": dict.update,
            "_get": dict.__getitem__,
            "_U": UNCHANGED_TOAST,
            "_schema": self.key_schema,
            "_errors": (ValueError, ArithmeticError, IndexError, OverflowError),
        }
        lines = ["def key(values, row):"]
        for i, (index, _field, row_field, convert, null_value) in enumerate(self.key_plan):
            env[f"c{i}"], env[f"n{i}"] = convert, null_value
            converted = [
                f"v = values[{index}]",
                f"if v is None or v is _U: f{i} = n{i}",
                "else:",
                f"    try: f{i} = c{i}(v)",
                f"    except _errors: f{i} = n{i}",
            ]
            if row_field is None:
                lines += ["    " + line for line in converted]
            else:
                lines += [f"    if row is not None: f{i} = _get(row, {row_field!r})", "    else:"]
                lines += ["        " + line for line in converted]
        values = "".join(f"{field!r}: f{i}, " for i, field in enumerate(self.key_fields))
        lines += [
            "    s = _new(_Struct)",
            "    s.schema = _schema",
            f"    _update(s, {{{values}}})",
            "    return s",
        ]
        exec(compile("\n".join(lines), f"<key of {self.table.id}>", "exec"), env)
        fn: Callable[[Sequence[Any], Struct | None], Struct | None] = env["key"]
        return fn


def _no_key(values: Sequence[Any], row: Struct | None) -> Struct | None:
    return None
