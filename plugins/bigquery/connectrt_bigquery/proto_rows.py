"""Protocol-buffer rows for the Storage Write API, built from a table's BigQuery schema.

One self-contained proto2 ``DescriptorProto`` per table schema (nested RECORDs become nested
message types), and the message class to serialise rows with. Value encodings follow the Storage
Write API: TIMESTAMP int64 epoch micros, DATE int32 epoch days, TIME/DATETIME/NUMERIC strings.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from google.cloud.bigquery import SchemaField
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from connectrt_bigquery.errors import ConversionError
from connectrt_bigquery.evolution import canonical_type, mode, signature

_FDP = descriptor_pb2.FieldDescriptorProto
_PROTO_TYPES = {
    "INTEGER": _FDP.TYPE_INT64,
    "FLOAT": _FDP.TYPE_DOUBLE,
    "BOOLEAN": _FDP.TYPE_BOOL,
    "STRING": _FDP.TYPE_STRING,
    "BYTES": _FDP.TYPE_BYTES,
    "TIMESTAMP": _FDP.TYPE_INT64,
    "DATE": _FDP.TYPE_INT32,
    "TIME": _FDP.TYPE_STRING,
    "DATETIME": _FDP.TYPE_STRING,
    "NUMERIC": _FDP.TYPE_STRING,
    "BIGNUMERIC": _FDP.TYPE_STRING,
    "JSON": _FDP.TYPE_STRING,
    "GEOGRAPHY": _FDP.TYPE_STRING,
}
_counter = itertools.count()


class ProtoSchema:
    """The writer schema and message class of one table schema."""

    def __init__(self, columns: Sequence[SchemaField]) -> None:
        self.descriptor = descriptor_pb2.DescriptorProto(name="ConnectrtRow")
        nested_names = itertools.count()
        self._fill(self.descriptor, self.descriptor, columns, nested_names)
        file_proto = descriptor_pb2.FileDescriptorProto(
            name=f"connectrt_bigquery_row_{next(_counter)}.proto", package="connectrt", syntax="proto2"
        )
        file_proto.message_type.add().CopyFrom(self.descriptor)
        pool = descriptor_pool.DescriptorPool()
        pool.Add(file_proto)
        self.message_class = message_factory.GetMessageClass(
            pool.FindMessageTypeByName("connectrt.ConnectrtRow")
        )

    def _fill(
        self,
        root: descriptor_pb2.DescriptorProto,
        message: descriptor_pb2.DescriptorProto,
        columns: Sequence[SchemaField],
        names: Any,
    ) -> None:
        for number, column in enumerate(columns, start=1):
            label = _FDP.LABEL_REPEATED if mode(column) == "REPEATED" else _FDP.LABEL_OPTIONAL
            bq_type = canonical_type(column)
            if bq_type == "RECORD":
                nested = root.nested_type.add(name=f"Nested{next(names)}")
                self._fill(root, nested, column.fields or (), names)
                message.field.add(
                    name=column.name,
                    number=number,
                    label=label,
                    type=_FDP.TYPE_MESSAGE,
                    type_name=nested.name,
                )
            else:
                proto_type = _PROTO_TYPES.get(bq_type)
                if proto_type is None:
                    raise ConversionError(
                        f"Column {column.name} has type {bq_type}, which the connector cannot "
                        "write with the Storage Write API"
                    )
                message.field.add(name=column.name, number=number, label=label, type=proto_type)

    def serialize(self, row: dict[str, Any]) -> bytes:
        try:
            message = self.message_class(**row)
        except (ValueError, TypeError) as exc:
            raise ConversionError(f"Row does not fit the table's schema: {exc}") from None
        result: bytes = message.SerializeToString()
        return result


class ProtoSchemas:
    """ProtoSchema per table schema, built once."""

    def __init__(self) -> None:
        self._by_signature: dict[object, ProtoSchema] = {}

    def for_columns(self, columns: Sequence[SchemaField]) -> ProtoSchema:
        key = signature(columns)
        found = self._by_signature.get(key)
        if found is None:
            found = ProtoSchema(columns)
            self._by_signature[key] = found
        return found
