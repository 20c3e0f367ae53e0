"""The Connect worker group protocol: member metadata and assignment bytes, byte-identical to Java.

Java's ``ConnectProtocol`` (v0, protocol name ``default``, eager) and
``IncrementalCooperativeConnectProtocol`` (v1 ``compatible`` / v2 ``sessioned``) encode with
Kafka's classic (non-flexible) struct primitives, big-endian: ``STRING`` = int16 length + UTF-8,
``NULLABLE_BYTES`` = int32 length (-1 = null) + bytes, ``ARRAY`` = int32 count (-1 = null) +
elements.

Member metadata::

    v0:    int16 version=0, STRING url, INT64 configOffset
    v1/v2: int16 version,   STRING url, INT64 configOffset, NULLABLE_BYTES allocation

``allocation`` is the worker's current (complete) assignment encoded as a v1/v2 assignment with
its own version header, or null when the worker never received one.

Assignment::

    v0:    int16 version=0, int16 error, STRING leader, STRING leaderUrl, INT64 configOffset,
           ARRAY<{STRING connector, ARRAY<INT32> tasks}> assignment
    v1/v2: the v0 fields (assignment nullable), ARRAY<same> revoked (nullable), INT32 delay

Task id -1 in a tasks array stands for the connector instance itself. Like Java, decoding accepts
any version >= 0 with the v1 layout and tolerates a buffer that ends after ``configOffset``
(assignment/revoked default to empty, delay to 0; a missing allocation means "no assignment").
"""

from __future__ import annotations

import enum
import logging
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from connectrt.model.entities import ConnectorTaskId

log = logging.getLogger(__name__)

PROTOCOL_TYPE = "connect"

CONNECT_PROTOCOL_V0 = 0
CONNECT_PROTOCOL_V1 = 1
CONNECT_PROTOCOL_V2 = 2

#: Task id that stands for the Connector instance in an assignment's tasks array.
CONNECTOR_TASK = -1

#: Assignment error codes (Java's ``ConnectProtocol.Assignment``).
NO_ERROR = 0
CONFIG_MISMATCH = 1


class ProtocolError(ValueError):
    """Bytes that are not a valid Connect group protocol message."""


#: The longest ``STRING`` the protocol carries, in UTF-8 bytes.
MAX_STRING_BYTES = 0x7FFF


def fits_protocol_string(value: str) -> bool:
    """Whether ``value`` can be written as a protocol ``STRING`` (e.g. a connector name)."""
    try:
        return len(value.encode("utf-8")) <= MAX_STRING_BYTES
    except UnicodeEncodeError:
        return False


class ConnectProtocolCompatibility(enum.Enum):
    """``connect.protocol`` modes; the value is (group protocol name, protocol version)."""

    EAGER = ("default", CONNECT_PROTOCOL_V0)
    COMPATIBLE = ("compatible", CONNECT_PROTOCOL_V1)
    SESSIONED = ("sessioned", CONNECT_PROTOCOL_V2)

    @property
    def protocol(self) -> str:
        """The group protocol name offered in JoinGroup (``default``/``compatible``/``sessioned``)."""
        return self.value[0]

    @property
    def version(self) -> int:
        return self.value[1]

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def from_config(cls, name: str) -> ConnectProtocolCompatibility:
        """The mode for a ``connect.protocol`` value (``eager``, ``compatible``, ``sessioned``)."""
        for mode in cls:
            if mode.name.lower() == name.strip().lower():
                return mode
        raise ValueError(f"Unknown Connect protocol compatibility mode: {name}")

    @classmethod
    def from_protocol(cls, protocol_name: str) -> ConnectProtocolCompatibility:
        """The mode whose group protocol name is ``protocol_name`` (as chosen by the broker)."""
        for mode in cls:
            if mode.protocol == protocol_name.lower():
                return mode
        raise ValueError(f"Not found Connect protocol compatibility mode for protocol: {protocol_name}")

    @classmethod
    def from_version(cls, version: int) -> ConnectProtocolCompatibility:
        for mode in cls:
            if mode.version == version:
                return mode
        raise ValueError(f"Unknown Connect protocol version: {version}")


@dataclass(frozen=True)
class ConnectAssignment:
    """An eager (v0) assignment: the complete set of connectors and tasks a worker runs."""

    error: int
    leader: str | None
    leader_url: str | None
    offset: int
    connectors: tuple[str, ...] = ()
    tasks: tuple[ConnectorTaskId, ...] = ()

    @property
    def failed(self) -> bool:
        return self.error != NO_ERROR


@dataclass(frozen=True)
class ExtendedAssignment(ConnectAssignment):
    """A v1/v2 assignment. Over the wire it is incremental (new work + revocations + delay); the
    member keeps a complete one as its snapshot and reports it as its ``allocation``."""

    version: int = CONNECT_PROTOCOL_V1
    revoked_connectors: tuple[str, ...] = ()
    revoked_tasks: tuple[ConnectorTaskId, ...] = ()
    delay: int = 0

    @staticmethod
    def empty() -> ExtendedAssignment:
        """Java's ``ExtendedAssignment.empty()``: no leader, offset -1, nothing assigned."""
        return ExtendedAssignment(error=NO_ERROR, leader=None, leader_url=None, offset=-1)

    def is_empty_sentinel(self) -> bool:
        return self == ExtendedAssignment.empty()


@dataclass(frozen=True)
class WorkerState:
    """A member's JoinGroup metadata: REST URL, config offset and (v1/v2) current allocation."""

    url: str
    offset: int
    assignment: ExtendedAssignment | None = field(default=None)

    @property
    def allocation(self) -> ExtendedAssignment:
        """The reported allocation, or the empty sentinel when there is none."""
        return self.assignment if self.assignment is not None else ExtendedAssignment.empty()


# ---------------------------------------------------------------------------------------------
# Primitive writer / reader


class _Writer:
    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def int16(self, value: int) -> None:
        self._parts.append(struct.pack(">h", value))

    def int32(self, value: int) -> None:
        self._parts.append(struct.pack(">i", value))

    def int64(self, value: int) -> None:
        self._parts.append(struct.pack(">q", value))

    def string(self, value: str | None, name: str) -> None:
        if value is None:
            raise ProtocolError(f"Field {name} is a non-nullable STRING but is None")
        data = value.encode("utf-8")
        if len(data) > MAX_STRING_BYTES:
            raise ProtocolError(f"String field {name} is longer than 32767 bytes")
        self.int16(len(data))
        self._parts.append(data)

    def nullable_bytes(self, value: bytes | None) -> None:
        if value is None:
            self.int32(-1)
        else:
            self.int32(len(value))
            self._parts.append(value)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class _Reader:
    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(bytes(data))
        self._pos = 0

    def has_remaining(self) -> bool:
        return self._pos < len(self._data)

    def _take(self, n: int, what: str) -> memoryview:
        end = self._pos + n
        if n < 0 or end > len(self._data):
            raise ProtocolError(f"Buffer underflow reading {what} at byte {self._pos}")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def int16(self, what: str) -> int:
        return int(struct.unpack(">h", self._take(2, what))[0])

    def int32(self, what: str) -> int:
        return int(struct.unpack(">i", self._take(4, what))[0])

    def int64(self, what: str) -> int:
        return int(struct.unpack(">q", self._take(8, what))[0])

    def string(self, what: str) -> str:
        length = self.int16(what)
        if length < 0:
            raise ProtocolError(f"String field {what} had negative length {length}")
        return bytes(self._take(length, what)).decode("utf-8")

    def nullable_bytes(self, what: str) -> bytes | None:
        length = self.int32(what)
        if length < 0:
            return None
        return bytes(self._take(length, what))


# ---------------------------------------------------------------------------------------------
# Connector assignment arrays


def _group(connectors: Iterable[str], tasks: Iterable[ConnectorTaskId]) -> dict[str, list[int]]:
    """Connector -> task ids: every distinct connector gets -1 first, then tasks in order.

    A connector whose name no protocol STRING can carry is left out (the herder never assigns one;
    this keeps one such name from failing every member's assignment)."""
    grouped: dict[str, list[int]] = {}
    for connector in dict.fromkeys(connectors):
        grouped.setdefault(connector, []).append(CONNECTOR_TASK)
    for task in tasks:
        grouped.setdefault(task.connector, []).append(task.task)
    for connector in [c for c in grouped if not fits_protocol_string(c)]:
        log.error(
            "Leaving connector %s... (%d characters) out of the assignment: its name is longer than the %d "
            "bytes the group protocol carries",
            connector[:64],
            len(connector),
            MAX_STRING_BYTES,
        )
        del grouped[connector]
    return grouped


def _write_connector_assignments(w: _Writer, grouped: dict[str, list[int]]) -> None:
    w.int32(len(grouped))
    for connector, task_ids in grouped.items():
        w.string(connector, "connector")
        w.int32(len(task_ids))
        for task_id in task_ids:
            w.int32(task_id)


def _read_connector_assignments(
    r: _Reader, what: str, nullable: bool
) -> tuple[list[str], list[ConnectorTaskId]]:
    count = r.int32(what)
    if count < 0:
        if not nullable:
            raise ProtocolError(f"Array field {what} is null but not nullable")
        return [], []
    connectors: list[str] = []
    tasks: list[ConnectorTaskId] = []
    for _ in range(count):
        connector = r.string("connector")
        n = r.int32("tasks")
        if n < 0:
            raise ProtocolError("Array field tasks is null but not nullable")
        for _ in range(n):
            task_id = r.int32("task id")
            if task_id == CONNECTOR_TASK:
                connectors.append(connector)
            else:
                tasks.append(ConnectorTaskId(connector, task_id))
    return connectors, tasks


def _check_version(version: int) -> None:
    if version < CONNECT_PROTOCOL_V0:
        raise ProtocolError(f"Unsupported subscription version: {version}")


# ---------------------------------------------------------------------------------------------
# Assignments


def encode_assignment(assignment: ConnectAssignment, version: int) -> bytes:
    """Encode for SyncGroup: the v0 layout for version 0, else the v1 layout with ``version`` in
    the header (Java's ``sessioned`` flag: 2 when sessioned, 1 otherwise)."""
    w = _Writer()
    w.int16(version)
    w.int16(assignment.error)
    w.string(assignment.leader, "leader")
    w.string(assignment.leader_url, "leader-url")
    w.int64(assignment.offset)
    _write_connector_assignments(w, _group(assignment.connectors, assignment.tasks))
    if version >= CONNECT_PROTOCOL_V1:
        if isinstance(assignment, ExtendedAssignment):
            revoked = _group(assignment.revoked_connectors, assignment.revoked_tasks)
            delay = assignment.delay
        else:
            revoked, delay = {}, 0
        _write_connector_assignments(w, revoked)
        w.int32(delay)
    return w.getvalue()


def decode_assignment(data: bytes) -> ExtendedAssignment:
    """Decode any version's assignment (Java decodes all with the tolerant v1 schema)."""
    r = _Reader(data)
    version = r.int16("version")
    _check_version(version)
    error = r.int16("error")
    leader = r.string("leader")
    leader_url = r.string("leader-url")
    offset = r.int64("config-offset")
    connectors: list[str] = []
    tasks: list[ConnectorTaskId] = []
    revoked_connectors: list[str] = []
    revoked_tasks: list[ConnectorTaskId] = []
    delay = 0
    if r.has_remaining():
        connectors, tasks = _read_connector_assignments(r, "assignment", nullable=True)
    if r.has_remaining():
        revoked_connectors, revoked_tasks = _read_connector_assignments(r, "revoked", nullable=True)
    if r.has_remaining():
        delay = r.int32("delay")
    return ExtendedAssignment(
        error=error,
        leader=leader,
        leader_url=leader_url,
        offset=offset,
        connectors=tuple(connectors),
        tasks=tuple(tasks),
        version=version,
        revoked_connectors=tuple(revoked_connectors),
        revoked_tasks=tuple(revoked_tasks),
        delay=delay,
    )


def encode_allocation(assignment: ExtendedAssignment | None, sessioned: bool) -> bytes | None:
    """The ``allocation`` bytes of v1/v2 metadata: None for no assignment (or the empty sentinel)."""
    if assignment is None or assignment.is_empty_sentinel():
        return None
    return encode_assignment(assignment, CONNECT_PROTOCOL_V2 if sessioned else CONNECT_PROTOCOL_V1)


# ---------------------------------------------------------------------------------------------
# Member metadata


def encode_metadata(state: WorkerState, version: int) -> bytes:
    """Encode JoinGroup metadata: v0 is url + offset; v1/v2 add the allocation."""
    w = _Writer()
    w.int16(version)
    w.string(state.url, "url")
    w.int64(state.offset)
    if version >= CONNECT_PROTOCOL_V1:
        w.nullable_bytes(encode_allocation(state.assignment, sessioned=version >= CONNECT_PROTOCOL_V2))
    return w.getvalue()


def decode_metadata(data: bytes) -> WorkerState:
    """Decode any version's metadata; a missing or null allocation gives ``assignment=None``."""
    r = _Reader(data)
    version = r.int16("version")
    _check_version(version)
    url = r.string("url")
    offset = r.int64("config-offset")
    allocation = r.nullable_bytes("allocation") if r.has_remaining() else None
    assignment = decode_assignment(allocation) if allocation is not None else None
    return WorkerState(url=url, offset=offset, assignment=assignment)


def metadata_protocols(
    state: WorkerState, compatibility: ConnectProtocolCompatibility
) -> list[tuple[str, bytes]]:
    """JoinGroup protocols in preference order: sessioned -> [sessioned, compatible, default],
    compatible -> [compatible, default], eager -> [default]."""
    order: Sequence[ConnectProtocolCompatibility]
    if compatibility is ConnectProtocolCompatibility.SESSIONED:
        order = (
            ConnectProtocolCompatibility.SESSIONED,
            ConnectProtocolCompatibility.COMPATIBLE,
            ConnectProtocolCompatibility.EAGER,
        )
    elif compatibility is ConnectProtocolCompatibility.COMPATIBLE:
        order = (ConnectProtocolCompatibility.COMPATIBLE, ConnectProtocolCompatibility.EAGER)
    else:
        order = (ConnectProtocolCompatibility.EAGER,)
    return [(mode.protocol, encode_metadata(state, mode.version)) for mode in order]
