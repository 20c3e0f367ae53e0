"""pgoutput decoding from literal message bytes (formats from the PostgreSQL 15 protocol docs)."""

from __future__ import annotations

import pytest

from connectrt_postgres.pgoutput import (
    UNCHANGED_TOAST,
    Begin,
    Commit,
    Delete,
    Insert,
    LogicalMessage,
    Origin,
    PgOutputDecoder,
    PgOutputError,
    Relation,
    RelationColumn,
    StreamAbort,
    StreamCommit,
    StreamStart,
    StreamStop,
    Truncate,
    Type,
    Update,
    decode_message,
    decode_tuple,
    format_lsn,
    parse_lsn,
)

pytestmark = pytest.mark.unit

# 2024-05-01 12:35:00.123456 UTC is 767795700123456 µs after 2000-01-01.
TS_PG = bytes.fromhex("0002BA627BCEA740")
TS_UNIX_US = 1714566900123456


def test_timestamp_constant_is_what_the_literal_says() -> None:
    assert int.from_bytes(TS_PG, "big") + 946_684_800_000_000 == TS_UNIX_US


def test_begin() -> None:
    data = b"B" + bytes.fromhex("00000000016E9058") + TS_PG + bytes.fromhex("000002FF")
    assert decode_message(data) == Begin(final_lsn=0x16E9058, commit_ts=TS_UNIX_US, xid=767)


def test_commit() -> None:
    data = b"C" + b"\x00" + bytes.fromhex("00000000016E9058") + bytes.fromhex("00000000016E9088") + TS_PG
    assert decode_message(data) == Commit(0, 0x16E9058, 0x16E9088, TS_UNIX_US)


def test_origin() -> None:
    data = b"O" + bytes.fromhex("0000000100000010") + b"node_a\x00"
    assert decode_message(data) == Origin((1 << 32) | 0x10, "node_a")


def test_relation_with_columns_and_key_flags() -> None:
    data = (
        b"R"
        + bytes.fromhex("00004001")
        + b"public\x00"
        + b"orders\x00"
        + b"d"
        + bytes.fromhex("0003")
        + b"\x01"
        + b"id\x00"
        + bytes.fromhex("00000017")
        + bytes.fromhex("FFFFFFFF")
        + b"\x00"
        + b"name\x00"
        + bytes.fromhex("00000019")
        + bytes.fromhex("FFFFFFFF")
        + b"\x00"
        + b"amount\x00"
        + bytes.fromhex("000006A4")
        + bytes.fromhex("000A0006")
    )
    rel = decode_message(data)
    assert rel == Relation(
        None,
        0x4001,
        "public",
        "orders",
        "d",
        (
            RelationColumn(1, "id", 23, -1),
            RelationColumn(0, "name", 25, -1),
            RelationColumn(0, "amount", 1700, 0xA0006),
        ),
    )
    assert isinstance(rel, Relation)
    assert [c.is_key for c in rel.columns] == [True, False, False]


def test_relation_in_pg_catalog_has_an_empty_namespace() -> None:
    data = b"R" + bytes.fromhex("00000001") + b"\x00" + b"t\x00" + b"f" + bytes.fromhex("0000")
    assert decode_message(data) == Relation(None, 1, "pg_catalog", "t", "f", ())


def test_type() -> None:
    data = b"Y" + bytes.fromhex("00004002") + b"public\x00" + b"mood\x00"
    assert decode_message(data) == Type(None, 0x4002, "public", "mood")


def test_insert_with_every_column_kind() -> None:
    data = (
        b"I"
        + bytes.fromhex("00004001")
        + b"N"
        + bytes.fromhex("0004")
        + b"t"
        + bytes.fromhex("00000001")
        + b"1"
        + b"n"
        + b"t"
        + bytes.fromhex("00000003")
        + "ü".encode()
        + b"x"
        + b"b"
        + bytes.fromhex("00000002")
        + b"\x00\xff"
    )
    assert decode_message(data) == Insert(None, 0x4001, ["1", None, "üx", b"\x00\xff"])


def test_update_without_old_tuple() -> None:
    data = (
        b"U"
        + bytes.fromhex("00004001")
        + b"N"
        + bytes.fromhex("0002")
        + b"t"
        + bytes.fromhex("00000001")
        + b"7"
        + b"u"
    )
    msg = decode_message(data)
    assert msg == Update(None, 0x4001, None, None, ["7", UNCHANGED_TOAST])
    assert isinstance(msg, Update)
    assert msg.new[1] is UNCHANGED_TOAST


def test_update_with_key_and_with_full_old_row() -> None:
    new = (
        b"N"
        + bytes.fromhex("0002")
        + b"t"
        + bytes.fromhex("00000002")
        + b"10"
        + b"t"
        + bytes.fromhex("00000001")
        + b"b"
    )
    key = b"K" + bytes.fromhex("0002") + b"t" + bytes.fromhex("00000001") + b"1" + b"n"
    old = (
        b"O"
        + bytes.fromhex("0002")
        + b"t"
        + bytes.fromhex("00000001")
        + b"1"
        + b"t"
        + bytes.fromhex("00000001")
        + b"a"
    )
    rel = bytes.fromhex("00004001")
    assert decode_message(b"U" + rel + key + new) == Update(None, 0x4001, "K", ["1", None], ["10", "b"])
    assert decode_message(b"U" + rel + old + new) == Update(None, 0x4001, "O", ["1", "a"], ["10", "b"])


def test_delete_key_and_full() -> None:
    rel = bytes.fromhex("00004001")
    key = b"K" + bytes.fromhex("0002") + b"t" + bytes.fromhex("00000001") + b"1" + b"n"
    assert decode_message(b"D" + rel + key) == Delete(None, 0x4001, "K", ["1", None])
    old = b"O" + bytes.fromhex("0001") + b"t" + bytes.fromhex("00000000")
    assert decode_message(b"D" + rel + old) == Delete(None, 0x4001, "O", [""])


def test_truncate() -> None:
    data = b"T" + bytes.fromhex("00000002") + b"\x03" + bytes.fromhex("00004001") + bytes.fromhex("00004005")
    assert decode_message(data) == Truncate(None, 3, (0x4001, 0x4005))


def test_logical_messages() -> None:
    data = (
        b"M"
        + b"\x01"
        + bytes.fromhex("0000000000ABCDEF")
        + b"pfx\x00"
        + bytes.fromhex("00000003")
        + b"a\x00b"
    )
    assert decode_message(data) == LogicalMessage(None, True, 0xABCDEF, "pfx", b"a\x00b")
    data = b"M" + b"\x00" + bytes.fromhex("0000000000000010") + b"\x00" + bytes.fromhex("00000000")
    assert decode_message(data) == LogicalMessage(None, False, 0x10, "", b"")


def test_decoding_at_an_offset_inside_an_xlogdata_frame() -> None:
    frame = b"w" + bytes(24) + b"B" + bytes.fromhex("00000000016E9058") + TS_PG + bytes.fromhex("000002FF")
    assert decode_message(frame, 25) == Begin(0x16E9058, TS_UNIX_US, 767)


def test_streamed_transaction_messages_carry_the_xid() -> None:
    decoder = PgOutputDecoder(protocol=2)
    xid = bytes.fromhex("000003E8")
    assert decoder.decode(b"S" + xid + b"\x01") == StreamStart(1000, True)
    rel = (
        b"R"
        + xid
        + bytes.fromhex("00004001")
        + b"s\x00"
        + b"t\x00"
        + b"d"
        + bytes.fromhex("0001")
        + (b"\x01" + b"id\x00" + bytes.fromhex("00000017") + bytes.fromhex("FFFFFFFF"))
    )
    assert decoder.decode(rel) == Relation(1000, 0x4001, "s", "t", "d", (RelationColumn(1, "id", 23, -1),))
    ins = (
        b"I"
        + xid
        + bytes.fromhex("00004001")
        + b"N"
        + bytes.fromhex("0001")
        + b"t"
        + bytes.fromhex("00000001")
        + b"5"
    )
    assert decoder.decode(ins) == Insert(1000, 0x4001, ["5"])
    upd = (
        b"U"
        + xid
        + bytes.fromhex("00004001")
        + b"N"
        + bytes.fromhex("0001")
        + b"t"
        + bytes.fromhex("00000001")
        + b"6"
    )
    assert decoder.decode(upd) == Update(1000, 0x4001, None, None, ["6"])
    dele = (
        b"D"
        + xid
        + bytes.fromhex("00004001")
        + b"K"
        + bytes.fromhex("0001")
        + b"t"
        + bytes.fromhex("00000001")
        + b"6"
    )
    assert decoder.decode(dele) == Delete(1000, 0x4001, "K", ["6"])
    trunc = b"T" + xid + bytes.fromhex("00000001") + b"\x00" + bytes.fromhex("00004001")
    assert decoder.decode(trunc) == Truncate(1000, 0, (0x4001,))
    msg = (
        b"M" + xid + b"\x01" + bytes.fromhex("0000000000000020") + b"p\x00" + bytes.fromhex("00000001") + b"z"
    )
    assert decoder.decode(msg) == LogicalMessage(1000, True, 0x20, "p", b"z")
    assert decoder.decode(b"E") == StreamStop()
    assert not decoder.in_stream
    # After Stream Stop, data messages have no xid again.
    assert decoder.decode(b"I" + bytes.fromhex("00004001") + b"N" + bytes.fromhex("0000")) == Insert(
        None, 0x4001, []
    )
    commit = (
        b"c" + xid + b"\x00" + bytes.fromhex("0000000000000100") + bytes.fromhex("0000000000000130") + TS_PG
    )
    assert decoder.decode(commit) == StreamCommit(1000, 0, 0x100, 0x130, TS_UNIX_US)
    assert decoder.decode(b"A" + xid + bytes.fromhex("000003E9")) == StreamAbort(1000, 1001, None, None)


def test_stream_abort_protocol_4_has_lsn_and_time() -> None:
    data = (
        b"A"
        + bytes.fromhex("000003E8")
        + bytes.fromhex("000003E8")
        + bytes.fromhex("0000000000000200")
        + TS_PG
    )
    assert decode_message(data, protocol=4) == StreamAbort(1000, 1000, 0x200, TS_UNIX_US)


@pytest.mark.parametrize(
    "data",
    [
        b"I"
        + bytes.fromhex("00004001")
        + b"N"
        + bytes.fromhex("0001")
        + b"t"
        + bytes.fromhex("00000005")
        + b"ab",
        b"I" + bytes.fromhex("00004001") + b"N" + bytes.fromhex("0001") + b"x",
        b"I" + bytes.fromhex("00004001") + b"X",
        b"R" + bytes.fromhex("00004001") + b"unterminated",
        b"B" + bytes.fromhex("0000"),
        b"Z",
        b"D" + bytes.fromhex("00004001") + b"N" + bytes.fromhex("0000"),
    ],
)
def test_malformed_messages_raise(data: bytes) -> None:
    with pytest.raises(PgOutputError):
        decode_message(data)


def test_decode_tuple_returns_the_next_position() -> None:
    data = b"xx" + bytes.fromhex("0002") + b"n" + b"t" + bytes.fromhex("00000002") + b"ok" + b"rest"
    assert decode_tuple(data, 2) == ([None, "ok"], len(data) - 4)


def test_lsn_text() -> None:
    assert format_lsn(0x16E9058) == "0/16E9058"
    assert format_lsn((0x1A << 32) | 0xFF) == "1A/FF"
    assert parse_lsn("1A/FF") == (0x1A << 32) | 0xFF
    with pytest.raises(ValueError):
        parse_lsn("nope")
