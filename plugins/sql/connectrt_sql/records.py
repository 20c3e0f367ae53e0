"""Sink records → row changes: upserts, deletes and truncates of a table, with DB-ready values.

A Debezium change event (value schema named ``….Envelope``) is read natively: ``c``/``r``/``u`` write
the ``after`` image, ``d`` deletes by key (when ``delete.enabled``), ``t`` truncates (when
``truncate.enabled``). Any other struct value is a flat row (e.g. after ExtractNewRecordState), and
a null value (tombstone) deletes by key when deletes are enabled. The key columns come from
``primary.key.mode``/``pk.mode``; the table from ``collection.name.format``/``table.name.format``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectrt.api.data import DataException, Schema, SchemaType
from connectrt.api.records import SinkRecord

from connectrt_sql.config import CONFLUENT, DEBEZIUM, KAFKA_PK_COLUMNS, SinkSettings
from connectrt_sql.types import Convert, column_spec

UPSERT, DELETE, TRUNCATE = "upsert", "delete", "truncate"
_SOURCE = re.compile(r"\$\{source\.([^}]*)\}")
_KAFKA_SCHEMAS = (Schema.STRING_SCHEMA, Schema.INT32_SCHEMA, Schema.INT64_SCHEMA)


@dataclass(frozen=True)
class TableName:
    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Column:
    name: str
    schema: Schema
    key: bool
    convert: Convert | None


@dataclass(frozen=True, eq=False)
class Shape:
    """The columns one kind of record writes to one table (key columns first)."""

    table: TableName
    columns: tuple[Column, ...]
    key_count: int

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def key_names(self) -> list[str]:
        return [c.name for c in self.columns[: self.key_count]]


class Change:
    __slots__ = ("key", "op", "record", "row", "shape", "table")

    def __init__(
        self,
        op: str,
        table: TableName,
        shape: Shape | None,
        key: tuple[Any, ...] | None,
        row: tuple[Any, ...] | None,
        record: SinkRecord,
    ) -> None:
        self.op = op
        self.table = table
        self.shape = shape
        self.key = key
        self.row = row
        self.record = record


def is_envelope(schema: Schema | None) -> bool:
    return bool(
        schema is not None
        and schema.type is SchemaType.STRUCT
        and schema.name
        and schema.name.endswith("Envelope")
        and schema.field("op") is not None
    )


class ChangeExtractor:
    """Turns records into :class:`Change` objects; shapes and converters are built once per schema."""

    def __init__(self, settings: SinkSettings, dialect: str) -> None:
        self.s = settings
        self.dialect = dialect
        self._shapes: dict[
            tuple[Any, ...],
            tuple[Shape, Callable[[SinkRecord, Any], tuple[Any, ...]], Callable[[Any], tuple[Any, ...]]],
        ] = {}
        self._include = [re.compile(p) for p in settings.field_include]
        self._exclude = [re.compile(p) for p in settings.field_exclude]
        self._key_shapes: dict[tuple[Any, ...], Shape] = {}
        self._source_fields = _SOURCE.findall(settings.table_format)
        self._tables: dict[Any, TableName] = {}
        self._envelopes: dict[Schema | None, bool] = {}
        self.skipped = 0

    # --- tables -------------------------------------------------------------------------------
    def table_for(self, record: SinkRecord, envelope: bool) -> TableName | None:
        if not self._source_fields:
            found = self._tables.get(record.topic)
            if found is None:
                found = self._tables[record.topic] = self._resolve(record.topic, {})
            return found
        if not envelope:
            return None  # Debezium skips records it cannot name (tombstones, non-change events)
        source = record.value.get("source") or {}
        key = (record.topic, *[source.get(f) for f in self._source_fields])
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = self._resolve(record.topic, source)
        return found

    def _resolve(self, topic: str, source: Any) -> TableName:
        fmt = self.s.table_format
        name = fmt.replace("${topic}", topic.replace(".", "_") if self.s.flavour == DEBEZIUM else topic)

        def field(m: re.Match[str]) -> str:
            v = source.get(m.group(1))
            if v is None:
                raise DataException(
                    f"collection.name.format '{fmt}' names source.{m.group(1)}, which the "
                    f"change event on {topic} does not carry."
                )
            return str(v)

        name = _SOURCE.sub(field, name)
        schema, dot, table = name.rpartition(".")
        return TableName(schema if dot else None, table)

    # --- records ------------------------------------------------------------------------------
    def extract(self, record: SinkRecord) -> Change | None:
        value = record.value
        envelope = self._envelopes.get(record.value_schema)
        if envelope is None:
            envelope = self._envelopes[record.value_schema] = is_envelope(record.value_schema)
        if value is None:
            if not self.s.delete_enabled or record.key is None:
                self.skipped += 1
                return None
            table = self.table_for(record, False)
            if table is None:
                self.skipped += 1
                return None
            return self._delete(record, table)
        if record.value_schema is None or record.value_schema.type is not SchemaType.STRUCT:
            raise DataException(
                f"The record on {record.topic} (partition {record.kafka_partition}, offset {record.kafka_offset}) "
                "has no struct schema; the SQL sink needs schemas: set value.converter.schemas.enable=true "
                "(JsonConverter) or use a schema'd converter."
            )
        table = self.table_for(record, envelope)
        if table is None:
            self.skipped += 1
            return None
        if envelope:
            op = value.get("op")
            if op in ("c", "r", "u"):
                after = value.get("after")
                if after is None:
                    raise DataException(f"A '{op}' change event on {record.topic} has no 'after' image.")
                return self._upsert(record, table, after, record.value_schema.field("after").schema)  # type: ignore[union-attr]
            if op == "d":
                if not self.s.delete_enabled:
                    self.skipped += 1
                    return None
                return self._delete(record, table)
            if op == "t":
                if not self.s.truncate_enabled:
                    self.skipped += 1
                    return None
                return Change(TRUNCATE, table, None, None, None, record)
            self.skipped += 1
            return None
        return self._upsert(record, table, value, record.value_schema)

    def _upsert(self, record: SinkRecord, table: TableName, row: Any, row_schema: Schema) -> Change:
        cache_key = (table, record.topic, record.key_schema, row_schema)
        found = self._shapes.get(cache_key)
        if found is None:
            found = self._shapes[cache_key] = self._build_shape(record, table, row_schema)
        shape, key_of, values_of = found
        key = key_of(record, row)
        return Change(UPSERT, table, shape, key, key + values_of(row), record)

    def _delete(self, record: SinkRecord, table: TableName) -> Change:
        if self.s.pk_mode != "record_key":
            raise DataException("Deletes need primary.key.mode / pk.mode record_key.")
        cache_key = (table, record.key_schema)
        shape = self._key_shapes.get(cache_key)
        if shape is None:
            cols = self._key_columns(record, None)
            shape = self._key_shapes[cache_key] = Shape(table, tuple(cols), len(cols))
        key = record.key
        if record.key_schema is not None and record.key_schema.type is SchemaType.STRUCT:
            values = tuple(key.get(c.name) for c in shape.columns)
        else:
            values = (key,)
        converted = tuple(
            c.convert(v) if c.convert is not None else v for c, v in zip(shape.columns, values, strict=True)
        )
        return Change(DELETE, table, shape, converted, None, record)

    # --- shapes -------------------------------------------------------------------------------
    def _column(self, name: str, schema: Schema, key: bool) -> Column:
        spec = column_spec(schema, self.dialect, self.s.time_zone, key)
        return Column(name, schema, key, spec.convert)

    def _key_columns(self, record: SinkRecord, row_schema: Schema | None) -> list[Column]:
        mode, fields = self.s.pk_mode, self.s.pk_fields
        if mode == "none":
            return []
        if mode == "kafka":
            names: tuple[str, ...] | list[str] = fields if len(fields) == 3 else KAFKA_PK_COLUMNS
            return [self._column(n, s, True) for n, s in zip(names, _KAFKA_SCHEMAS, strict=True)]
        if mode == "record_key":
            ks = record.key_schema
            if ks is None:
                raise DataException(
                    f"The record on {record.topic} has no key schema; primary key mode record_key "
                    "needs keys with a schema."
                )
            if ks.type is SchemaType.STRUCT:
                return [
                    self._key_field(ks, n, "key") for n in list(fields) or [f.name for f in ks.fields or ()]
                ]
            if len(fields) != 1:
                raise DataException(
                    "Need exactly one PK column defined since the key schema for records is a "
                    f"primitive type, defined columns are: {list(fields)}"
                )
            return [self._column(fields[0], ks, True)]
        if mode == "record_value":
            if row_schema is None:
                raise DataException("Primary key mode record_value cannot delete: deletes need record_key.")
            value_names = list(fields) or [f.name for f in row_schema.fields or ()]
            return [self._key_field(row_schema, n, "value") for n in value_names]
        # record_header
        return [self._column(n, Schema.STRING_SCHEMA, True) for n in fields]

    def _key_field(self, schema: Schema, name: str, where: str) -> Column:
        f = schema.field(name)
        if f is None:
            raise DataException(
                f"Primary key field '{name}' is not in the record {where} (fields: "
                f"{', '.join(schema.field_names())})."
            )
        return self._column(name, f.schema, True)

    def _keep(self, topic: str, name: str) -> bool:
        if self._include:
            return any(p.fullmatch(f"{topic}:{name}") or p.fullmatch(name) for p in self._include)
        if self._exclude:
            return not any(p.fullmatch(f"{topic}:{name}") or p.fullmatch(name) for p in self._exclude)
        if self.s.flavour == CONFLUENT and self.s.fields_whitelist:
            return name in self.s.fields_whitelist
        return True

    def _build_shape(
        self, record: SinkRecord, table: TableName, row_schema: Schema
    ) -> tuple[Shape, Callable[[SinkRecord, Any], tuple[Any, ...]], Callable[[Any], tuple[Any, ...]]]:
        key_cols = self._key_columns(record, row_schema)
        key_names = {c.name for c in key_cols}
        value_cols = [
            self._column(f.name, f.schema, False)
            for f in row_schema.fields or ()
            if f.name not in key_names and self._keep(record.topic, f.name)
        ]
        shape = Shape(table, tuple(key_cols + value_cols), len(key_cols))
        return shape, self._key_getter(record, key_cols), _values_getter(value_cols)

    def _key_getter(
        self, record: SinkRecord, cols: list[Column]
    ) -> Callable[[SinkRecord, Any], tuple[Any, ...]]:
        mode = self.s.pk_mode
        convs = [c.convert for c in cols]
        names = [c.name for c in cols]
        if mode == "none":
            return lambda r, row: ()
        if mode == "kafka":
            return lambda r, row: (r.topic, r.kafka_partition, r.kafka_offset)

        def done(values: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(c(v) if c is not None else v for c, v in zip(convs, values, strict=True))

        if mode == "record_key":
            if (
                record.key_schema is not None
                and record.key_schema.type is SchemaType.STRUCT
                and len(names) == 1
            ):
                only, conv = names[0], convs[0]

                def from_one_key(r: SinkRecord, row: Any) -> tuple[Any, ...]:
                    if r.key is None:
                        raise DataException(
                            f"The record on {r.topic} at offset {r.kafka_offset} has no key, which "
                            "primary key mode record_key needs."
                        )
                    v = r.key.get(only)
                    return (conv(v) if conv is not None else v,)

                return from_one_key
            if record.key_schema is not None and record.key_schema.type is SchemaType.STRUCT:

                def from_key(r: SinkRecord, row: Any) -> tuple[Any, ...]:
                    if r.key is None:
                        raise DataException(
                            f"The record on {r.topic} at offset {r.kafka_offset} has no key, which "
                            "primary key mode record_key needs."
                        )
                    return done(tuple(r.key.get(n) for n in names))

                return from_key
            return lambda r, row: done((r.key,))
        if mode == "record_value":
            return lambda r, row: done(tuple(row.get(n) for n in names))

        def from_headers(r: SinkRecord, row: Any) -> tuple[Any, ...]:
            values = []
            for n in names:
                h = r.headers.last_with_name(n) if r.headers else None
                if h is None:
                    raise DataException(
                        f"The record on {r.topic} at offset {r.kafka_offset} has no header '{n}', "
                        "a primary key field of primary key mode record_header."
                    )
                values.append(None if h.value is None else str(h.value))
            return done(tuple(values))

        return from_headers


def _values_getter(cols: list[Column]) -> Callable[[Any], tuple[Any, ...]]:
    names = [c.name for c in cols]
    convs = [c.convert for c in cols]
    if all(c is None for c in convs):
        return lambda row: tuple([row.get(n) for n in names])
    pairs = list(zip(names, convs, strict=True))
    return lambda row: tuple([c(row.get(n)) if c is not None else row.get(n) for n, c in pairs])
