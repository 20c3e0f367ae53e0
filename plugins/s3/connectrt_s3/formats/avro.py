"""AvroFormat: Avro object container files, the schema from :class:`connectrt.converters.avro.AvroData`.

The header carries the schema text exactly as Java's ``Schema.toString()`` prints it. Records are encoded
with fastavro into a block buffer (a record that fails to encode is cut off again, so the file stays
valid); a block is compressed (``avro.codec``) and written once it reaches 64,000 bytes, Java's default sync
interval. The 16-byte sync marker is derived from the object key, so a replay writes identical bytes.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import zlib
from collections.abc import Sequence
from typing import Any

import fastavro
from connectrt.api import DataException, SinkRecord
from connectrt.api.data import Schema
from connectrt.converters.avro import AvroData

from connectrt_s3.formats.base import RecordView, adjusted_key
from connectrt_s3.storage import S3OutputStream, S3Storage

SYNC_INTERVAL = 64_000
MAGIC = b"Obj\x01"


def _long(n: int) -> bytes:
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while z & ~0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def _bytes(b: bytes) -> bytes:
    return _long(len(b)) + b


def _compress(codec: str, data: bytes) -> bytes:
    if codec == "null":
        return data
    if codec == "deflate":
        c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        return c.compress(data) + c.flush()
    if codec == "snappy":
        import cramjam

        return bytes(cramjam.snappy.compress_raw(data)) + (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")
    if codec == "bzip2":
        return bz2.compress(data)
    raise DataException(f"Unknown avro.codec {codec}")


def container_header(schema_text: str, codec: str, sync: bytes) -> bytes:
    meta = [(b"avro.schema", schema_text.encode("utf-8")), (b"avro.codec", codec.encode("ascii"))]
    body = _long(len(meta)) + b"".join(_bytes(k) + _bytes(v) for k, v in meta) + _long(0)
    return MAGIC + body + sync


class AvroRecordWriter:
    def __init__(self, out: S3OutputStream, avro_data: AvroData, view: RecordView, codec: str) -> None:
        self.out = out
        self.avro_data = avro_data
        self.view = view
        self.codec = codec
        self.sync = hashlib.md5(out.key.encode("utf-8")).digest()
        self.schema: Schema | None = None
        self.parsed: Any = None
        self.encode: Any = None
        self.block = io.BytesIO()
        self.count = 0
        self.opened = False

    def write(self, record: SinkRecord) -> None:
        if not self.opened:
            self._open(record)
        block = self.block
        start = block.tell()
        try:
            fastavro.schemaless_writer(block, self.parsed, self.encode(self.view.value(record, False)))
        except DataException:
            block.seek(start)
            block.truncate()
            raise
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as e:
            block.seek(start)
            block.truncate()
            raise DataException(
                f"Record at offset {record.kafka_offset} does not match its Avro schema: {e}"
            ) from e
        self.count += 1
        if block.tell() >= SYNC_INTERVAL:
            self._write_block()

    def write_run(self, records: Sequence[SinkRecord]) -> int:
        """``write`` for each record, in one loop, up to the first record it would refuse."""
        if not records:
            return 0
        if not self.opened:
            try:
                self._open(records[0])
            except DataException:
                return 0  # write() says why
        value, encode, parsed, write = self.view.value, self.encode, self.parsed, fastavro.schemaless_writer
        block = self.block
        written = 0
        for record in records:
            start = block.tell()
            try:
                write(block, parsed, encode(value(record, False)))
            except (DataException, TypeError, ValueError, AttributeError, KeyError, OverflowError):
                block.seek(start)
                block.truncate()
                break  # write() says why, when the caller hands it this record
            written += 1
            self.count += 1
            if block.tell() >= SYNC_INTERVAL:
                self._write_block()
                block = self.block
        return written

    def _open(self, record: SinkRecord) -> None:
        self.schema = self.view.schema(record, False)
        avro = self.avro_data.from_connect_schema(self.schema)
        self.parsed = avro.parsed
        self.encode = self.avro_data.encoder(self.schema)
        self.out.write(container_header(avro.text, self.codec, self.sync))
        self.opened = True

    def _write_block(self) -> None:
        if self.count:
            data = _compress(self.codec, self.block.getvalue())
            self.out.write(_long(self.count) + _long(len(data)) + data + self.sync)
            self.block = io.BytesIO()
            self.count = 0

    def commit(self) -> None:
        self._write_block()
        self.out.commit()

    def close(self) -> None:
        self.out.close()


class AvroFormat:
    def __init__(self, storage: S3Storage, view: RecordView, avro_data: AvroData, codec: str) -> None:
        self.storage = storage
        self.view = view
        self.avro_data = avro_data
        self.codec = codec
        self.extension = ".avro"

    def new_writer(self, key: str) -> AvroRecordWriter:
        return AvroRecordWriter(self.storage.create(adjusted_key(self.view, key, self.extension)), self.avro_data,
                                self.view, self.codec)  # fmt: skip
