"""GroupMember's shared logic (Java's WorkerCoordinator behaviour) through the in-memory group:
metadata, eager revocation, cooperative augmentation, CONFIG_MISMATCH, leader state, delays."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectrt.config.worker_config import DistributedConfig
from connectrt.herder.distributed.assignor import ConfigView
from connectrt.herder.distributed.coordinator import GroupMemberConfig, GroupMemberError
from connectrt.herder.distributed.fake import FakeGroupMember, InMemoryGroup, RecordingListener
from connectrt.herder.distributed.protocol import (
    ConnectProtocolCompatibility,
    decode_assignment,
    decode_metadata,
)
from connectrt.model.entities import ConnectorTaskId

pytestmark = pytest.mark.unit

SESSIONED = ConnectProtocolCompatibility.SESSIONED
COMPATIBLE = ConnectProtocolCompatibility.COMPATIBLE
EAGER = ConnectProtocolCompatibility.EAGER


class Clock:
    def __init__(self) -> None:
        self.now = 5_000_000

    def __call__(self) -> int:
        return self.now


class Worker:
    def __init__(
        self,
        group: InMemoryGroup,
        name: str,
        snapshot: Callable[[], ConfigView],
        protocol: ConnectProtocolCompatibility = SESSIONED,
        max_delay: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.listener = RecordingListener()
        config = GroupMemberConfig(
            group_id=group.group_id,
            rest_url=f"http://{name}:8083",
            connect_protocol=protocol,
            scheduled_rebalance_max_delay_ms=max_delay,
        )
        self.member = FakeGroupMember(
            group, config, config_snapshot=snapshot, listener=self.listener, clock=clock or Clock()
        )
        self.listener.member = self.member

    def poll(self) -> None:
        self.member.poll(0)

    @property
    def running(self) -> tuple[set[str], set[ConnectorTaskId]]:
        return self.listener.snapshot()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.listener.events]


def settle(*workers: Worker, rounds: int = 6) -> None:
    for _ in range(rounds):
        for w in workers:
            w.poll()


CONFIG = ConfigView(7, {"a": 2, "b": 3})


def all_work(config: ConfigView) -> tuple[set[str], set[ConnectorTaskId]]:
    return set(config.task_counts), {t for c in config.task_counts for t in config.tasks(c)}


def test_single_member_gets_everything() -> None:
    group = InMemoryGroup()
    w = Worker(group, "w1", lambda: CONFIG)
    assert w.member.rejoin_needed_or_pending()
    w.poll()
    assert w.running == all_work(CONFIG)
    a = w.member.assignment
    assert a is not None and a.leader == w.member.member_id and a.leader_url == "http://w1:8083"
    assert a.offset == 7 and a.version == 2
    assert w.member.is_leader() and w.member.leader_url() == "http://w1:8083"
    assert w.member.generation == 1 and w.member.last_completed_generation == 1
    assert w.member.current_protocol is SESSIONED and group.protocol == "sessioned"
    assert not w.member.rejoin_needed_or_pending()
    assert w.member.owner_url("a") == "http://w1:8083"
    assert w.member.owner_url(ConnectorTaskId("b", 2)) == "http://w1:8083"


def test_cooperative_join_revokes_then_rebalances_in_two_rounds() -> None:
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG)
    w1.poll()
    w2 = Worker(group, "w2", lambda: CONFIG)
    w2.poll()  # round 1: revocations only; w1's callbacks wait for its own poll
    assert w1.kinds() == ["assigned"]
    w1.poll()
    assert w1.kinds() == ["assigned", "revoked", "assigned"]
    revoked = w1.listener.events[1]
    assert revoked.connectors == ("a",) and [str(t) for t in revoked.tasks] == ["a-0", "a-1"]
    # The complete assignment after round 1 keeps what was not revoked.
    after = w1.listener.events[2].assignment
    assert after is not None and after.connectors == ("b",) and len(after.tasks) == 3
    assert after.revoked_connectors == ("a",)
    assert w1.member.rejoin_needed_or_pending()  # the listener asked for the second round
    settle(w1, w2)
    c1, t1 = w1.running
    c2, t2 = w2.running
    assert c1 | c2 == {"a", "b"} and not c1 & c2
    assert t1 | t2 == all_work(CONFIG)[1] and not t1 & t2
    assert {len(c1), len(c2)} == {1} and {len(t1), len(t2)} == {2, 3}
    assert w2.member.owner_url("a") is None  # only the leader knows owners
    assert w1.member.owner_url(next(iter(t2))) == "http://w2:8083"


def test_metadata_reports_the_complete_allocation() -> None:
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG)
    w2 = Worker(group, "w2", lambda: CONFIG)
    settle(w1, w2)
    protocols = dict(w1.member.metadata())
    assert list(protocols) == ["sessioned", "compatible", "default"]
    state = decode_metadata(protocols["sessioned"])
    assert state.url == "http://w1:8083" and state.offset == 7
    running_c, running_t = w1.running
    assert state.assignment is not None
    assert set(state.assignment.connectors) == running_c and set(state.assignment.tasks) == running_t
    assert decode_metadata(protocols["compatible"]).assignment.version == 1  # type: ignore[union-attr]
    assert decode_metadata(protocols["default"]).assignment is None


def test_eager_revokes_everything_before_each_rebalance() -> None:
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG, protocol=EAGER)
    w1.poll()
    assert w1.kinds() == ["assigned"] and w1.member.assignment.version == 0  # type: ignore[union-attr]
    w2 = Worker(group, "w2", lambda: CONFIG, protocol=EAGER)
    w2.poll()
    w1.poll()
    assert w1.kinds() == ["assigned", "revoked", "assigned"]
    assert set(w1.listener.events[1].connectors) == {"a", "b"} and len(w1.listener.events[1].tasks) == 5
    c1, t1 = w1.running
    c2, t2 = w2.running
    assert c1 | c2 == {"a", "b"} and t1 | t2 == all_work(CONFIG)[1] and not t1 & t2
    assert group.protocol == "default" and w2.member.current_protocol is EAGER
    w2.member.request_rejoin("test")
    w2.poll()
    assert w2.kinds() == ["assigned", "revoked", "assigned"]


def test_mixed_protocols_fall_back_to_the_common_one() -> None:
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG)
    w2 = Worker(group, "w2", lambda: CONFIG, protocol=COMPATIBLE)
    settle(w1, w2)
    assert group.protocol == "compatible"
    assert w1.member.current_protocol is COMPATIBLE and w1.member.current_protocol_version == 1
    assert {decode_assignment(b).version for b in group.last_assignments.values()} == {1}
    w3 = Worker(group, "w3", lambda: CONFIG, protocol=EAGER)
    settle(w1, w2, w3)
    assert group.protocol == "default"


def test_config_mismatch_until_the_leader_catches_up() -> None:
    group = InMemoryGroup()
    leader_view = {"snapshot": ConfigView(3, {"a": 1})}
    w1 = Worker(group, "w1", lambda: leader_view["snapshot"])
    w1.poll()
    w2 = Worker(group, "w2", lambda: ConfigView(9, {"a": 1, "b": 1}))
    w2.poll()
    failed = w2.listener.last_assignment
    assert failed is not None and failed.failed and failed.offset == 9
    assert w2.member.rejoin_needed_or_pending()
    leader_view["snapshot"] = ConfigView(9, {"a": 1, "b": 1})
    settle(w1, w2)
    assert not w1.member.assignment.failed  # type: ignore[union-attr]
    assert w1.running[0] | w2.running[0] == {"a", "b"}


def test_departed_worker_work_is_held_back_for_the_delay() -> None:
    group = InMemoryGroup()
    clock = Clock()
    w1 = Worker(group, "w1", lambda: CONFIG, max_delay=10_000, clock=clock)
    w1.poll()
    w2 = Worker(group, "w2", lambda: CONFIG, max_delay=10_000, clock=clock)
    settle(w1, w2)
    lost = w2.running
    w2.member.stop()
    with pytest.raises(GroupMemberError):
        w2.member.poll(0)
    w1.poll()
    assert w1.listener.last_assignment.delay == 10_000  # type: ignore[union-attr]
    assert not (w1.running[0] & lost[0])
    clock.now += 10_000
    w1.member.request_rejoin("scheduled rebalance")  # what the herder does when the delay is due
    w1.poll()
    assert w1.running == all_work(CONFIG)


def test_expired_member_counts_as_departed() -> None:
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG)
    w2 = Worker(group, "w2", lambda: CONFIG)
    settle(w1, w2)
    group.expire(w1.member)
    w2.poll()
    assert w2.running == all_work(CONFIG)
    assert w2.member.is_leader() and group.leader_id == w2.member.member_id


def test_select_protocol_votes() -> None:
    group = InMemoryGroup()
    assert (
        group.select_protocol({"a": ["sessioned", "compatible"], "b": ["compatible", "sessioned"]})
        == "sessioned"
    )
    assert (
        group.select_protocol({"a": ["sessioned", "compatible"], "b": ["compatible"], "c": ["compatible"]})
        == "compatible"
    )
    with pytest.raises(GroupMemberError, match="Inconsistent group protocol"):
        group.select_protocol({"a": ["default"], "b": ["sessioned"]})


def test_config_from_distributed_worker_config() -> None:
    config = DistributedConfig(
        {
            "bootstrap.servers": "localhost:9092",
            "group.id": "cluster-a",
            "config.storage.topic": "c",
            "offset.storage.topic": "o",
            "status.storage.topic": "s",
            "connect.protocol": "compatible",
            "scheduled.rebalance.max.delay.ms": "1234",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        }
    )
    c = GroupMemberConfig.from_worker_config(config, "http://me:8083/")
    assert (c.group_id, c.rest_url, c.connect_protocol) == ("cluster-a", "http://me:8083/", COMPATIBLE)
    assert (c.session_timeout_ms, c.heartbeat_interval_ms, c.rebalance_timeout_ms) == (10_000, 3_000, 60_000)
    assert (c.scheduled_rebalance_max_delay_ms, c.request_timeout_ms, c.retry_backoff_ms) == (
        1234,
        40_000,
        100,
    )


def test_the_leader_state_survives_a_join_resumed_in_a_later_slice() -> None:
    """poll() drives a join in slices and calls _prepare_join before each. When the leader computed
    the assignment in one slice and the join completed in the next, clearing the owners there left
    the leader unable to route a forwarded restart (409 "no known leader URL") until the next
    rebalance. Only the start of a rebalance (Java's onJoinPrepare) forgets them."""
    group = InMemoryGroup()
    w1 = Worker(group, "w1", lambda: CONFIG)
    w2 = Worker(group, "w2", lambda: CONFIG)
    settle(w1, w2)
    leader = w1 if w1.member.is_leader() else w2
    owner = "http://w1:8083" if "a" in w1.running[0] else "http://w2:8083"
    assert leader.member.owner_url("a") == owner
    leader.member._prepare_join()  # what a later join slice runs
    assert leader.member.owner_url("a") == owner
    leader.member._begin_rebalance()  # a new rebalance: the owners are unknown until it completes
    assert leader.member.owner_url("a") is None
