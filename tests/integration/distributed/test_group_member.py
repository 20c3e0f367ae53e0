"""KafkaGroupMember against the real broker: several members in one unique group, each driven by
its own herder-like thread; the leader computes the assignment and every member gets its share.

Each member's thread polls in a loop and, like Java's herder, rejoins after an assignment with
revocations and when a scheduled delay is due (RecordingListener + the loop below). Every thread
and every member started here is stopped by the ``cluster`` fixture.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectrt.herder.distributed.assignor import ConfigView
from connectrt.herder.distributed.coordinator import GroupMemberConfig, KafkaGroupMember
from connectrt.herder.distributed.fake import RecordingListener
from connectrt.herder.distributed.protocol import (
    ConnectProtocolCompatibility,
    decode_assignment,
    decode_metadata,
)
from connectrt.model.entities import ConnectorTaskId

pytestmark = pytest.mark.integration

SESSIONED = ConnectProtocolCompatibility.SESSIONED
COMPATIBLE = ConnectProtocolCompatibility.COMPATIBLE
EAGER = ConnectProtocolCompatibility.EAGER


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


@dataclass
class Worker:
    name: str
    member: KafkaGroupMember
    listener: RecordingListener
    thread: threading.Thread | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)

    def run(self) -> None:
        rejoin_at: float | None = None
        seen_generation = -1
        try:
            while not self.stop_event.is_set():
                self.member.poll(0.2)
                a = self.listener.last_assignment
                if a is not None and self.listener.last_generation != seen_generation:
                    seen_generation = self.listener.last_generation
                    rejoin_at = time.monotonic() + a.delay / 1000 if a.delay > 0 else None
                if rejoin_at is not None and time.monotonic() >= rejoin_at:
                    rejoin_at = None
                    self.member.request_rejoin("scheduled rebalance delay expired")
        except BaseException as exc:  # surfaced by the test
            self.errors.append(exc)

    def halt(self) -> None:
        self.stop_event.set()
        self.member.wakeup()
        if self.thread is not None:
            self.thread.join(10)
        self.member.stop()


class Cluster:
    def __init__(self, bootstrap: str, group_id: str) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.config = ConfigView(5, {"conn-a": 2, "conn-b": 3})
        self.workers: list[Worker] = []

    def start(
        self, name: str, protocol: ConnectProtocolCompatibility = SESSIONED, max_delay_ms: int = 0
    ) -> Worker:
        listener = RecordingListener()
        config = GroupMemberConfig(
            group_id=self.group_id,
            rest_url=f"http://{name}:8083/",
            connect_protocol=protocol,
            session_timeout_ms=6_000,
            heartbeat_interval_ms=300,
            rebalance_timeout_ms=20_000,
            scheduled_rebalance_max_delay_ms=max_delay_ms,
        )
        member = KafkaGroupMember(
            config,
            config_snapshot=lambda: self.config,
            listener=listener,
            client_configs={"bootstrap_servers": self.bootstrap, "client_id": f"{self.group_id}-{name}"},
        )
        listener.member = member
        worker = Worker(name, member, listener)
        worker.thread = threading.Thread(target=worker.run, name=f"herder-{name}", daemon=True)
        self.workers.append(worker)
        worker.thread.start()
        return worker

    def live(self) -> list[Worker]:
        return [w for w in self.workers if not w.stop_event.is_set()]

    def all_work(self) -> tuple[set[str], set[ConnectorTaskId]]:
        cs = set(self.config.task_counts)
        return cs, {t for c in cs for t in self.config.tasks(c)}

    def settled(self, workers: list[Worker] | None = None) -> bool:
        """Every configured connector/task runs exactly once, spread evenly, all on one generation."""
        workers = workers if workers is not None else self.live()
        if any(w.member.rejoin_needed_or_pending() for w in workers):
            return False
        generations = {w.member.generation for w in workers}
        runs = [w.listener.snapshot() for w in workers]
        conns = [c for c, _ in runs]
        tasks = [t for _, t in runs]
        want_c, want_t = self.all_work()
        complete = set().union(*conns) == want_c and set().union(*tasks) == want_t
        disjoint = sum(map(len, conns)) == len(want_c) and sum(map(len, tasks)) == len(want_t)
        balanced = (
            max(map(len, conns)) - min(map(len, conns)) <= 1
            and max(map(len, tasks)) - min(map(len, tasks)) <= 1
        )
        return len(generations) == 1 and complete and disjoint and balanced

    def wait_settled(self, timeout: float = 45.0) -> None:
        wait_until(self.settled, timeout, "a complete, balanced assignment")
        for w in self.workers:
            assert not w.errors, w.errors

    def leader(self) -> Worker:
        leaders = [w for w in self.live() if w.member.is_leader()]
        assert len(leaders) == 1, [w.name for w in leaders]
        return leaders[0]

    def stop_all(self) -> None:
        for w in self.workers:
            w.halt()


def describe_group(bootstrap: str, group_id: str) -> dict[str, Any]:
    """DescribeGroups, raw: kafka-python's ``describe_groups`` decodes member metadata as the
    consumer protocol and fails on a connect group, so send the request ourselves."""
    from kafka.admin import KafkaAdminClient
    from kafka.protocol.admin import DescribeGroupsRequest

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:

        async def describe() -> Any:
            coordinator = await admin._find_coordinator_id(group_id)
            return await admin._manager.send(DescribeGroupsRequest(groups=[group_id]), node_id=coordinator)

        group = admin._manager.run(describe).groups[0]
        return {
            "state": group.group_state,
            "protocol_type": group.protocol_type,
            "protocol": group.protocol_data,
            "members": {
                m.member_id: (decode_metadata(m.member_metadata), decode_assignment(m.member_assignment))
                for m in group.members
            },
        }
    finally:
        admin.close()


@pytest.fixture
def cluster(kafka_bootstrap: str, unique_name: Any) -> Iterator[Cluster]:
    c = Cluster(kafka_bootstrap, unique_name("connect_group"))
    try:
        yield c
    finally:
        c.stop_all()
    leftover = [t.name for t in threading.enumerate() if t.name.startswith(("herder-", "kafka-io-"))]
    assert not leftover, f"threads left running: {leftover}"


def test_two_members_share_the_work(cluster: Cluster) -> None:
    w1 = cluster.start("w1")
    w2 = cluster.start("w2")
    cluster.wait_settled()
    leader = cluster.leader()
    for w in (w1, w2):
        assert w.member.current_protocol is SESSIONED
        a = w.member.assignment
        assert a is not None and a.version == 2 and not a.failed and a.offset == 5
        assert a.leader == leader.member.member_id and w.member.leader_url() == f"http://{leader.name}:8083/"
    # The leader knows who runs what.
    for w in (w1, w2):
        for connector in w.listener.snapshot()[0]:
            assert leader.member.owner_url(connector) == f"http://{w.name}:8083/"

    described = describe_group(cluster.bootstrap, cluster.group_id)
    assert described["state"] == "Stable"
    assert described["protocol_type"] == "connect"
    assert described["protocol"] == "sessioned"
    assert set(described["members"]) == {w1.member.member_id, w2.member.member_id}
    for state, assignment in described["members"].values():
        assert state.offset == 5 and state.url.startswith("http://w")
        assert assignment.version == 2 and assignment.leader == leader.member.member_id


def test_three_members_then_one_stops(cluster: Cluster) -> None:
    cluster.config = ConfigView(11, {"conn-a": 4, "conn-b": 4, "conn-c": 1})
    workers = [cluster.start(f"w{i}") for i in range(1, 4)]
    cluster.wait_settled()
    for w in workers:
        assert len(w.listener.snapshot()[1]) == 3
    leader = cluster.leader()
    # The leader stops (LeaveGroup): the other two take over its work right away (max delay 0).
    leader.halt()
    cluster.wait_settled()
    survivors = cluster.live()
    assert len(survivors) == 2
    new_leader = cluster.leader()
    assert new_leader is not leader
    assert {len(w.listener.snapshot()[1]) for w in survivors} == {4, 5}
    assert describe_group(cluster.bootstrap, cluster.group_id)["members"].keys() == {
        w.member.member_id for w in survivors
    }


def test_departed_members_work_waits_for_the_scheduled_delay(cluster: Cluster) -> None:
    cluster.start("w1", max_delay_ms=4_000)
    cluster.start("w2", max_delay_ms=4_000)
    cluster.wait_settled()
    # A follower leaves (a departing leader takes the assignor's memory with it, so its
    # successor would see the lost work as new and assign it at once, as in Java).
    w1 = cluster.leader()
    w2 = next(w for w in cluster.live() if w is not w1)
    lost_c, lost_t = w2.listener.snapshot()
    stopped_at = time.monotonic()
    w2.halt()
    wait_until(
        lambda: w1.listener.last_assignment is not None and w1.listener.last_assignment.delay > 0,
        20,
        "an assignment with a delay",
    )
    held_back = w1.listener.snapshot()
    assert not (held_back[0] & lost_c) and not (held_back[1] & lost_t)
    cluster.wait_settled(timeout=30)
    assert time.monotonic() - stopped_at >= 3.5
    assert w1.listener.snapshot() == cluster.all_work()


def test_mixed_protocols_fall_back_to_compatible(cluster: Cluster) -> None:
    w1 = cluster.start("w1", SESSIONED)
    w2 = cluster.start("w2", COMPATIBLE)
    cluster.wait_settled()
    described = describe_group(cluster.bootstrap, cluster.group_id)
    assert described["protocol_type"] == "connect" and described["protocol"] == "compatible"
    assert {a.version for _, a in described["members"].values()} == {1}
    for w in (w1, w2):
        assert w.member.current_protocol is COMPATIBLE and w.member.current_protocol_version == 1


def test_eager_protocol(cluster: Cluster) -> None:
    w1 = cluster.start("w1", EAGER)
    cluster.wait_settled()
    assert w1.listener.snapshot() == cluster.all_work()
    w2 = cluster.start("w2", EAGER)
    cluster.wait_settled()
    described = describe_group(cluster.bootstrap, cluster.group_id)
    assert described["protocol"] == "default"
    assert {a.version for _, a in described["members"].values()} == {0}
    # Eager: w1 gave up everything before rejoining, then got its complete share.
    kinds = [e.kind for e in w1.listener.events]
    assert kinds[:3] == ["assigned", "revoked", "assigned"]
    revoked = w1.listener.events[1]
    assert set(revoked.connectors) == cluster.all_work()[0]
    for w in (w1, w2):
        assert w.member.current_protocol is EAGER
        assert w.member.assignment is not None and w.member.assignment.revoked_tasks == ()


def test_poll_returns_while_the_cluster_is_unreachable() -> None:
    config = GroupMemberConfig(group_id="unreachable", rest_url="http://w:8083/", heartbeat_interval_ms=300)
    member = KafkaGroupMember(
        config,
        config_snapshot=lambda: ConfigView(-1),
        listener=RecordingListener(),
        client_configs={"bootstrap_servers": "127.0.0.1:1", "client_id": "unreachable-test"},
    )
    try:
        started = time.monotonic()
        member.poll(0.5)
        assert time.monotonic() - started < 5
        assert member.member_id == "" and member.generation == -1 and member.assignment is None
        assert member.rejoin_needed_or_pending()
    finally:
        member.stop()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("kafka-io-unreachable")]


def test_wakeup_and_request_rejoin(kafka_bootstrap: str, unique_name: Any) -> None:
    listener = RecordingListener()
    config = GroupMemberConfig(
        group_id=unique_name("connect_group"), rest_url="http://solo:8083/", heartbeat_interval_ms=300
    )
    member = KafkaGroupMember(
        config,
        config_snapshot=lambda: ConfigView(2, {"only": 2}),
        listener=listener,
        client_configs={"bootstrap_servers": kafka_bootstrap, "client_id": "wakeup-test"},
    )
    listener.member = member
    try:
        deadline = time.monotonic() + 30
        while listener.last_assignment is None and time.monotonic() < deadline:
            member.poll(1)
        assert listener.snapshot() == ({"only"}, {ConnectorTaskId("only", 0), ConnectorTaskId("only", 1)})
        generation = member.generation

        # A stable member's poll sleeps until its timeout unless woken.
        timer = threading.Timer(0.3, member.wakeup)
        timer.start()
        started = time.monotonic()
        member.poll(20)
        assert 0.2 < time.monotonic() - started < 5
        timer.join()

        # A requested rejoin makes a new generation; cooperative: nothing revoked, all kept.
        member.request_rejoin("test")
        deadline = time.monotonic() + 30
        while listener.last_generation == generation and time.monotonic() < deadline:
            member.poll(1)
        assert member.generation == generation + 1 and listener.events[-1].kind == "assigned"
        assert [e.kind for e in listener.events].count("revoked") == 0
        assert listener.snapshot()[1] == {ConnectorTaskId("only", 0), ConnectorTaskId("only", 1)}
    finally:
        member.stop()


def test_the_leader_knows_the_owners_after_a_join_that_outlasted_a_poll(cluster: Cluster) -> None:
    """The leader computes the assignment on the client's IO thread while the herder polls in
    slices. Here each assignment takes longer than a poll (0.2 s), so the join completes in a later
    slice than the one that computed it: the leader must still know who runs what (it once forgot,
    and answered every forwarded restart with 409 until the next rebalance)."""
    workers = [cluster.start("w1"), cluster.start("w2")]
    for w in workers:
        compute = w.member.perform_assignment

        def slow(leader_id: str, protocol: str, members: Any, compute: Any = compute) -> dict[str, bytes]:
            result = compute(leader_id, protocol, members)
            time.sleep(0.6)
            return result

        w.member.perform_assignment = slow  # type: ignore[method-assign]
    cluster.wait_settled()
    leader = cluster.leader()
    for w in workers:
        for connector in w.listener.snapshot()[0]:
            assert leader.member.owner_url(connector) == f"http://{w.name}:8083/"
        for task in w.listener.snapshot()[1]:
            assert leader.member.owner_url(task) == f"http://{w.name}:8083/"
