"""Connect ↔ Avro: the single mapping every Avro-speaking part of connectrt uses.

It follows Confluent's ``io.confluent.connect.avro.AvroData`` (schema-registry's ``avro-data`` module), so
schemas written by connectrt read the same in Java tools and vice versa:

- Connect Schema → Avro schema: structs become records (unnamed ones ``io.confluent.connect.avro.ConnectDefault``,
  ``ConnectDefault2`` ...), optional schemas become unions with ``null`` first (``null`` second when the schema
  has a default), int8/int16 become ``int`` with ``connect.type``, maps with non-string keys become arrays of
  ``MapEntry`` key/value records, Decimal/Date/Time/Timestamp get ``decimal``/``date``/``time-millis``/
  ``timestamp-millis`` plus their Connect names, and with ``connect.meta.data`` (default on) the schema keeps
  ``connect.name``, ``connect.version``, ``connect.doc``, ``connect.parameters`` and ``connect.default``.
  ``enhanced.avro.schema.support`` turns Connect enum parameters back into Avro enums and uses full names for
  union members; ``scrub.invalid.names`` makes names valid Avro names. Schemaless values use the
  ``io.confluent.connect.avro.Anything`` record.
- Connect value → Avro datum (the Python data fastavro writes) and back, with logical types encoded as Avro
  stores them.

Usage::

    from connectrt.converters.avro import AvroData, AvroDataConfig

    avro_data = AvroData(AvroDataConfig.from_configs({"enhanced.avro.schema.support": "true"}))
    avro = avro_data.from_connect_schema(schema)     # AvroSchema: .text (as Java prints it), .json, .parsed
    datum = avro_data.from_connect_data(schema, struct)
    fastavro.schemaless_writer(buffer, avro.parsed, datum)

    schema = avro_data.to_connect_schema(avro.text)   # or JSON data
    schema_and_value = avro_data.to_connect_data(avro.text, fastavro.schemaless_reader(buffer, avro.parsed))

``AvroData.encoder(schema)`` / ``decoder(schema)`` return the cached per-schema functions for loops.
Known limits: recursive Avro schemas (a record that contains itself) are refused, since a Connect schema here
is an immutable tree; ``generalized.sum.type.support`` is not implemented; a datum of a Connect union whose
members share a Python type (int and long) is matched to the first such member unless the reader returns
``(name, value)`` pairs.
"""

from typing import Any

from connectrt.converters.avro.avro_data import AvroData, AvroSchema, anything_avro_schema
from connectrt.converters.avro.config import AvroDataConfig, avro_data_config_def


def __getattr__(name: str) -> Any:
    if name == "ANYTHING_SCHEMA":  # built on first use: importing this package must not import fastavro
        return anything_avro_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ANYTHING_SCHEMA",
    "AvroData",
    "AvroDataConfig",
    "AvroSchema",
    "anything_avro_schema",
    "avro_data_config_def",
]
