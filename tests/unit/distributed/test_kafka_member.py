"""KafkaGroupMember's adapter onto kafka-python's BaseCoordinator, without a broker: the hooks
kafka-python calls (protocol type, protocols, leader assignment, join complete, need_rejoin)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectrt.herder.distributed.assignor import ConfigView
from connectrt.herder.distributed.coordinator import (
    GroupMemberConfig,
    GroupMemberError,
    KafkaGroupMember,
    _ConnectCoordinator,
)
from connectrt.herder.distributed.fake import RecordingListener
from connectrt.herder.distributed.protocol import decode_assignment, decode_metadata

pytestmark = pytest.mark.unit


@dataclass
class JoinMember:  # the shape of kafka-python's JoinGroupResponseMember
    member_id: str
    metadata: bytes
    group_instance_id: str | None = None


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Drive one of kafka-python's hook coroutines (they do not await anything of ours)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("coroutine suspended")


@pytest.fixture
def member() -> Iterator[tuple[KafkaGroupMember, Any, RecordingListener]]:
    listener = RecordingListener()
    config = GroupMemberConfig(group_id="g", rest_url="http://me:8083/", heartbeat_interval_ms=1000)
    m = KafkaGroupMember(
        config,
        config_snapshot=lambda: ConfigView(4, {"a": 1}),
        listener=listener,
        client_configs={"bootstrap_servers": "127.0.0.1:1", "client_id": "unit-kafka-member"},
    )
    listener.member = m
    coordinator = _ConnectCoordinator(
        m,
        m._client,
        group_id="g",
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
        max_poll_interval_ms=60_000,
        api_version=(4, 2),
    )
    m._coordinator = coordinator
    try:
        yield m, coordinator, listener
    finally:
        m.stop()


def test_protocols_and_type(member: tuple[KafkaGroupMember, Any, RecordingListener]) -> None:
    _, coordinator, _ = member
    assert coordinator.protocol_type() == "connect"
    protocols = coordinator.group_protocols()
    assert [name for name, _ in protocols] == ["sessioned", "compatible", "default"]
    assert decode_metadata(protocols[0][1]).url == "http://me:8083/"
    assert coordinator.config["max_poll_interval_ms"] == 60_000  # rebalance_timeout_ms in JoinGroup


def test_leader_assignment_and_join_complete(member: tuple[KafkaGroupMember, Any, RecordingListener]) -> None:
    m, coordinator, listener = member
    coordinator.group_protocols()
    metadata = dict(m.metadata())["sessioned"]
    out = coordinator._perform_assignment("m-1", "sessioned", [JoinMember("m-1", metadata)])
    assignment = decode_assignment(out["m-1"])
    assert assignment.connectors == ("a",) and assignment.leader_url == "http://me:8083/"
    assert coordinator.need_rejoin()
    run(coordinator._on_join_complete_async(3, "m-1", "sessioned", out["m-1"]))
    # Callbacks wait for the herder's poll; the member's state is already updated.
    assert listener.events == []
    assert m.assignment is not None and m.assignment.connectors == ("a",)
    assert m.last_completed_generation == 3
    coordinator.rejoin_needed = False
    assert not coordinator.need_rejoin()
    assert m._deliver_pending() == 1 and listener.events[0].kind == "assigned"
    m.request_rejoin("test")
    assert coordinator.need_rejoin() and m._signal.is_set()


def test_static_members_are_refused(member: tuple[KafkaGroupMember, Any, RecordingListener]) -> None:
    _, coordinator, _ = member
    with pytest.raises(GroupMemberError, match="static membership"):
        coordinator._perform_assignment("m-1", "sessioned", [JoinMember("m-1", b"", "static-1")])


def test_reset_generation_wakes_poll(member: tuple[KafkaGroupMember, Any, RecordingListener]) -> None:
    m, coordinator, _ = member
    m._signal.clear()
    coordinator.reset_generation()
    assert m._signal.is_set() and m.generation == -1 and m.member_id == ""


def test_stopped_member_refuses_poll(member: tuple[KafkaGroupMember, Any, RecordingListener]) -> None:
    m, _, _ = member
    m.stop()
    m.stop()  # idempotent
    with pytest.raises(GroupMemberError, match="stopped"):
        m.poll(0)
