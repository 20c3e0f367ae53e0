"""Connect group protocol codecs against bytes produced by Java's own serializers.

The hex vectors below were printed by ``tests/unit/distributed/java/ConnectProtocolVectors.java``
run against org.apache.kafka:connect-runtime:4.2.1 (``ConnectProtocol.serializeMetadata/
serializeAssignment``, ``IncrementalCooperativeConnectProtocol.serializeMetadata/
serializeAssignment``); see that file for how to run it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from connectrt.herder.distributed.protocol import (
    CONFIG_MISMATCH,
    NO_ERROR,
    ConnectAssignment,
    ConnectProtocolCompatibility,
    ExtendedAssignment,
    ProtocolError,
    WorkerState,
    decode_assignment,
    decode_metadata,
    encode_allocation,
    encode_assignment,
    encode_metadata,
    metadata_protocols,
)
from connectrt.model.entities import ConnectorTaskId

pytestmark = pytest.mark.unit

URL = "http://worker-1:8083/"
LEADER_URL = "http://leader:8083/"


def t(connector: str, task: int) -> ConnectorTaskId:
    return ConnectorTaskId(connector, task)


JAVA = {
    "metadata_v0": "00000015687474703a2f2f776f726b65722d313a383038332f000000000000002a",
    "metadata_v1_no_allocation": (
        "00010015687474703a2f2f776f726b65722d313a383038332f000000000000002affffffff"
    ),
    "metadata_v2_no_allocation": (
        "00020015687474703a2f2f776f726b65722d313a383038332fffffffffffffffffffffffff"
    ),
    "metadata_v1_with_allocation": (
        "0001000e687474703a2f2f77323a3830383300000000000000070000007d00010000000c776f726b65722d31"
        "2d6162630015687474703a2f2f776f726b65722d313a383038332f0000000000000007000000020006"
        "6f726465727300000003ffffffff000000000000000100087061796d656e7473000000010000000200"
        "00000100087061796d656e747300000002ffffffff0000000000000000"
    ),
    "metadata_v2_with_allocation": (
        "0002000e687474703a2f2f77323a3830383300000000000000070000007d00020000000c776f726b65722d31"
        "2d6162630015687474703a2f2f776f726b65722d313a383038332f0000000000000007000000020006"
        "6f726465727300000003ffffffff000000000000000100087061796d656e7473000000010000000200"
        "00000100087061796d656e747300000002ffffffff0000000000000000"
    ),
    "assignment_v0": (
        "0000000000086c65616465722d310013687474703a2f2f6c65616465723a383038332f000000000000000c"
        "000000020006636f6e6e2d6100000003ffffffff00000000000000010006636f6e6e2d62000000010000"
        "0000"
    ),
    "assignment_v0_empty_mismatch": (
        "0000000100086c65616465722d310013687474703a2f2f6c65616465723a383038332f000000000000006300000000"
    ),
    "assignment_v1": (
        "0001000000086c65616465722d310013687474703a2f2f6c65616465723a383038332f000000000000000c"
        "000000020006636f6e6e2d6100000002ffffffff000000000006636f6e6e2d6200000001000000030000"
        "00020006636f6e6e2d6300000002ffffffff000000000006636f6e6e2d6400000001000000010000138"
        "8"
    ),
    "assignment_v2": (
        "0002000000086c65616465722d310013687474703a2f2f6c65616465723a383038332f000000000000000c"
        "000000020006636f6e6e2d6100000002ffffffff000000000006636f6e6e2d6200000001000000030000"
        "00020006636f6e6e2d6300000002ffffffff000000000006636f6e6e2d6400000001000000010000138"
        "8"
    ),
    "assignment_v1_empty_mismatch": (
        "0001000100086c65616465722d310013687474703a2f2f6c65616465723a383038332f00000000000000"
        "63000000000000000000000000"
    ),
    "assignment_v2_unicode": (
        "0002000000076cc3a9616465720011687474703a2f2f68c3b673743a383038330000000000000000000000"
        "010005636166c3a900000002ffffffff000000000000000000000000"
    ),
}


def java(name: str) -> bytes:
    return bytes.fromhex(JAVA[name])


ALLOCATION = ExtendedAssignment(
    version=2,
    error=NO_ERROR,
    leader="worker-1-abc",
    leader_url=URL,
    offset=7,
    connectors=("orders",),
    tasks=(t("orders", 0), t("orders", 1), t("payments", 2)),
    revoked_connectors=("payments",),
    revoked_tasks=(t("payments", 0),),
)

V1 = ExtendedAssignment(
    version=1,
    error=NO_ERROR,
    leader="leader-1",
    leader_url=LEADER_URL,
    offset=12,
    connectors=("conn-a",),
    tasks=(t("conn-a", 0), t("conn-b", 3)),
    revoked_connectors=("conn-c",),
    revoked_tasks=(t("conn-c", 0), t("conn-d", 1)),
    delay=5000,
)


class TestMetadata:
    def test_v0(self) -> None:
        assert encode_metadata(WorkerState(URL, 42), 0) == java("metadata_v0")
        assert decode_metadata(java("metadata_v0")) == WorkerState(URL, 42, None)

    def test_v0_ignores_allocation(self) -> None:
        assert encode_metadata(WorkerState(URL, 42, ALLOCATION), 0) == java("metadata_v0")

    @pytest.mark.parametrize(("version", "offset", "name"), [(1, 42, "v1"), (2, -1, "v2")])
    def test_no_allocation(self, version: int, offset: int, name: str) -> None:
        data = java(f"metadata_{name}_no_allocation")
        assert encode_metadata(WorkerState(URL, offset), version) == data
        assert encode_metadata(WorkerState(URL, offset, ExtendedAssignment.empty()), version) == data
        assert decode_metadata(data) == WorkerState(URL, offset, None)

    @pytest.mark.parametrize("version", [1, 2])
    def test_with_allocation(self, version: int) -> None:
        data = java(f"metadata_v{version}_with_allocation")
        assert encode_metadata(WorkerState("http://w2:8083", 7, ALLOCATION), version) == data
        decoded = decode_metadata(data)
        assert decoded.url == "http://w2:8083"
        assert decoded.offset == 7
        # The allocation carries its own header: 2 for sessioned metadata, 1 for compatible.
        assert decoded.assignment == replace(ALLOCATION, version=version)

    def test_metadata_v1_read_without_allocation_field(self) -> None:
        # A v1 reader tolerates v0-shaped metadata (the allocation field is missing).
        assert decode_metadata(java("metadata_v0")).assignment is None
        assert decode_metadata(java("metadata_v0")).allocation == ExtendedAssignment.empty()

    def test_newer_versions_parse_as_v1(self) -> None:
        data = b"\x00\x07" + java("metadata_v1_no_allocation")[2:]
        assert decode_metadata(data) == WorkerState(URL, 42, None)

    def test_negative_version_rejected(self) -> None:
        with pytest.raises(ProtocolError, match="Unsupported subscription version: -1"):
            decode_metadata(b"\xff\xff" + java("metadata_v0")[2:])

    def test_truncated(self) -> None:
        with pytest.raises(ProtocolError, match="underflow"):
            decode_metadata(java("metadata_v0")[:-1])


class TestAssignment:
    def test_v0(self) -> None:
        a = ConnectAssignment(
            error=NO_ERROR,
            leader="leader-1",
            leader_url=LEADER_URL,
            offset=12,
            connectors=("conn-a",),
            tasks=(t("conn-a", 0), t("conn-a", 1), t("conn-b", 0)),
        )
        assert encode_assignment(a, 0) == java("assignment_v0")
        decoded = decode_assignment(java("assignment_v0"))
        assert decoded == ExtendedAssignment(
            version=0,
            error=NO_ERROR,
            leader="leader-1",
            leader_url=LEADER_URL,
            offset=12,
            connectors=("conn-a",),
            tasks=(t("conn-a", 0), t("conn-a", 1), t("conn-b", 0)),
        )

    def test_v0_config_mismatch(self) -> None:
        a = ConnectAssignment(CONFIG_MISMATCH, "leader-1", LEADER_URL, 99)
        assert encode_assignment(a, 0) == java("assignment_v0_empty_mismatch")
        decoded = decode_assignment(java("assignment_v0_empty_mismatch"))
        assert decoded.failed and decoded.error == CONFIG_MISMATCH and decoded.offset == 99
        assert decoded.connectors == () and decoded.revoked_tasks == () and decoded.delay == 0

    @pytest.mark.parametrize("version", [1, 2])
    def test_v1_v2(self, version: int) -> None:
        data = java(f"assignment_v{version}")
        assert encode_assignment(V1, version) == data
        decoded = decode_assignment(data)
        assert decoded == replace(V1, version=version)

    def test_v1_config_mismatch(self) -> None:
        a = ExtendedAssignment(
            version=1, error=CONFIG_MISMATCH, leader="leader-1", leader_url=LEADER_URL, offset=99
        )
        assert encode_assignment(a, 1) == java("assignment_v1_empty_mismatch")
        assert decode_assignment(java("assignment_v1_empty_mismatch")) == a

    def test_unicode_lengths_are_utf8_bytes(self) -> None:
        a = ExtendedAssignment(
            version=2,
            error=NO_ERROR,
            leader="l\u00e9ader",
            leader_url="http://h\u00f6st:8083",
            offset=0,
            connectors=("caf\u00e9",),
            tasks=(t("caf\u00e9", 0),),
        )
        assert encode_assignment(a, 2) == java("assignment_v2_unicode")
        assert decode_assignment(java("assignment_v2_unicode")) == a

    def test_connector_and_task_grouping(self) -> None:
        # Connectors come first (deduplicated, each with -1), then tasks under their connector.
        a = ConnectAssignment(NO_ERROR, "l", "u", 0, connectors=("b", "a", "b"), tasks=(t("a", 1), t("c", 0)))
        decoded = decode_assignment(encode_assignment(a, 0))
        assert decoded.connectors == ("b", "a")
        assert decoded.tasks == (t("a", 1), t("c", 0))

    def test_plain_assignment_encodes_empty_revocations_in_v1(self) -> None:
        a = ConnectAssignment(CONFIG_MISMATCH, "leader-1", LEADER_URL, 99)
        assert encode_assignment(a, 1) == java("assignment_v1_empty_mismatch")

    def test_missing_trailing_fields_default(self) -> None:
        # A v1 buffer cut after configOffset (or after the assignment array) still decodes.
        full = java("assignment_v1")
        head = 2 + 2 + 2 + len("leader-1") + 2 + len(LEADER_URL) + 8
        cut = decode_assignment(full[:head])
        assert cut.connectors == () and cut.tasks == () and cut.revoked_connectors == () and cut.delay == 0
        without_delay = decode_assignment(full[:-4])
        assert without_delay.revoked_tasks == V1.revoked_tasks and without_delay.delay == 0

    def test_null_arrays_are_empty(self) -> None:
        full = java("assignment_v1_empty_mismatch")
        nulls = full[:-12] + b"\xff\xff\xff\xff" * 2 + b"\x00\x00\x00\x00"
        decoded = decode_assignment(nulls)
        assert decoded.connectors == () and decoded.revoked_connectors == ()

    def test_missing_required_field(self) -> None:
        with pytest.raises(ProtocolError):
            decode_assignment(java("assignment_v1")[:20])

    def test_null_leader_cannot_be_encoded(self) -> None:
        with pytest.raises(ProtocolError, match="leader"):
            encode_assignment(ExtendedAssignment.empty(), 1)

    def test_allocation(self) -> None:
        assert encode_allocation(None, True) is None
        assert encode_allocation(ExtendedAssignment.empty(), False) is None
        assert encode_allocation(V1, True) == java("assignment_v2")
        assert encode_allocation(V1, False) == java("assignment_v1")


class TestCompatibility:
    def test_modes(self) -> None:
        assert ConnectProtocolCompatibility.from_config("sessioned") is ConnectProtocolCompatibility.SESSIONED
        assert ConnectProtocolCompatibility.from_config("EAGER") is ConnectProtocolCompatibility.EAGER
        assert ConnectProtocolCompatibility.from_protocol("default") is ConnectProtocolCompatibility.EAGER
        assert ConnectProtocolCompatibility.from_protocol("compatible").version == 1
        assert ConnectProtocolCompatibility.from_version(2).protocol == "sessioned"
        assert str(ConnectProtocolCompatibility.COMPATIBLE) == "compatible"
        with pytest.raises(ValueError, match="Unknown Connect protocol compatibility mode: cooperative"):
            ConnectProtocolCompatibility.from_config("cooperative")
        with pytest.raises(ValueError, match="Unknown Connect protocol version: 3"):
            ConnectProtocolCompatibility.from_version(3)

    def test_protocol_lists(self) -> None:
        state = WorkerState(URL, 42)
        sessioned = metadata_protocols(state, ConnectProtocolCompatibility.SESSIONED)
        assert [name for name, _ in sessioned] == ["sessioned", "compatible", "default"]
        assert [data for _, data in sessioned] == [
            java("metadata_v2_no_allocation")[:2] + java("metadata_v1_no_allocation")[2:],
            java("metadata_v1_no_allocation"),
            java("metadata_v0"),
        ]
        compatible = metadata_protocols(state, ConnectProtocolCompatibility.COMPATIBLE)
        assert [name for name, _ in compatible] == ["compatible", "default"]
        assert metadata_protocols(state, ConnectProtocolCompatibility.EAGER) == [
            ("default", java("metadata_v0"))
        ]
