"""KafkaConfigBackingStore's reading rules and write order, over an in-memory loopback log."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.connector import ConnectException
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage.kafka_config import KafkaConfigBackingStore
from connectrt.storage.kafka_config_state import ClusterConfigState, ConfigUpdateListener
from connectrt.storage.kafka_log import KafkaWriteException
from connectrt.storage.kafka_records import SessionKey
from tests.unit.storage.loopback_log import LoopbackLog

pytestmark = pytest.mark.unit

CONN = b'{"properties":{"connector.class":"X","name":"c"}}'


class Recorder(ConfigUpdateListener):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def on_connector_config_update(self, connector: str) -> None:
        self.calls.append(("config", connector))

    def on_connector_config_remove(self, connector: str) -> None:
        self.calls.append(("remove", connector))

    def on_task_config_update(self, task_ids: list[ConnectorTaskId]) -> None:
        self.calls.append(("tasks", task_ids))

    def on_connector_target_state_change(self, connector: str) -> None:
        self.calls.append(("target", connector))

    def on_session_key_update(self, key: SessionKey) -> None:
        self.calls.append(("session", key))

    def on_restart_request(self, request: RestartRequest) -> None:
        self.calls.append(("restart", request))

    def on_logger_level(self, namespace: str, level: str) -> None:
        self.calls.append(("logger", (namespace, level)))


def make_store() -> tuple[KafkaConfigBackingStore, LoopbackLog, Recorder]:
    logs: list[LoopbackLog] = []

    def factory(consumed: Any) -> LoopbackLog:
        logs.append(LoopbackLog(consumed, "configs"))
        return logs[0]

    store = KafkaConfigBackingStore("configs", {}, log_factory=factory)
    listener = Recorder()
    store.set_update_listener(listener)
    return store, logs[0], listener


def task(n: int, connector: str = "c") -> ConnectorTaskId:
    return ConnectorTaskId(connector, n)


def test_empty_snapshot() -> None:
    store, _, _ = make_store()
    store.start()
    snap = store.snapshot()
    assert snap.offset == -1 and snap.connectors() == [] and snap.session_key is None
    assert snap == ClusterConfigState()


def test_task_configs_apply_only_when_committed_and_complete() -> None:
    store, log, listener = make_store()
    log.append("connector-c", CONN)
    log.append("task-c-0", b'{"properties":{"k":"0"}}')
    log.append("task-c-1", b'{"properties":{"k":"1"}}')
    store.start()
    snap = store.snapshot()
    assert snap.tasks("c") == [] and snap.task_count("c") == 0 and snap.task_config(task(0)) is None
    assert snap.target_state("c") is TargetState.STARTED  # the default when no record exists

    log.append("commit-c", b'{"tasks":2}')
    store.refresh(1)
    snap = store.snapshot()
    assert snap.offset == 4
    assert snap.tasks("c") == [task(0), task(1)]
    assert [dict(c) for c in snap.task_configs_of("c")] == [{"k": "0"}, {"k": "1"}]
    assert snap.task_config_generation("c") == 0
    assert dict(snap.applied_connector_config("c") or {}) == {"connector.class": "X", "name": "c"}
    assert snap.pending_fencing("c")
    assert listener.calls == [("tasks", [task(0), task(1)])]


def test_incomplete_commit_marks_the_connector_inconsistent_until_a_complete_one() -> None:
    store, log, listener = make_store()
    store.start()
    log.append("connector-c", CONN)
    log.append("task-c-1", b'{"properties":{"k":"1"}}')
    log.append("commit-c", b'{"tasks":2}')
    store.refresh(1)
    snap = store.snapshot()
    assert snap.inconsistent_connectors == {"c"}
    assert snap.tasks("c") == [] and snap.task_count("c") == 2 and snap.task_config_generation("c") is None
    assert listener.calls[-1] == ("tasks", [])

    log.append("task-c-0", b'{"properties":{"k":"0b"}}')
    log.append("commit-c", b'{"tasks":1}')  # the earlier task-c-1 was dropped with the bad commit
    store.refresh(1)
    snap = store.snapshot()
    assert snap.inconsistent_connectors == frozenset()
    assert snap.tasks("c") == [task(0)] and dict(snap.task_configs_of("c")[0]) == {"k": "0b"}
    assert snap.task_config_generation("c") == 0


def test_fewer_tasks_after_compaction_is_still_complete() -> None:
    store, log, _ = make_store()
    log.append("connector-c", CONN)
    log.append("task-c-1", b'{"properties":{"k":"old-1"}}')
    log.append("task-c-0", b'{"properties":{"k":"0"}}')
    log.append("commit-c", b'{"tasks":1}')
    store.start()
    snap = store.snapshot()
    assert snap.tasks("c") == [task(0)] and not snap.inconsistent_connectors


def test_generation_counts_commits_and_stop_commits_zero_tasks() -> None:
    store, _, _ = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c"})
    store.put_task_configs("c", [{"k": "a"}])
    store.put_task_configs("c", [{"k": "b"}, {"k": "c"}])
    store.put_task_configs("c", [])
    snap = store.snapshot()
    assert snap.task_config_generation("c") == 2
    assert snap.tasks("c") == [] and snap.task_count("c") == 0


def test_commit_for_an_unknown_connector_is_ignored() -> None:
    store, log, listener = make_store()
    store.start()
    log.append("task-gone-0", b'{"properties":{}}')
    log.append("commit-gone", b'{"tasks":1}')
    store.refresh(1)
    snap = store.snapshot()
    assert snap.task_count("gone") == 0 and not snap.inconsistent_connectors and listener.calls == []


def test_connector_removal_clears_tasks_and_target_state() -> None:
    store, log, listener = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c"}, TargetState.PAUSED)
    store.put_task_configs("c", [{"k": "a"}])
    listener.calls.clear()
    store.remove_connector_config("c")
    assert log.records[-2:] == [(b"connector-c", None), (b"target-state-c", None)]
    snap = store.snapshot()
    assert not snap.contains("c") and snap.tasks("c") == [] and snap.task_config(task(0)) is None
    assert snap.target_state("c") is None
    assert listener.calls == [("remove", "c")]


def test_target_state_rules() -> None:
    store, log, listener = make_store()
    store.start()
    log.append("target-state-c", b'{"state":"PAUSED","state.v2":"STOPPED"}')  # before the connector exists
    log.append("connector-c", CONN)
    store.refresh(1)
    assert store.snapshot().target_state("c") is TargetState.STOPPED
    assert listener.calls == [("config", "c")]  # no target-state call for a connector not yet there

    log.append("target-state-c", b'{"state":"PAUSED","state.v2":"STOPPED"}')  # unchanged: no call
    log.append("target-state-c", b'{"state":"PAUSED"}')  # an old worker's record
    log.append("target-state-c", None)  # tombstone while configured: back to STARTED, no call
    store.refresh(1)
    assert store.snapshot().target_state("c") is TargetState.STARTED
    assert listener.calls == [("config", "c"), ("target", "c")]


def test_listeners_fire_only_for_records_read_after_start() -> None:
    store, log, listener = make_store()
    log.append("connector-c", CONN)
    log.append("session-key", b'{"key":"AQI=","algorithm":"HmacSHA256","creation-timestamp":5}')
    log.append("restart-connector-c", b'{"include-tasks":true,"only-failed":false}')
    log.append("logger-cluster-org.foo", b'{"level":"DEBUG"}')
    store.start()
    assert listener.calls == []
    snap = store.snapshot()
    assert snap.session_key == SessionKey(b"\x01\x02", "HmacSHA256", 5)
    assert snap.restart_requests == {}  # old requests are not replayed

    log.append("logger-cluster-org.foo", b'{"level":"TRACE"}')
    log.append("session-key", b'{"key":"AwQ=","algorithm":"HmacSHA256","creation-timestamp":6}')
    store.refresh(1)
    assert listener.calls == [
        ("logger", ("org.foo", "TRACE")),
        ("session", SessionKey(b"\x03\x04", "HmacSHA256", 6)),
    ]


def test_pending_restart_requests_keep_the_highest_impact_one() -> None:
    store, _, listener = make_store()
    store.start()
    store.put_restart_request(RestartRequest("c", only_failed=False, include_tasks=False))  # rank 2
    store.put_restart_request(RestartRequest("c", only_failed=True, include_tasks=True))  # rank 1: kept out
    store.put_restart_request(RestartRequest("d", only_failed=True, include_tasks=False))
    assert store.snapshot().restart_requests == {
        "c": RestartRequest("c", only_failed=False, include_tasks=False),
        "d": RestartRequest("d", only_failed=True, include_tasks=False),
    }
    assert len([c for c in listener.calls if c[0] == "restart"]) == 3
    store.put_restart_request(RestartRequest("c", only_failed=False, include_tasks=True))  # rank 3
    taken = store.take_restart_requests()
    assert RestartRequest("c", only_failed=False, include_tasks=True) in taken and len(taken) == 2
    assert store.snapshot().restart_requests == {} and store.take_restart_requests() == []


def test_writes_follow_javas_order() -> None:
    store, log, _ = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c"}, TargetState.STOPPED)
    assert log.events[-3:] == ["send:target-state-c", "send:connector-c", "read_to_end"]
    log.events.clear()
    store.put_task_configs("c", [{"k": "0"}, {"k": "1"}])
    assert log.events == [
        "read_to_end",
        "send:task-c-0",
        "send:task-c-1",
        "read_to_end",
        "send:commit-c",
        "read_to_end",
    ]
    log.events.clear()
    store.put_task_configs("c", [])
    assert log.events == ["read_to_end", "send:commit-c", "read_to_end"]
    log.events.clear()
    store.put_target_state("c", TargetState.PAUSED)
    store.put_logger_level("org.foo", "WARN")
    assert log.events == ["send:target-state-c", "send:logger-cluster-org.foo"]  # acknowledged, not read back
    assert log.records[-2:] == [
        (b"target-state-c", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        (b"logger-cluster-org.foo", b'{"level":"WARN"}'),
    ]


def test_other_records() -> None:
    store, log, _ = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c"})
    store.put_task_configs("c", [{"k": "0"}])
    store.put_task_count_record("c", 1)
    store.put_session_key(SessionKey(b"\x01", "HmacSHA256", 42))
    snap = store.snapshot()
    assert snap.task_count_record("c") == 1 and not snap.pending_fencing("c")
    assert snap.session_key == SessionKey(b"\x01", "HmacSHA256", 42)
    assert log.records[-2:] == [
        (b"tasks-fencing-c", b'{"task-count":1}'),
        (b"session-key", b'{"key":"AQ==","algorithm":"HmacSHA256","creation-timestamp":42}'),
    ]


def test_bad_records_are_skipped_and_the_offset_follows_javas_rule() -> None:
    store, log, _ = make_store()
    log.append("connector-c", CONN)
    log.append("connector-d", b"{not json")  # unreadable: skipped without moving the offset
    log.append("connector-e", b'{"properties":"oops"}')  # wrong shape: skipped, offset moves
    log.append("task-c-x", b'{"properties":{}}')
    log.append("something-else", b"{}")
    store.start()
    snap = store.snapshot()
    assert snap.connectors() == ["c"]
    assert snap.offset == 5


def test_snapshots_do_not_change() -> None:
    store, _, _ = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c", "a": "1"})
    before = store.snapshot()
    store.put_connector_config("c", {"name": "c", "a": "2"})
    store.put_connector_config("d", {"name": "d"})
    assert dict(before.connector_configs["c"]) == {"name": "c", "a": "1"} and before.connectors() == ["c"]
    with pytest.raises(TypeError):
        before.connector_configs["c"]["a"] = "3"  # type: ignore[index]


def test_write_failures_raise_connect_exception() -> None:
    store, log, _ = make_store()
    store.start()
    log.failures.append(KafkaWriteException("boom"))
    with pytest.raises(ConnectException, match="Error writing connector configuration to Kafka"):
        store.put_connector_config("c", {"name": "c"})
    log.failures.append(KafkaWriteException("boom"))
    with pytest.raises(ConnectException, match="Error writing target state to Kafka"):
        store.put_target_state("c", TargetState.PAUSED)


def test_config_topic_must_have_one_partition() -> None:
    store = KafkaConfigBackingStore(
        "configs", {}, log_factory=lambda consumed: LoopbackLog(consumed, "configs", partitions=3)
    )
    from connectrt.config.configdef import ConfigException

    with pytest.raises(ConfigException) as info:
        store.start()
    assert str(info.value) == (
        "Topic 'configs' supplied via the 'config.storage.topic' property is required to have a single partition "
        "in order to guarantee consistency of connector configurations, but found 3 partitions."
    )


def test_null_values_other_than_deletions_are_ignored() -> None:
    store, log, listener = make_store()
    store.start()
    store.put_connector_config("c", {"name": "c"})
    store.put_task_configs("c", [{"k": "0"}])
    store.put_session_key(SessionKey(b"\x01", "HmacSHA256", 1))
    before = store.snapshot()
    listener.calls.clear()
    for key in (
        "task-c-0",
        "commit-c",
        "session-key",
        "restart-connector-c",
        "tasks-fencing-c",
        "logger-cluster-org.foo",
    ):
        log.append(key, None)
    store.refresh(1)
    after = store.snapshot()
    assert after.offset == before.offset + 6
    assert after.tasks("c") == before.tasks("c") and after.task_count("c") == 1
    assert after.session_key == before.session_key and after.restart_requests == {}
    assert listener.calls == []
