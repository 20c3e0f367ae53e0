"""ParquetFormat: Parquet files written with pyarrow, typed as Confluent's Connect → Avro → Parquet path types
them (int8/int16/int32 → INT32, Decimal → DECIMAL(precision, scale), Date → DATE, Time → TIME(ms),
Timestamp → TIMESTAMP(ms, UTC), optional schemas → nullable columns, maps with string keys → MAP, other maps
→ lists of key/value structs).

Rows are turned into Arrow batches every 10,000 records and written as row groups of up to 50,000 records:
boundaries depend only on record counts, so a replay writes the same bytes. Only Struct values with a schema
can be written; anything else is a DataException (the record goes to the dead letter queue when configured).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from connectrt.api import ConnectException, DataException, SinkRecord, Struct
from connectrt.api.data import Date, Decimal, Schema, SchemaType, Time, Timestamp

from connectrt_s3.formats.base import VALUE_VIEW, RecordView, adjusted_key
from connectrt_s3.storage import S3OutputStream, S3Storage

BATCH_ROWS = 10_000
ROW_GROUP_ROWS = 50_000

_PRIMITIVE = {
    SchemaType.INT8: pa.int32(),
    SchemaType.INT16: pa.int32(),
    SchemaType.INT32: pa.int32(),
    SchemaType.INT64: pa.int64(),
    SchemaType.FLOAT32: pa.float32(),
    SchemaType.FLOAT64: pa.float64(),
    SchemaType.BOOLEAN: pa.bool_(),
    SchemaType.STRING: pa.string(),
    SchemaType.BYTES: pa.binary(),
}


def arrow_type(schema: Schema) -> pa.DataType:
    name = schema.name
    if name == Decimal.LOGICAL_NAME:
        precision = int((schema.parameters or {}).get("connect.decimal.precision", 64))
        scale = Decimal.scale(schema)
        return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
    if name == Date.LOGICAL_NAME:
        return pa.date32()
    if name == Time.LOGICAL_NAME:
        return pa.time32("ms")
    if name == Timestamp.LOGICAL_NAME:
        return pa.timestamp("ms", tz="UTC")
    t = schema.type
    if t in _PRIMITIVE:
        return _PRIMITIVE[t]
    if t is SchemaType.ARRAY:
        assert schema.value_schema is not None
        return pa.list_(pa.field("element", arrow_type(schema.value_schema), schema.value_schema.optional))
    if t is SchemaType.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        value = pa.field("value", arrow_type(schema.value_schema), schema.value_schema.optional)
        if schema.key_schema.type is SchemaType.STRING:
            return pa.map_(pa.string(), value)
        key = pa.field("key", arrow_type(schema.key_schema), schema.key_schema.optional)
        return pa.list_(pa.field("element", pa.struct([key, value]), False))
    assert schema.fields is not None
    return pa.struct([pa.field(f.name, arrow_type(f.schema), f.schema.optional) for f in schema.fields])


def arrow_schema(schema: Schema) -> pa.Schema:
    assert schema.fields is not None
    return pa.schema([pa.field(f.name, arrow_type(f.schema), f.schema.optional) for f in schema.fields])


def _needs_conversion(schema: Schema) -> bool:
    if schema.default is not None:
        return True
    if schema.type is SchemaType.MAP:
        return schema.key_schema is not None and schema.key_schema.type is not SchemaType.STRING
    if schema.type is SchemaType.ARRAY:
        return schema.value_schema is not None and _needs_conversion(schema.value_schema)
    if schema.type is SchemaType.STRUCT:
        return any(_needs_conversion(f.schema) for f in schema.fields or ())
    return False


def row_converter(schema: Schema) -> Callable[[Any], Any] | None:
    """Connect value → the Python value pyarrow takes, or None when the value already is one."""
    if not _needs_conversion(schema):
        return None
    t = schema.type
    default = schema.default
    if t is SchemaType.STRUCT:
        plan = [(f.name, row_converter(f.schema), f.schema.default) for f in schema.fields or ()]

        def struct(v: Any) -> Any:
            out = {}
            for name, conv, dflt in plan:
                x = dict.get(v, name)
                if x is None:
                    x = dflt
                out[name] = conv(x) if conv is not None and x is not None else x
            return out

        return struct
    if t is SchemaType.ARRAY:
        assert schema.value_schema is not None
        item = row_converter(schema.value_schema)
        return lambda v: [item(x) if item is not None and x is not None else x for x in v]
    if t is SchemaType.MAP:
        return lambda v: [{"key": k, "value": x} for k, x in v.items()]
    return lambda v: default if v is None else v


class ParquetRecordWriter:
    def __init__(self, out: S3OutputStream, view: RecordView, compression: str) -> None:
        self.out = out
        self.view = view
        self.compression = compression
        self.schema: Schema | None = None
        self.arrow: pa.Schema | None = None
        self.convert: Callable[[Any], Any] | None = None
        self.rows: list[Any] = []
        # Pieces of the next batch made before ``rows`` (columns from the compiled path, rows before them).
        self.parts: list[pa.RecordBatch] = []
        self.parts_rows = 0
        self.batches: list[pa.RecordBatch] = []
        self.batched_rows = 0
        self.writer: pq.ParquetWriter | None = None

    def write(self, record: SinkRecord) -> None:
        value = self.view.value(record, True)
        schema = self.view.schema(record, True)
        if not isinstance(value, Struct) or schema is None:
            raise DataException(
                f"ParquetFormat needs Struct values with a schema; the record at offset {record.kafka_offset} has "
                f"{'no schema' if schema is None else type(value).__name__}"
            )
        if self.schema is None:
            self.schema = schema
            self.arrow = arrow_schema(schema)
            self.convert = row_converter(schema)
        elif value.schema is not self.schema and value.schema != self.schema:
            raise DataException("Record schema differs from the schema of the Parquet file being written")
        self.rows.append(value if self.convert is None else self.convert(value))
        if self.pending_count() >= BATCH_ROWS:
            self._batch()

    def write_run(self, records: Sequence[SinkRecord]) -> int:
        """``write`` for each record up to the first one it would refuse; values of the file's schema object
        (the usual case) are appended in one tight loop."""
        written = 0
        while written < len(records):
            if self.schema is None or self.view is not VALUE_VIEW:
                try:
                    self.write(records[written])
                except DataException:
                    return written
                written += 1
                continue
            schema, rows, convert = self.schema, self.rows, self.convert
            room = BATCH_ROWS - self.pending_count()
            start = written
            for record in records[start : start + room]:
                value = record.value
                if (
                    record.value_schema is not schema
                    or not isinstance(value, Struct)
                    or value.schema is not schema
                ):
                    break
                rows.append(value if convert is None else convert(value))
                written += 1
            if self.pending_count() >= BATCH_ROWS:
                self._batch()
            elif written == start:  # a record the loop does not take: write() decides
                try:
                    self.write(records[written])
                except DataException:
                    return written
                written += 1
        return written

    def pending_count(self) -> int:
        """Rows of the next batch so far."""
        return self.parts_rows + len(self.rows)

    def append_columns(
        self, columns: Sequence[tuple[bytes | None, bytes, bytes | None, int]], rows: int
    ) -> None:
        """Append ``rows`` rows given as Arrow buffers per column (validity or None, values, string offsets or
        None, null count), in the file's schema (the compiled path, connectrt_s3.native)."""
        assert self.arrow is not None
        self._rows_to_part()
        arrays = []
        for (validity, data, offsets, nulls), field in zip(columns, self.arrow, strict=True):
            buffers = [None if validity is None else pa.py_buffer(validity)]
            if offsets is not None:
                buffers.append(pa.py_buffer(offsets))
            buffers.append(pa.py_buffer(data))
            arrays.append(pa.Array.from_buffers(field.type, rows, buffers, null_count=nulls))
        self.parts.append(pa.RecordBatch.from_arrays(arrays, schema=self.arrow))
        self.parts_rows += rows
        if self.pending_count() >= BATCH_ROWS:
            self._batch()

    def _rows_to_part(self) -> None:
        if not self.rows:
            return
        try:
            part = pa.RecordBatch.from_pylist(self.rows, schema=self.arrow)
        except (pa.ArrowException, TypeError, ValueError) as e:
            raise ConnectException(f"Unable to convert records to Parquet for {self.out.key}: {e}") from e
        self.rows = []
        self.parts.append(part)
        self.parts_rows += part.num_rows

    def _batch(self) -> None:
        """The pending rows as one batch (one contiguous chunk per column, whichever path made them)."""
        self._rows_to_part()
        parts = self.parts
        if not parts:
            return
        if len(parts) == 1:
            batch = parts[0]
        else:
            columns = [pa.concat_arrays([p.column(i) for p in parts]) for i in range(len(self.arrow or ()))]
            batch = pa.RecordBatch.from_arrays(columns, schema=self.arrow)
        self.parts = []
        self.parts_rows = 0
        self.batches.append(batch)
        self.batched_rows += batch.num_rows
        if self.batched_rows >= ROW_GROUP_ROWS:
            self._row_group()

    def _row_group(self) -> None:
        if not self.batches:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(
                self.out,
                self.arrow,
                compression=self.compression,
                use_dictionary=True,
                data_page_size=64 * 1024,
            )
        table = pa.Table.from_batches(self.batches, schema=self.arrow)
        self.writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.batches = []
        self.batched_rows = 0

    def commit(self) -> None:
        self._batch()
        self._row_group()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.out.commit()

    def close(self) -> None:
        self.rows, self.parts, self.parts_rows, self.batches, self.writer = [], [], 0, [], None
        self.out.close()


class ParquetFormat:
    def __init__(self, storage: S3Storage, view: RecordView, codec: str, codec_extension: str) -> None:
        self.storage = storage
        self.view = view
        self.codec = codec
        self.extension = codec_extension + ".parquet"

    def new_writer(self, key: str) -> ParquetRecordWriter:
        return ParquetRecordWriter(self.storage.create(adjusted_key(self.view, key, self.extension)), self.view,
                                   self.codec)  # fmt: skip
