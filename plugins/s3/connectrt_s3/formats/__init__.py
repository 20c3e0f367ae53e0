"""Formats by their Confluent names, and the writer that stores values with optional key/header sidecars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from connectrt.api import ConnectException, DataException, SinkRecord
from connectrt.converters.avro import AvroData, AvroDataConfig

from connectrt_s3.config import S3SinkConfig
from connectrt_s3.formats.avro import AvroFormat
from connectrt_s3.formats.base import VALUE_VIEW, HeaderRecordView, KeyRecordView, RecordView, RecordWriter
from connectrt_s3.formats.lines import ByteArrayFormat, JsonFormat
from connectrt_s3.formats.parquet import ParquetFormat
from connectrt_s3.names import PARQUET_CODECS, format_name
from connectrt_s3.storage import S3Storage


class Format(Protocol):
    extension: str

    def new_writer(self, key: str) -> Any: ...


def build_format(config: S3SinkConfig, storage: S3Storage, class_key: str, view: RecordView) -> Format:
    name = format_name(config.string(class_key))
    compression = config.string("s3.compression.type")
    level = config.integer("s3.compression.level")
    if name == "JsonFormat":
        return JsonFormat(storage, view, compression, level, config.string("json.decimal.format"),
                          config.integer("schemas.cache.config"))  # fmt: skip
    if name == "ByteArrayFormat":
        return ByteArrayFormat(storage, view, compression, level, config.string("format.bytearray.extension"),
                               config.bytearray_separator)  # fmt: skip
    if name in ("AvroFormat", "ParquetFormat"):
        avro_data = AvroData(
            AvroDataConfig(
                enhanced_avro_schema_support=config.flag("enhanced.avro.schema.support"),
                connect_meta_data=config.flag("connect.meta.data"),
                allow_optional_map_keys=config.flag("allow.optional.map.keys"),
                schemas_cache_size=max(1, config.integer("schemas.cache.config")),
            )
        )
        if name == "AvroFormat":
            return AvroFormat(storage, view, avro_data, config.string("avro.codec"))
        codec, extension = PARQUET_CODECS[config.string("parquet.codec").lower()]
        return ParquetFormat(storage, view, codec, extension)
    raise ConnectException(f"{config.string(class_key)} is not a format this S3 sink implements")


class KeyValueHeaderWriter:
    """One object per stored part of the records (value, ``.keys``, ``.headers``), committed together."""

    def __init__(self, value: RecordWriter | None, key: RecordWriter | None, header: RecordWriter | None,
                 tombstones: bool) -> None:  # fmt: skip
        self.value = value
        self.key = key
        self.header = header
        self.tombstones = tombstones

    def write(self, record: SinkRecord) -> None:
        if self.tombstones and self.key is None:
            raise ConnectException("Key Writer must be configured when writing tombstone records is enabled.")
        where = f"SinkRecord{{kafkaOffset={record.kafka_offset}, topic='{record.topic}', kafkaPartition={record.kafka_partition}}}"
        if self.key is not None and record.key is None:
            raise DataException(f"Key cannot be null for {where}")
        if self.header is not None and not record.headers:
            raise DataException(f"Headers cannot be null for {where}")
        if self.value is not None:
            self.value.write(record)
        elif record.value is not None:
            raise ConnectException(f"Value writer not configured for {where} (tombstone partition)")
        if self.key is not None:
            self.key.write(record)
        if self.header is not None:
            self.header.write(record)

    def write_run(self, records: Sequence[SinkRecord]) -> int:
        written = 0
        for record in records:
            try:
                self.write(record)
            except DataException:
                break
            written += 1
        return written

    def commit(self) -> None:
        for w in (self.value, self.key, self.header):
            if w is not None:
                w.commit()

    def close(self) -> None:
        for w in (self.value, self.key, self.header):
            if w is not None:
                w.close()


class RecordWriterProvider:
    """Creates the writers of one object name (Confluent's KeyValueHeaderRecordWriterProvider)."""

    def __init__(self, config: S3SinkConfig, storage: S3Storage) -> None:
        self.config = config
        self.value_format = build_format(config, storage, "format.class", VALUE_VIEW)
        self.key_format = build_format(config, storage, "keys.format.class", KeyRecordView()) if config.flag(
            "store.kafka.keys") else None  # fmt: skip
        self.header_format = build_format(config, storage, "headers.format.class", HeaderRecordView()) if config.flag(
            "store.kafka.headers") else None  # fmt: skip
        self.extension = self.value_format.extension
        self.tombstone_partition = config.string("tombstone.encoded.partition")
        self.tombstones = config.tombstone_write_enabled

    def new_writer(self, key: str) -> KeyValueHeaderWriter | RecordWriter:
        base = key[: -len(self.extension)] if self.extension and key.endswith(self.extension) else key
        if self.key_format is None and self.header_format is None and not self.tombstones:
            return self.value_format.new_writer(base)  # values only: no per-record dispatch
        value = (
            None
            if self.tombstones and self.tombstone_partition in key
            else self.value_format.new_writer(base)
        )
        keys = self.key_format.new_writer(base) if self.key_format is not None else None
        headers = self.header_format.new_writer(base) if self.header_format is not None else None
        return KeyValueHeaderWriter(value, keys, headers, self.tombstones)
