"""SlotChangeDecoder: the changes read from a pgoutput slot (protocol version 1) as dicts, for the demo
and the dev-service tests.

It turns the binary messages of ``pg_logical_slot_get_binary_changes(..., 'proto_version', '1',
'publication_names', ...)`` into plain dicts, with column values as text. It is not the CDC
connector's decoder (``connectrt_postgres.pgoutput.PgOutputDecoder``): no type conversion, no
streaming (v2+) messages, no performance work.
Formats: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Relation:
    oid: int
    namespace: str
    name: str
    columns: list[str]


@dataclass
class SlotChangeDecoder:
    """Decodes messages in order; keeps the Relation messages it has seen."""

    relations: dict[int, Relation] = field(default_factory=dict)

    def decode(self, payload: bytes) -> dict[str, Any]:
        reader = _Reader(bytes(payload))
        kind = reader.byte()
        if kind == "B":
            final_lsn, _ts, xid = reader.unpack("!qqi")
            return {"type": "begin", "final_lsn": _lsn(final_lsn), "xid": xid}
        if kind == "C":
            _flags, commit_lsn, end_lsn, _ts = reader.unpack("!bqqq")
            return {"type": "commit", "commit_lsn": _lsn(commit_lsn), "end_lsn": _lsn(end_lsn)}
        if kind == "R":
            (oid,) = reader.unpack("!I")
            namespace, name = reader.string(), reader.string()
            _replident, ncols = reader.unpack("!bh")
            columns = []
            for _ in range(ncols):
                reader.unpack("!b")
                columns.append(reader.string())
                reader.unpack("!Ii")
            self.relations[oid] = Relation(oid, namespace, name, columns)
            return {"type": "relation", "table": f"{namespace}.{name}", "columns": columns}
        if kind in ("I", "U", "D"):
            (oid,) = reader.unpack("!I")
            relation = self.relations[oid]
            message: dict[str, Any] = {
                "type": {"I": "insert", "U": "update", "D": "delete"}[kind],
                "table": f"{relation.namespace}.{relation.name}",
            }
            while reader.remaining():
                part = reader.byte()
                values = dict(zip(relation.columns, reader.tuple_data(), strict=True))
                message[{"N": "new", "K": "key", "O": "old"}[part]] = values
            return message
        return {"type": f"other:{kind}"}


def _lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def byte(self) -> str:
        self.pos += 1
        return chr(self.data[self.pos - 1])

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def string(self) -> str:
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos : end].decode()
        self.pos = end + 1
        return text

    def tuple_data(self) -> list[str | None]:
        (ncols,) = self.unpack("!h")
        values: list[str | None] = []
        for _ in range(ncols):
            kind = self.byte()
            if kind in ("n", "u"):
                values.append(None)
                continue
            (length,) = self.unpack("!i")
            raw = self.data[self.pos : self.pos + length]
            self.pos += length
            values.append(raw.decode() if kind == "t" else raw.hex())
        return values
