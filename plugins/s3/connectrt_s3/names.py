"""The Java class names this S3 sink answers to: formats, partitioners, timestamp extractors, storage.

Configs name these classes; they are matched here (full Java name or simple name) and never imported.
"""

from __future__ import annotations

STORAGE_CLASS = "io.confluent.connect.s3.storage.S3Storage"

_FORMAT_PACKAGES = {
    "JsonFormat": "io.confluent.connect.s3.format.json.JsonFormat",
    "AvroFormat": "io.confluent.connect.s3.format.avro.AvroFormat",
    "ParquetFormat": "io.confluent.connect.s3.format.parquet.ParquetFormat",
    "ByteArrayFormat": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
}
FORMATS = {**{v: k for k, v in _FORMAT_PACKAGES.items()}, **{k: k for k in _FORMAT_PACKAGES}}

_PARTITIONER_PACKAGE = "io.confluent.connect.storage.partitioner."
_PARTITIONER_NAMES = (
    "DefaultPartitioner",
    "FieldPartitioner",
    "TimeBasedPartitioner",
    "DailyPartitioner",
    "HourlyPartitioner",
)
PARTITIONERS = {
    **{_PARTITIONER_PACKAGE + k: k for k in _PARTITIONER_NAMES},
    **{k: k for k in _PARTITIONER_NAMES},
}

_EXTRACTOR_PREFIX = "io.confluent.connect.storage.partitioner.TimeBasedPartitioner$"
EXTRACTORS = {
    **{k: k for k in ("Wallclock", "Record", "RecordField")},
    **{f"{_EXTRACTOR_PREFIX}{k}TimestampExtractor": k for k in ("Wallclock", "Record", "RecordField")},
}

#: parquet.codec value → (pyarrow compression, Parquet's file extension part, as CompressionCodecName has it)
PARQUET_CODECS = {
    "none": ("none", ""),
    "snappy": ("snappy", ".snappy"),
    "gzip": ("gzip", ".gz"),
    "lzo": ("lzo", ".lzo"),
    "brotli": ("brotli", ".br"),
    "lz4": ("lz4", ".lz4hadoop"),
    "zstd": ("zstd", ".zstd"),
    "lz4_raw": ("lz4_raw", ".lz4raw"),
}


def format_name(value: str) -> str | None:
    """``JsonFormat``/``AvroFormat``/``ParquetFormat``/``ByteArrayFormat`` for a configured class, or None."""
    return FORMATS.get(str(value).strip())


def partitioner_name(value: str) -> str | None:
    return PARTITIONERS.get(str(value).strip())


def extractor_name(value: str) -> str | None:
    return EXTRACTORS.get(str(value).strip())
