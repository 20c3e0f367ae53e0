from __future__ import annotations

import struct

import pytest

from connectrt.dev.slot_changes import SlotChangeDecoder

pytestmark = pytest.mark.unit


def _tuple(*values: str | None) -> bytes:
    out = struct.pack("!h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        else:
            out += b"t" + struct.pack("!i", len(value.encode())) + value.encode()
    return out


def test_decodes_a_transaction() -> None:
    decoder = SlotChangeDecoder()
    begin = b"B" + struct.pack("!qqi", 0x1_0000_0010, 0, 750)
    relation = (
        b"R"
        + struct.pack("!I", 16384)
        + b"public\0orders\0"
        + struct.pack("!bh", ord("d"), 2)
        + struct.pack("!b", 1)
        + b"id\0"
        + struct.pack("!Ii", 23, -1)
        + struct.pack("!b", 0)
        + b"item\0"
        + struct.pack("!Ii", 25, -1)
    )
    insert = b"I" + struct.pack("!I", 16384) + b"N" + _tuple("1", "coffee")
    update = b"U" + struct.pack("!I", 16384) + b"N" + _tuple("1", None)
    delete = b"D" + struct.pack("!I", 16384) + b"K" + _tuple("1", None)
    commit = b"C" + struct.pack("!bqqq", 0, 0x10, 0x20, 0)
    out = [decoder.decode(m) for m in (begin, relation, insert, update, delete, commit)]
    assert out[0] == {"type": "begin", "final_lsn": "1/10", "xid": 750}
    assert out[1] == {"type": "relation", "table": "public.orders", "columns": ["id", "item"]}
    assert out[2] == {"type": "insert", "table": "public.orders", "new": {"id": "1", "item": "coffee"}}
    assert out[3] == {"type": "update", "table": "public.orders", "new": {"id": "1", "item": None}}
    assert out[4] == {"type": "delete", "table": "public.orders", "key": {"id": "1", "item": None}}
    assert out[5] == {"type": "commit", "commit_lsn": "0/10", "end_lsn": "0/20"}
    assert decoder.decode(b"Y\0\0")["type"] == "other:Y"
