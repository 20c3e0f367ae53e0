"""What every format shares: the record writer interface, record views (value / key / headers) and gzip."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, Protocol

from connectrt.api import SinkRecord, Struct
from connectrt.api.data import Schema, SchemaBuilder
from connectrt.api.values import convert_to_string

from connectrt_s3.storage import S3OutputStream


class RecordWriter(Protocol):
    """Writes the records of one object. ``write`` either takes the whole record or raises and leaves the
    object unchanged (DataException for a record this format cannot encode); ``write_run`` writes records in
    order up to the first one ``write`` would refuse with a DataException and says how many it wrote;
    ``commit`` makes the object visible; ``close`` abandons it."""

    def write(self, record: SinkRecord) -> None: ...

    def write_run(self, records: Sequence[SinkRecord]) -> int: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class RecordView:
    """Which part of a record a writer stores, and the file-name infix (Confluent's RecordViews)."""

    extension = ""

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        return record.value_schema

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        return record.value


class KeyRecordView(RecordView):
    extension = ".keys"

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        if enveloped:
            assert record.key_schema is not None
            return SchemaBuilder.struct().name("RecordKey").field("key", record.key_schema).build()
        return record.key_schema

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        if enveloped:
            schema = self.schema(record, True)
            assert schema is not None
            return Struct(schema).put("key", record.key)
        return record.key


SINGLE_HEADER_SCHEMA = (
    SchemaBuilder.struct().field("key", Schema.STRING_SCHEMA).field("value", Schema.STRING_SCHEMA).build()
)
HEADERS_SCHEMA = SchemaBuilder.array(SINGLE_HEADER_SCHEMA).build()
ENVELOPED_HEADERS_SCHEMA = (
    SchemaBuilder.struct().name("RecordHeaders").field("headers", HEADERS_SCHEMA).build()
)


class HeaderRecordView(RecordView):
    extension = ".headers"

    def schema(self, record: SinkRecord, enveloped: bool) -> Schema | None:
        return ENVELOPED_HEADERS_SCHEMA if enveloped else HEADERS_SCHEMA

    def value(self, record: SinkRecord, enveloped: bool) -> Any:
        headers = [
            Struct(SINGLE_HEADER_SCHEMA).put("key", h.key).put("value", convert_to_string(h.schema, h.value))
            for h in record.headers
        ]
        return Struct(ENVELOPED_HEADERS_SCHEMA).put("headers", headers) if enveloped else headers


VALUE_VIEW = RecordView()


def adjusted_key(view: RecordView, key: str, extension: str) -> str:
    """The object key with the view's infix before the extension (Confluent's Utils.getAdjustedFilename)."""
    if key.endswith(extension):
        return key[: len(key) - len(extension)] + view.extension + extension
    return key + view.extension + extension


# Java's GZIPOutputStream header: magic, deflate, no flags, mtime 0, no extra flags, OS 0.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"


class GzipStream:
    """gzip (``s3.compression.type=gzip``) in front of an output stream; same header bytes as Java's."""

    def __init__(self, out: S3OutputStream, level: int) -> None:
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0
        out.write(_GZIP_HEADER)

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        chunk = self.compressor.compress(data)
        if chunk:
            self.out.write(chunk)

    def finish(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.write(
            (self.crc & 0xFFFFFFFF).to_bytes(4, "little") + (self.size & 0xFFFFFFFF).to_bytes(4, "little")
        )
