"""The leader's zombie-fencing decisions (Java's DistributedHerder.fenceZombieSourceTasks), without a
broker: which producers are fenced and which task count is recorded."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from types import MappingProxyType
from typing import Any

import pytest

from connectrt.herder.distributed.fencing import ZombieFencer
from connectrt.model.errors import BadRequestException, NotFoundException, NotLeaderException
from connectrt.storage.kafka_config_state import ClusterConfigState


class _Member:
    def __init__(self, leader: bool) -> None:
        self.leader = leader

    def is_leader(self) -> bool:
        return self.leader

    def leader_url(self) -> str:
        return "http://leader:8083/"


class _Store:
    def __init__(self, state: ClusterConfigState) -> None:
        self.state = state
        self.records: list[tuple[str, int]] = []

    def refresh(self, timeout: float) -> None:
        pass

    def snapshot(self) -> ClusterConfigState:
        return self.state

    def put_task_count_record(self, name: str, count: int) -> None:
        self.records.append((name, count))
        pending = set(self.state.connectors_pending_fencing) - {name}
        records = {**self.state.connector_task_count_records, name: count}
        self.state = ClusterConfigState(
            offset=self.state.offset,
            connector_task_counts=self.state.connector_task_counts,
            connector_configs=self.state.connector_configs,
            connector_task_count_records=MappingProxyType(records),
            connector_task_config_generations=self.state.connector_task_config_generations,
            connectors_pending_fencing=frozenset(pending),
        )


class _Config:
    def get(self, key: str) -> Any:
        return {"group.id": "cluster", "worker.sync.timeout.ms": 3000}[key]


class _Herder:
    def __init__(self, state: ClusterConfigState, leader: bool = True, kind: str = "source") -> None:
        self.config = _Config()
        self.member = _Member(leader)
        self.config_store = _Store(state)
        self.snapshot = state
        self.kind = kind
        self.requests: queue.Queue[Any] = queue.Queue()

    def wakeup(self) -> None:
        pass

    def group_id(self) -> str:
        return str(self.config.get("group.id"))

    def queue_request(self, fn: Callable[[], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self.requests.put((fn, fut))
        return fut

    def connector_type(self, name: str) -> str:
        return self.kind

    def sync_timeout_s(self) -> float:
        return 3.0

    def refresh_snapshot(self) -> None:
        self.snapshot = self.config_store.snapshot()

    def read_config_to_end(self, timeout_s: float) -> ClusterConfigState:
        self.config_store.refresh(timeout_s)
        self.refresh_snapshot()
        return self.snapshot

    def record_task_count(self, name: str, count: int) -> None:
        self.config_store.put_task_count_record(name, count)
        self.refresh_snapshot()


def _state(count: int, record: int | None, pending: bool) -> ClusterConfigState:
    return ClusterConfigState(
        offset=10,
        connector_configs=MappingProxyType({"src": {"connector.class": "X"}}),
        connector_task_counts=MappingProxyType({"src": count}),
        connector_task_count_records=MappingProxyType({} if record is None else {"src": record}),
        connector_task_config_generations=MappingProxyType({"src": 2}),
        connectors_pending_fencing=frozenset({"src"} if pending else set()),
    )


def _fencer(herder: _Herder) -> tuple[ZombieFencer, list[tuple[str, int]]]:
    fencer = ZombieFencer(herder)  # type: ignore[arg-type]
    fenced: list[tuple[str, int]] = []
    fencer.fence_producers = lambda name, n: fenced.append((name, n))  # type: ignore[method-assign]
    return fencer, fenced


@pytest.mark.parametrize(
    ("count", "record", "fenced", "written"),
    [
        (3, None, [], [("src", 3)]),  # first generation with EOS: nothing to fence, record the count
        (1, 1, [], [("src", 1)]),  # one task before and after: the new producer fences the old one itself
        (5, 3, [("src", 3)], [("src", 5)]),  # fence the 3 producers of the previous generation
        (1, 5, [("src", 5)], [("src", 1)]),
        (0, 1, [("src", 1)], [("src", 0)]),  # stopped connector (offsets reset/alter)
    ],
)
def test_fencing_round(
    count: int, record: int | None, fenced: list[tuple[str, int]], written: list[tuple[str, int]]
) -> None:
    herder = _Herder(_state(count, record, pending=True))
    fencer, calls = _fencer(herder)
    fencer.fence("src")
    assert calls == fenced
    assert herder.config_store.records == written
    assert not herder.snapshot.pending_fencing("src")
    fencer.fence("src")  # nothing pending any more: no second round
    assert calls == fenced and herder.config_store.records == written


def test_nothing_pending_means_no_round() -> None:
    herder = _Herder(_state(3, 3, pending=False))
    fencer, calls = _fencer(herder)
    fencer.fence("src")
    assert calls == [] and herder.config_store.records == []


def test_errors() -> None:
    fencer, _ = _fencer(_Herder(_state(1, None, True), leader=False))
    with pytest.raises(NotLeaderException, match="Only the leader may perform zombie fencing."):
        fencer.fence("src")
    fencer, _ = _fencer(_Herder(_state(1, None, True)))
    with pytest.raises(NotFoundException, match="Connector other not found"):
        fencer.fence("other")
    fencer, _ = _fencer(_Herder(_state(1, None, True), kind="sink"))
    with pytest.raises(BadRequestException, match="Connector src is not a source connector"):
        fencer.fence("src")


def test_async_round_joins_and_completes_on_the_herder_thread() -> None:
    herder = _Herder(_state(5, 3, pending=True))
    fencer, calls = _fencer(herder)
    release = threading.Event()
    fencer.fence_producers = lambda name, n: (release.wait(5), calls.append((name, n)))  # type: ignore[method-assign,func-returns-value]
    first = fencer.fence_async("src")
    assert fencer.fence_async("src") is first  # a concurrent request joins the round in progress
    assert not first.done()
    release.set()
    fn, _ = herder.requests.get(timeout=5)  # the completion, queued for the herder thread
    fn()
    assert first.result(0) is None
    assert calls == [("src", 3)] and herder.config_store.records == [("src", 5)]
    again = fencer.fence_async("src")
    assert again is not first and again.done()  # nothing pending: a finished round at once
