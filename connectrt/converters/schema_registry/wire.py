"""Confluent's wire format: magic byte 0, the schema id as 4 big-endian bytes, then the Avro binary datum.

A top-level ``bytes`` schema is the exception Java makes: its value follows the id raw, without Avro's
length prefix (``AbstractKafkaAvroSerializer``/``Deserializer``).
"""

from __future__ import annotations

import struct

from connectrt.api.data import DataException

MAGIC_BYTE = 0
HEADER_SIZE = 5
_HEADER = struct.Struct(">bI")


def header(schema_id: int) -> bytes:
    return _HEADER.pack(MAGIC_BYTE, schema_id)


def schema_id(data: bytes, topic: str) -> int:
    """The schema id of a framed record; DataException when the bytes are not in the Confluent format."""
    if len(data) < HEADER_SIZE or data[0] != MAGIC_BYTE:
        what = "too short" if len(data) < HEADER_SIZE else f"magic byte {data[0]}"
        raise DataException(
            f"Failed to deserialize data for topic {topic} to Avro: Unknown magic byte! (the record is {what}, not "
            "Confluent's Avro wire format; was it written by another converter?)"
        )
    return int(_HEADER.unpack_from(data)[1])
