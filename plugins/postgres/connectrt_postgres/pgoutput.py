"""pgoutput logical replication messages, decoded from their bytes (protocol versions 1 and 2).

Pure functions over ``bytes``: :func:`decode_message` turns one pgoutput payload (the part of an
XLogData frame after its 25-byte header) into one of the message tuples below. Inside a streamed
transaction (protocol 2, between Stream Start and Stream Stop) data messages carry the xid of the
transaction first; :class:`PgOutputDecoder` tracks that state for a whole stream.

Formats: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html. Integers are
big-endian; LSNs are unsigned 64-bit; timestamps are µs since 2000-01-01 and are returned here as
µs since the Unix epoch. Tuple column values are ``None`` (SQL NULL), :data:`UNCHANGED_TOAST`
(an unchanged TOASTed value the server did not send), ``str`` (text format) or ``bytes`` (binary).
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

PG_EPOCH_OFFSET_US = 946_684_800_000_000  # 2000-01-01 - 1970-01-01 in µs


class PgOutputError(Exception):
    """A payload that is not a well-formed pgoutput message."""


class _Unchanged:
    """The marker of an unchanged TOASTed column value (tuple kind ``'u'``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED_TOAST"

    def __reduce__(self) -> str:
        return "UNCHANGED_TOAST"


UNCHANGED_TOAST: Any = _Unchanged()

TupleValue = str | bytes | None
TupleData = list[Any]


class Begin(NamedTuple):
    final_lsn: int
    commit_ts: int
    xid: int


class Commit(NamedTuple):
    flags: int
    commit_lsn: int
    end_lsn: int
    commit_ts: int


class Origin(NamedTuple):
    commit_lsn: int
    name: str


class RelationColumn(NamedTuple):
    flags: int
    name: str
    type_oid: int
    typmod: int

    @property
    def is_key(self) -> bool:
        return bool(self.flags & 1)


class Relation(NamedTuple):
    xid: int | None
    oid: int
    namespace: str
    name: str
    replica_identity: str
    columns: tuple[RelationColumn, ...]


class Type(NamedTuple):
    xid: int | None
    oid: int
    namespace: str
    name: str


class Insert(NamedTuple):
    xid: int | None
    relation_oid: int
    new: TupleData


class Update(NamedTuple):
    xid: int | None
    relation_oid: int
    old_kind: str | None  # 'K' (replica identity key) or 'O' (whole old row, REPLICA IDENTITY FULL)
    old: TupleData | None
    new: TupleData


class Delete(NamedTuple):
    xid: int | None
    relation_oid: int
    old_kind: str
    old: TupleData


class Truncate(NamedTuple):
    xid: int | None
    options: int  # 1 = CASCADE, 2 = RESTART IDENTITY
    relation_oids: tuple[int, ...]


class LogicalMessage(NamedTuple):
    xid: int | None
    transactional: bool
    lsn: int
    prefix: str
    content: bytes


class StreamStart(NamedTuple):
    xid: int
    first_segment: bool


class StreamStop(NamedTuple):
    pass


class StreamCommit(NamedTuple):
    xid: int
    flags: int
    commit_lsn: int
    end_lsn: int
    commit_ts: int


class StreamAbort(NamedTuple):
    xid: int
    subxid: int
    abort_lsn: int | None
    abort_ts: int | None


Message = (
    Begin
    | Commit
    | Origin
    | Relation
    | Type
    | Insert
    | Update
    | Delete
    | Truncate
    | LogicalMessage
    | StreamStart
    | StreamStop
    | StreamCommit
    | StreamAbort
)

_u8 = struct.Struct("!B").unpack_from
_i16 = struct.Struct("!h").unpack_from
_i32 = struct.Struct("!i").unpack_from
_u32 = struct.Struct("!I").unpack_from
_BEGIN = struct.Struct("!QqI").unpack_from
_COMMIT = struct.Struct("!BQQq").unpack_from
_STREAM_COMMIT = struct.Struct("!IBQQq").unpack_from
_MESSAGE_HEAD = struct.Struct("!BQ").unpack_from
_u64 = struct.Struct("!Q").unpack_from
_i64 = struct.Struct("!q").unpack_from
_REL_COL_TAIL = struct.Struct("!Ii").unpack_from

_KIND_T = 0x74  # 't'
_KIND_N = 0x6E  # 'n'
_KIND_U = 0x75  # 'u'
_KIND_B = 0x62  # 'b'


def _string(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end < 0:
        raise PgOutputError("unterminated string in pgoutput message")
    return data[pos:end].decode("utf-8"), end + 1


def decode_tuple(data: bytes, pos: int) -> tuple[TupleData, int]:
    """TupleData at ``pos``: the column values and the position after them."""
    (n,) = _i16(data, pos)
    pos += 2
    values: TupleData = []
    append = values.append
    for _ in range(n):
        kind = data[pos]
        if kind == _KIND_T:
            end = pos + 5 + _i32(data, pos + 1)[0]
            append(data[pos + 5 : end].decode())
            pos = end
        elif kind == _KIND_N:
            append(None)
            pos += 1
        elif kind == _KIND_U:
            append(UNCHANGED_TOAST)
            pos += 1
        elif kind == _KIND_B:
            end = pos + 5 + _i32(data, pos + 1)[0]
            append(data[pos + 5 : end])
            pos = end
        else:
            raise PgOutputError(f"unknown tuple column kind {chr(kind)!r}")
    if pos > len(data):
        raise PgOutputError("truncated tuple data in pgoutput message")
    return values, pos


def _xid(data: bytes, pos: int, in_stream: bool) -> tuple[int | None, int]:
    if in_stream:
        return _u32(data, pos)[0], pos + 4
    return None, pos


def _relation(data: bytes, pos: int, in_stream: bool) -> Relation:
    xid, pos = _xid(data, pos, in_stream)
    (oid,) = _u32(data, pos)
    namespace, pos = _string(data, pos + 4)
    name, pos = _string(data, pos)
    identity = chr(data[pos])
    (ncols,) = _i16(data, pos + 1)
    pos += 3
    columns = []
    for _ in range(ncols):
        flags = data[pos]
        col_name, pos = _string(data, pos + 1)
        type_oid, typmod = _REL_COL_TAIL(data, pos)
        pos += 8
        columns.append(RelationColumn(flags, col_name, type_oid, typmod))
    return Relation(xid, oid, namespace or "pg_catalog", name, identity, tuple(columns))


def _update(data: bytes, pos: int, in_stream: bool) -> Update:
    xid, pos = _xid(data, pos, in_stream)
    (oid,) = _u32(data, pos)
    pos += 4
    kind = chr(data[pos])
    old_kind: str | None = None
    old: TupleData | None = None
    if kind in ("K", "O"):
        old_kind = kind
        old, pos = decode_tuple(data, pos + 1)
        kind = chr(data[pos])
    if kind != "N":
        raise PgOutputError(f"expected a new tuple ('N') in an Update message, got {kind!r}")
    new, _ = decode_tuple(data, pos + 1)
    return Update(xid, oid, old_kind, old, new)


def decode_message(data: bytes, start: int = 0, in_stream: bool = False, protocol: int = 1) -> Message:
    """Decode the pgoutput message that begins at ``data[start]``.

    ``in_stream``: the message is inside a streamed transaction (its data messages carry an xid).
    ``protocol``: the negotiated ``proto_version`` (4 adds the abort LSN and time to Stream Abort).
    """
    try:
        tag = data[start]
        pos = start + 1
        if tag == 0x49:  # 'I'
            xid, pos = _xid(data, pos, in_stream)
            (oid,) = _u32(data, pos)
            if data[pos + 4] != 0x4E:
                raise PgOutputError("expected a new tuple ('N') in an Insert message")
            new, _ = decode_tuple(data, pos + 5)
            return Insert(xid, oid, new)
        if tag == 0x55:  # 'U'
            return _update(data, pos, in_stream)
        if tag == 0x44:  # 'D'
            xid, pos = _xid(data, pos, in_stream)
            (oid,) = _u32(data, pos)
            old_kind = chr(data[pos + 4])
            if old_kind not in ("K", "O"):
                raise PgOutputError(
                    f"expected an old tuple ('K' or 'O') in a Delete message, got {old_kind!r}"
                )
            old, _ = decode_tuple(data, pos + 5)
            return Delete(xid, oid, old_kind, old)
        if tag == 0x42:  # 'B'
            final_lsn, ts, xid = _BEGIN(data, pos)
            return Begin(final_lsn, ts + PG_EPOCH_OFFSET_US, xid)
        if tag == 0x43:  # 'C'
            flags, commit_lsn, end_lsn, ts = _COMMIT(data, pos)
            return Commit(flags, commit_lsn, end_lsn, ts + PG_EPOCH_OFFSET_US)
        if tag == 0x52:  # 'R'
            return _relation(data, pos, in_stream)
        if tag == 0x59:  # 'Y'
            xid, pos = _xid(data, pos, in_stream)
            (oid,) = _u32(data, pos)
            namespace, pos = _string(data, pos + 4)
            name, pos = _string(data, pos)
            return Type(xid, oid, namespace or "pg_catalog", name)
        if tag == 0x4F:  # 'O'
            (lsn,) = _u64(data, pos)
            name, _ = _string(data, pos + 8)
            return Origin(lsn, name)
        if tag == 0x54:  # 'T'
            xid, pos = _xid(data, pos, in_stream)
            (nrels,) = _i32(data, pos)
            options = data[pos + 4]
            pos += 5
            oids = struct.unpack_from(f"!{nrels}I", data, pos)
            return Truncate(xid, options, tuple(oids))
        if tag == 0x4D:  # 'M'
            xid, pos = _xid(data, pos, in_stream)
            flags, lsn = _MESSAGE_HEAD(data, pos)
            prefix, pos = _string(data, pos + 9)
            (length,) = _i32(data, pos)
            pos += 4
            content = bytes(data[pos : pos + length])
            if len(content) != length:
                raise PgOutputError("truncated content in a logical decoding Message")
            return LogicalMessage(xid, bool(flags & 1), lsn, prefix, content)
        if tag == 0x53:  # 'S'
            (xid,) = _u32(data, pos)
            return StreamStart(xid, data[pos + 4] == 1)
        if tag == 0x45:  # 'E'
            return StreamStop()
        if tag == 0x63:  # 'c'
            xid, flags, commit_lsn, end_lsn, ts = _STREAM_COMMIT(data, pos)
            return StreamCommit(xid, flags, commit_lsn, end_lsn, ts + PG_EPOCH_OFFSET_US)
        if tag == 0x41:  # 'A'
            (xid,) = _u32(data, pos)
            (subxid,) = _u32(data, pos + 4)
            if protocol >= 4 and len(data) >= pos + 24:
                (abort_lsn,) = _u64(data, pos + 8)
                (abort_ts,) = _i64(data, pos + 16)
                return StreamAbort(xid, subxid, abort_lsn, abort_ts + PG_EPOCH_OFFSET_US)
            return StreamAbort(xid, subxid, None, None)
    except (IndexError, struct.error) as e:
        raise PgOutputError(f"truncated pgoutput message {chr(data[start])!r}: {e}") from e
    raise PgOutputError(f"unknown pgoutput message type {chr(tag)!r}")


class PgOutputDecoder:
    """Decodes a stream's messages in order, tracking whether a streamed transaction is open."""

    __slots__ = ("in_stream", "protocol")

    def __init__(self, protocol: int = 1) -> None:
        self.protocol = protocol
        self.in_stream = False

    def decode(self, data: bytes, start: int = 0) -> Message:
        tag = data[start]
        if tag == 0x53:  # Stream Start
            self.in_stream = True
        elif tag == 0x45:  # Stream Stop
            self.in_stream = False
        return decode_message(data, start, self.in_stream, self.protocol)


def format_lsn(lsn: int) -> str:
    """PostgreSQL's text form of an LSN, e.g. ``0/16E9058``."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int:
    """The integer LSN of ``X/Y`` text."""
    high, sep, low = text.partition("/")
    if not sep:
        raise ValueError(f"not an LSN: {text!r}")
    return (int(high, 16) << 32) | int(low, 16)
