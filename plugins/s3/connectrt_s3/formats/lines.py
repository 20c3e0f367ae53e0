"""JsonFormat and ByteArrayFormat: one encoded record per line, optionally gzipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connectrt.api import DataException, SinkRecord, Struct
from connectrt.converters.json_converter import JsonConverter

from connectrt_s3.formats.base import VALUE_VIEW, GzipStream, HeaderRecordView, RecordView, adjusted_key
from connectrt_s3.storage import S3Storage


class LineRecordWriter:
    """Encodes each record to bytes first (so a bad record leaves the object untouched), then appends it."""

    def __init__(
        self, out: Any, gzip: GzipStream | None, encode: Callable[[SinkRecord], bytes], separator: bytes
    ) -> None:
        self.out = out
        self.gzip = gzip
        self.sink = gzip if gzip is not None else out
        self.encode = encode
        self.separator = separator
        self.pending: list[bytes] = []
        self.pending_size = 0

    def write(self, record: SinkRecord) -> None:
        data = self.encode(record)
        self.pending.append(data)
        self.pending.append(self.separator)
        self.pending_size += len(data) + len(self.separator)
        if self.pending_size >= 1 << 20:
            self._drain()

    def write_run(self, records: Sequence[SinkRecord]) -> int:
        """Write records in order up to the first one that cannot be encoded; how many were written."""
        encode = self.encode
        data: list[bytes] = []
        append = data.append
        try:
            for record in records:
                append(encode(record))
        except DataException:
            pass
        if data:
            separator = self.separator
            self.write_encoded(separator.join(data) + separator)
        return len(data)

    def write_encoded(self, chunk: bytes) -> None:
        """Append records already encoded, each followed by the separator (the compiled path's lines)."""
        self.pending.append(chunk)
        self.pending_size += len(chunk)
        if self.pending_size >= 1 << 20:
            self._drain()

    def _drain(self) -> None:
        if self.pending:
            self.sink.write(b"".join(self.pending))
            self.pending = []
            self.pending_size = 0

    def commit(self) -> None:
        self._drain()
        if self.gzip is not None:
            self.gzip.finish()
        self.out.commit()

    def close(self) -> None:
        self.pending = []
        self.out.close()


class LineFormat:
    """Shared by JSON and ByteArray: extension handling, compression and the per-view encoder."""

    def __init__(
        self, storage: S3Storage, view: RecordView, extension: str, compression: str, level: int
    ) -> None:
        self.storage = storage
        self.view = view
        self.compression = compression
        self.level = level
        self.extension = extension + (".gz" if compression == "gzip" else "")

    def encoder(self) -> Callable[[SinkRecord], bytes]:
        raise NotImplementedError

    def separator(self) -> bytes:
        return b"\n"

    def new_writer(self, key: str) -> LineRecordWriter:
        out = self.storage.create(adjusted_key(self.view, key, self.extension))
        gzip = GzipStream(out, self.level) if self.compression == "gzip" else None
        return LineRecordWriter(out, gzip, self.encoder(), self.separator())


class JsonFormat(LineFormat):
    """JsonConverter without schemas, one document per line (Confluent's JsonRecordWriterProvider)."""

    def __init__(self, storage: S3Storage, view: RecordView, compression: str, level: int, decimal_format: str,
                 cache_size: int) -> None:  # fmt: skip
        super().__init__(storage, view, ".json", compression, level)
        self.converter = JsonConverter()
        self.converter.configure(
            {
                "schemas.enable": "false",
                "decimal.format": decimal_format,
                "schemas.cache.size": str(cache_size),
            },
            False,
        )

    def encoder(self) -> Callable[[SinkRecord], bytes]:
        view, convert = self.view, self.converter.from_connect_data
        enveloped = isinstance(view, HeaderRecordView)
        if view is VALUE_VIEW:
            writer = self.converter.writer
            last: list[Any] = [None, None]  # the schema of the previous Struct value and its writer

            def encode_value(record: SinkRecord) -> bytes:
                value = record.value
                if isinstance(value, Struct):
                    schema = record.value_schema
                    if schema is not None:
                        if schema is not last[0]:
                            last[:] = schema, writer(schema)
                        encoded: bytes = last[1](value)
                        return encoded
                data = convert(record.topic, None, value)
                return b"null" if data is None else data

            return encode_value

        def encode(record: SinkRecord) -> bytes:
            value = view.value(record, enveloped)
            schema = view.schema(record, enveloped) if isinstance(value, Struct) else None
            data = convert(record.topic, schema, value)
            if data is None:
                return b"null"
            return data

        return encode


class ByteArrayFormat(LineFormat):
    """Raw bytes (ByteArrayConverter) plus ``format.bytearray.separator``."""

    def __init__(self, storage: S3Storage, view: RecordView, compression: str, level: int, extension: str,
                 separator: bytes) -> None:  # fmt: skip
        super().__init__(storage, view, extension, compression, level)
        self._separator = separator

    def separator(self) -> bytes:
        return self._separator

    def encoder(self) -> Callable[[SinkRecord], bytes]:
        view = self.view

        def encode(record: SinkRecord) -> bytes:
            value = view.value(record, False)
            if value is None:
                return b""
            if isinstance(value, (bytes, bytearray, memoryview)):
                return bytes(value)
            raise DataException(
                "ByteArrayFormat can only write bytes values; use ByteArrayConverter as value.converter"
            )

        return encode
