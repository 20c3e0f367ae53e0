"""Unit tests of the assignors' building blocks and leader-level outputs (after Kafka's
IncrementalCooperativeAssignorTest and EagerAssignor); whole rebalance sequences are compared with
Kafka's own assignor in test_assignor_scenarios.py."""

from __future__ import annotations

import pytest

from connectrt.herder.distributed.assignor import (
    ConfigView,
    ConnectorsAndTasks,
    EagerAssignor,
    IncrementalCooperativeAssignor,
    WorkerLoad,
)
from connectrt.herder.distributed.protocol import (
    CONFIG_MISMATCH,
    NO_ERROR,
    ConnectAssignment,
    ConnectProtocolCompatibility,
    ExtendedAssignment,
    WorkerState,
    decode_assignment,
)
from connectrt.model.entities import ConnectorTaskId

pytestmark = pytest.mark.unit

SESSIONED = ConnectProtocolCompatibility.SESSIONED
COMPATIBLE = ConnectProtocolCompatibility.COMPATIBLE
EAGER = ConnectProtocolCompatibility.EAGER


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        return self.now


def connectors(start: int, end: int) -> list[str]:
    return [f"connector{i}" for i in range(start, end)]


def tasks(start: int, end: int, connector: str = "task") -> list[ConnectorTaskId]:
    return [ConnectorTaskId(connector, i) for i in range(start, end)]


def load(worker: str, c_start: int, c_num: int, t_start: int, t_num: int) -> WorkerLoad:
    return WorkerLoad(worker, connectors(c_start, c_start + c_num), tasks(t_start, t_start + t_num))


class TestFillUp:
    def test_assign_connectors_when_balanced(self) -> None:
        workers = [load(f"worker{i}", i * 2, 2, i * 2, 2) for i in range(3)]
        IncrementalCooperativeAssignor.assign_connectors(workers, connectors(6, 11))
        assert [w.connectors for w in workers] == [
            ["connector0", "connector1", "connector6", "connector9"],
            ["connector2", "connector3", "connector7", "connector10"],
            ["connector4", "connector5", "connector8"],
        ]

    def test_assign_tasks_when_balanced(self) -> None:
        workers = [load(f"worker{i}", i * 2, 2, i * 2, 2) for i in range(3)]
        IncrementalCooperativeAssignor.assign_tasks(workers, tasks(6, 11))
        assert [[t.task for t in w.tasks] for w in workers] == [[0, 1, 6, 9], [2, 3, 7, 10], [4, 5, 8]]

    def test_assign_when_imbalanced(self) -> None:
        workers = [load("worker0", 0, 2, 0, 2), load("worker1", 2, 3, 2, 3), load("worker2", 5, 4, 5, 4)]
        workers.append(WorkerLoad("worker3"))
        IncrementalCooperativeAssignor.assign_connectors(workers, connectors(9, 24))
        IncrementalCooperativeAssignor.assign_tasks(workers, tasks(9, 24))
        assert all(len(w.connectors) == 6 and len(w.tasks) == 6 for w in workers)

    def test_fill_up_prefers_least_loaded_then_id(self) -> None:
        workers = [WorkerLoad("b", ["x"]), WorkerLoad("c"), WorkerLoad("a")]
        IncrementalCooperativeAssignor.assign_connectors(workers, ["n1", "n2", "n3"])
        assert {w.worker: w.connectors for w in workers} == {"a": ["n1", "n3"], "c": ["n2"], "b": ["x"]}


class TestLostAssignments:
    """Kafka's testLostAssignmentHandling* cases, driven directly."""

    def setup_method(self) -> None:
        self.clock = Clock()
        self.delay = 300_000
        self.assignor = IncrementalCooperativeAssignor(self.delay, self.clock)
        self.loads = {f"worker{i}": load(f"worker{i}", i * 2, 2, i * 4, 4) for i in range(3)}

    def handle(self, lost: ConnectorsAndTasks, to_reassign: ConnectorsAndTasks | None = None) -> None:
        self.assignor.handle_lost_assignments(
            lost, to_reassign or ConnectorsAndTasks(), list(self.loads.values())
        )

    def lose(self, worker: str) -> ConnectorsAndTasks:
        self.handle(ConnectorsAndTasks())
        assert (self.assignor.scheduled_rebalance, self.assignor.delay) == (0, 0)
        self.assignor.previous_members = set(self.loads)
        gone = self.loads.pop(worker)
        return ConnectorsAndTasks.of(gone.connectors, gone.tasks)

    def test_worker_bounces(self) -> None:
        lost = self.lose("worker1")
        self.handle(lost)
        assert not self.assignor.candidate_workers_for_reassignment
        assert self.assignor.scheduled_rebalance == self.clock.now + self.delay
        assert self.assignor.delay == self.delay

        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        self.loads["worker1"] = WorkerLoad("worker1")
        self.handle(lost)
        assert list(self.assignor.candidate_workers_for_reassignment) == ["worker1"]
        assert self.assignor.delay == self.delay // 2
        assert self.assignor.scheduled_rebalance == self.clock.now + self.delay // 2

        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        self.handle(lost)
        assert self.loads["worker1"].connectors == lost.connectors
        assert self.loads["worker1"].tasks == lost.tasks
        assert not self.assignor.candidate_workers_for_reassignment
        assert (self.assignor.scheduled_rebalance, self.assignor.delay) == (0, 0)

    def test_worker_leaves_permanently(self) -> None:
        lost = self.lose("worker1")
        self.handle(lost)
        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        self.handle(lost)
        assert not self.assignor.candidate_workers_for_reassignment
        assert self.assignor.delay == self.delay // 2
        self.clock.now += self.delay // 2
        to_reassign = ConnectorsAndTasks()
        self.handle(lost, to_reassign)
        assert to_reassign == lost
        assert (self.assignor.scheduled_rebalance, self.assignor.delay) == (0, 0)

    def test_more_than_one_candidate(self) -> None:
        lost = self.lose("worker1")
        self.loads["worker3"] = WorkerLoad("worker3")
        self.handle(lost)
        assert list(self.assignor.candidate_workers_for_reassignment) == ["worker3"]
        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        self.loads["worker1"] = WorkerLoad("worker1")
        self.handle(lost)
        assert set(self.assignor.candidate_workers_for_reassignment) == {"worker1", "worker3"}
        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        # Candidates that picked up other work meanwhile still take the lost work, round-robin.
        self.loads["worker1"] = load("worker1", 6, 2, 8, 4)
        self.loads["worker3"] = load("worker3", 8, 2, 12, 4)
        self.handle(lost)
        got_c = self.loads["worker1"].connectors + self.loads["worker3"].connectors
        got_t = self.loads["worker1"].tasks + self.loads["worker3"].tasks
        assert set(lost.connectors) <= set(got_c) and set(lost.tasks) <= set(got_t)
        assert self.loads["worker3"].connectors[-1] == "connector2"  # worker3 became candidate first
        assert not self.assignor.candidate_workers_for_reassignment

    def test_worker_bounces_back_but_finally_leaves(self) -> None:
        lost = self.lose("worker1")
        self.handle(lost)
        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        self.loads["worker1"] = WorkerLoad("worker1")
        self.handle(lost)
        assert list(self.assignor.candidate_workers_for_reassignment) == ["worker1"]
        self.assignor.previous_members = set(self.loads)
        self.clock.now += self.delay // 2
        del self.loads["worker1"]
        to_reassign = ConnectorsAndTasks()
        self.handle(lost, to_reassign)
        assert to_reassign == lost
        assert not self.assignor.candidate_workers_for_reassignment

    def test_scheduled_delay_disabled(self) -> None:
        self.assignor = IncrementalCooperativeAssignor(0, self.clock)
        lost = self.lose("worker1")
        to_reassign = ConnectorsAndTasks()
        self.handle(lost, to_reassign)
        assert to_reassign == lost
        assert (self.assignor.scheduled_rebalance, self.assignor.delay) == (0, 0)

    def test_no_departed_worker_reassigns_immediately(self) -> None:
        # Lost work while every previous member is still here (an assignment that never arrived).
        self.assignor.previous_members = set(self.loads)
        lost = ConnectorsAndTasks(["connector99"], [])
        to_reassign = ConnectorsAndTasks()
        self.handle(lost, to_reassign)
        assert to_reassign == lost and self.assignor.delay == 0


@pytest.mark.parametrize(
    ("max_delay", "expected"),
    [
        (300_000, [40, 1600, 64000, 300000, 300000, 300000]),
        (60_000, [40, 1600, 60000, 60000, 60000, 60000]),
        (10_000, [40, 1600, 10000, 10000, 10000, 10000]),
        (1, [1, 1, 1, 1, 1, 1]),
        (0, [0, 0, 0, 0, 0, 0]),
    ],
)
def test_consecutive_revoking_backoff_matches_kafka(max_delay: int, expected: list[int]) -> None:
    # Values printed by Kafka 4.2.1's ExponentialBackoff (java/ConnectProtocolVectors.java).
    assignor = IncrementalCooperativeAssignor(max_delay, Clock())
    assert [assignor._backoff(i) for i in range(1, 7)] == expected


def state(
    url: str, offset: int = 10, connectors: tuple[str, ...] = (), tasks: tuple[ConnectorTaskId, ...] = ()
) -> WorkerState:
    allocation = ExtendedAssignment(
        version=2,
        error=NO_ERROR,
        leader="m1",
        leader_url="http://m1",
        offset=offset,
        connectors=connectors,
        tasks=tasks,
    )
    return WorkerState(url, offset, allocation if connectors or tasks else None)


CONFIG = ConfigView(10, {"a": 2, "b": 3})


class TestIncrementalLeader:
    def test_first_round_gives_each_member_its_share(self) -> None:
        assignor = IncrementalCooperativeAssignor(300_000, Clock())
        members = {"m2": state("http://m2"), "m1": state("http://m1")}
        result = assignor.perform_assignment(
            "m1", SESSIONED, members, CONFIG, generation=1, last_completed_generation=-1
        )
        assert result.version == 2 and list(result.assignments) == ["m1", "m2"]
        m1, m2 = result.assignments["m1"], result.assignments["m2"]
        assert isinstance(m1, ExtendedAssignment) and isinstance(m2, ExtendedAssignment)
        assert (m1.connectors, m2.connectors) == (("a",), ("b",))
        assert [str(t) for t in m1.tasks] == ["a-0", "b-0", "b-2"]
        assert [str(t) for t in m2.tasks] == ["a-1", "b-1"]
        for a in (m1, m2):
            assert (a.leader, a.leader_url, a.offset, a.error, a.delay, a.version) == (
                "m1",
                "http://m1",
                10,
                0,
                0,
                2,
            )
            assert a.revoked_connectors == () and a.revoked_tasks == ()
        encoded = result.encode()
        decoded = decode_assignment(encoded["m2"])
        # On the wire tasks are grouped under their connector, so only the order may change.
        assert set(decoded.tasks) == set(m2.tasks) and decoded.connectors == m2.connectors
        assert (decoded.leader, decoded.offset, decoded.version) == ("m1", 10, 2)
        assert result.leader_state is not None
        assert result.leader_state.owner_url("b") == "http://m2"
        assert result.leader_state.owner_url(ConnectorTaskId("b", 2)) == "http://m1"
        assert result.leader_state.owner_url("zzz") is None

    def test_members_report_allocations_and_get_only_new_work(self) -> None:
        assignor = IncrementalCooperativeAssignor(300_000, Clock())
        first = assignor.perform_assignment(
            "m1", COMPATIBLE, {"m1": state("http://m1")}, CONFIG, generation=1, last_completed_generation=-1
        )
        everything = first.assignments["m1"]
        assert first.version == 1 and len(everything.connectors) == 2 and len(everything.tasks) == 5
        # m2 joins; m1 reports its allocation: load-balancing revocations, nothing new yet.
        members = {
            "m1": state("http://m1", connectors=everything.connectors, tasks=everything.tasks),
            "m2": state("http://m2"),
        }
        second = assignor.perform_assignment(
            "m1", COMPATIBLE, members, CONFIG, generation=2, last_completed_generation=1
        )
        m1 = second.assignments["m1"]
        assert isinstance(m1, ExtendedAssignment)
        assert m1.connectors == () and m1.tasks == ()
        assert m1.revoked_connectors == ("a",) and [str(t) for t in m1.revoked_tasks] == ["a-0", "a-1"]
        assert second.assignments["m2"] == ExtendedAssignment(
            version=1, error=NO_ERROR, leader="m1", leader_url="http://m1", offset=10
        )

    def test_delay_is_sent_to_every_member_when_a_worker_leaves(self) -> None:
        clock = Clock()
        assignor = IncrementalCooperativeAssignor(30_000, clock)
        members = {"m1": state("http://m1"), "m2": state("http://m2")}
        first = assignor.perform_assignment(
            "m1", SESSIONED, members, CONFIG, generation=1, last_completed_generation=-1
        )
        own = first.assignments["m1"]
        members = {"m1": state("http://m1", connectors=own.connectors, tasks=own.tasks)}
        second = assignor.perform_assignment(
            "m1", SESSIONED, members, CONFIG, generation=2, last_completed_generation=1
        )
        left_alone = second.assignments["m1"]
        assert isinstance(left_alone, ExtendedAssignment)
        assert left_alone.delay == 30_000 and left_alone.connectors == () and left_alone.tasks == ()

    def test_config_mismatch_when_leader_is_behind(self) -> None:
        assignor = IncrementalCooperativeAssignor(300_000, Clock())
        members = {"m1": state("http://m1", offset=5), "m2": state("http://m2", offset=12)}
        behind = ConfigView(5, {"a": 1})
        result = assignor.perform_assignment(
            "m1", SESSIONED, members, behind, generation=1, last_completed_generation=-1
        )
        expected = ExtendedAssignment(
            version=2, error=CONFIG_MISMATCH, leader="m1", leader_url="http://m1", offset=12
        )
        assert result.assignments == {"m1": expected, "m2": expected}
        assert result.leader_state is None

    def test_fresh_snapshot_lets_a_lagging_leader_assign(self) -> None:
        assignor = IncrementalCooperativeAssignor(300_000, Clock())
        members = {"m1": state("http://m1", offset=5), "m2": state("http://m2", offset=12)}
        fresh = ConfigView(13, {"a": 1})
        result = assignor.perform_assignment(
            "m1",
            SESSIONED,
            members,
            ConfigView(5, {}),
            generation=1,
            last_completed_generation=-1,
            fresh_snapshot=lambda: fresh,
        )
        assert result.snapshot is fresh
        assert {a.offset for a in result.assignments.values()} == {13}
        assert not any(a.failed for a in result.assignments.values())

    def test_leader_must_be_a_member(self) -> None:
        with pytest.raises(ValueError, match="not among the group members"):
            IncrementalCooperativeAssignor(0).perform_assignment(
                "zz", SESSIONED, {"m1": state("u")}, CONFIG, generation=1, last_completed_generation=-1
            )


class TestEager:
    def test_round_robin_connectors_then_tasks(self) -> None:
        members = {m: WorkerState(f"http://{m}", 10) for m in ("m3", "m1", "m2")}
        result = EagerAssignor().perform_assignment(
            "m2", EAGER, members, CONFIG, generation=4, last_completed_generation=3
        )
        assert result.version == 0
        got = {m: (a.connectors, [str(t) for t in a.tasks]) for m, a in result.assignments.items()}
        assert got == {
            "m1": (("a",), ["a-1", "b-2"]),
            "m2": (("b",), ["b-0"]),
            "m3": ((), ["a-0", "b-1"]),
        }
        a = result.assignments["m1"]
        assert type(a) is ConnectAssignment and (a.leader, a.leader_url, a.offset) == ("m2", "http://m2", 10)
        decoded = decode_assignment(result.encode()["m3"])
        assert decoded.version == 0 and [str(t) for t in decoded.tasks] == ["a-0", "b-1"]
        assert result.leader_state is not None and result.leader_state.owner_url("a") == "http://m1"

    def test_config_mismatch(self) -> None:
        members = {"m1": WorkerState("http://m1", 3), "m2": WorkerState("http://m2", 9)}
        result = EagerAssignor().perform_assignment(
            "m1", EAGER, members, ConfigView(3, {"a": 1}), generation=1, last_completed_generation=-1
        )
        expected = ConnectAssignment(CONFIG_MISMATCH, "m1", "http://m1", 9)
        assert result.assignments == {"m1": expected, "m2": expected}

    def test_no_connectors(self) -> None:
        result = EagerAssignor().perform_assignment(
            "m1",
            EAGER,
            {"m1": WorkerState("u", 0)},
            ConfigView(0),
            generation=1,
            last_completed_generation=-1,
        )
        assert result.assignments["m1"] == ConnectAssignment(NO_ERROR, "m1", "u", 0)
