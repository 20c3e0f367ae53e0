"""Config topic, record by record: what the store writes is byte-identical to Java's records, and a
topic holding Java's records (written here as literal bytes) reads back into the same snapshot."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest

from connectrt.kafka.topics import TopicAdmin
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage.kafka_config import KafkaConfigBackingStore
from connectrt.storage.kafka_config_state import ConfigUpdateListener
from connectrt.storage.kafka_records import SessionKey
from tests.integration.storage.conftest import produce_raw, raw_records

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()

# A config topic as Java Connect 4.x leaves it for: a stopped connector with two committed tasks,
# a session key, then a half-written reconfiguration (task records without their commit).
JAVA_CONFIG_TOPIC: list[tuple[str, bytes | None]] = [
    (
        "session-key",
        f'{{"key":"{KEY_B64}","algorithm":"HmacSHA256","creation-timestamp":1700000000000}}'.encode(),
    ),
    (
        "connector-file-src",
        (
            b'{"properties":{"connector.class":"' + FILE_SOURCE.encode() + b'","tasks.max":"2",'
            b'"file":"/tmp/in.txt","topic":"lines","name":"file-src"}}'
        ),
    ),
    (
        "task-file-src-0",
        b'{"properties":{"task.class":"org.apache.kafka.connect.file.FileStreamSourceTask",'
        b'"file":"/tmp/in.txt","topic":"lines","batch.size":"2000"}}',
    ),
    (
        "task-file-src-1",
        b'{"properties":{"task.class":"org.apache.kafka.connect.file.FileStreamSourceTask",'
        b'"file":"/tmp/in.txt","topic":"lines","batch.size":"2000","x":"\\u001F\\uD83D\\uDE00"}}',
    ),
    ("commit-file-src", b'{"tasks":2}'),
    ("target-state-file-src", b'{"state":"PAUSED","state.v2":"STOPPED"}'),
    ("connector-old-sink", b'{"properties":{"connector.class":"X","name":"old-sink"}}'),
    ("target-state-old-sink", b'{"state":"PAUSED"}'),
    ("connector-gone", b'{"properties":{"name":"gone"}}'),
    ("connector-gone", None),
    ("target-state-gone", None),
    ("task-file-src-0", b'{"properties":{"task.class":"T","file":"/tmp/other.txt"}}'),
]


def _store(
    topic: str, client_props: dict[str, Any], admin: TopicAdmin, **kwargs: Any
) -> KafkaConfigBackingStore:
    return KafkaConfigBackingStore(topic, client_props, admin, replication_factor=1, **kwargs)


def test_writes_are_byte_identical_to_javas_records(
    store_topic: Callable[[str], str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = store_topic("configs")
    store = started(_store(topic, client_props, topic_admin))
    store.put_connector_config(
        "my-conn", {"connector.class": FILE_SOURCE, "tasks.max": "1", "name": "my-conn"}, TargetState.STOPPED
    )
    store.put_task_configs("my-conn", [{"task.class": "T", "file": "a\tb"}, {"task.class": "T", "file": "é"}])
    store.put_target_state("my-conn", TargetState.PAUSED)
    store.put_target_state("my-conn", TargetState.STARTED)
    store.put_task_count_record("my-conn", 2)
    store.put_session_key(SessionKey(KEY, "HmacSHA256", 1700000000000))
    store.put_restart_request(RestartRequest("my-conn", only_failed=True, include_tasks=True))
    store.put_logger_level("org.apache.kafka.connect", "DEBUG")
    store.put_task_configs("my-conn", [])
    store.remove_connector_config("my-conn")

    expected: list[tuple[bytes, bytes | None]] = [
        (b"target-state-my-conn", b'{"state":"PAUSED","state.v2":"STOPPED"}'),
        (
            b"connector-my-conn",
            b'{"properties":{"connector.class":"'
            + FILE_SOURCE.encode()
            + b'","tasks.max":"1","name":"my-conn"}}',
        ),
        (b"task-my-conn-0", b'{"properties":{"task.class":"T","file":"a\\tb"}}'),
        (b"task-my-conn-1", b'{"properties":{"task.class":"T","file":"\xc3\xa9"}}'),
        (b"commit-my-conn", b'{"tasks":2}'),
        (b"target-state-my-conn", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        (b"target-state-my-conn", b'{"state":"STARTED","state.v2":"STARTED"}'),
        (b"tasks-fencing-my-conn", b'{"task-count":2}'),
        (
            b"session-key",
            f'{{"key":"{KEY_B64}","algorithm":"HmacSHA256","creation-timestamp":1700000000000}}'.encode(),
        ),
        (b"restart-connector-my-conn", b'{"include-tasks":true,"only-failed":true}'),
        (b"logger-cluster-org.apache.kafka.connect", b'{"level":"DEBUG"}'),
        (b"commit-my-conn", b'{"tasks":0}'),
        (b"connector-my-conn", None),
        (b"target-state-my-conn", None),
    ]
    assert [(k, v) for _, k, v in raw_records(kafka_bootstrap, topic, len(expected))] == expected
    snap = store.snapshot()
    assert snap.offset == len(expected)
    assert not snap.contains("my-conn") and snap.target_state("my-conn") is None


def _check_java_state(store: KafkaConfigBackingStore) -> None:
    snap = store.snapshot()
    assert snap.offset == len(JAVA_CONFIG_TOPIC)
    assert sorted(snap.connectors()) == ["file-src", "old-sink"]
    assert dict(snap.connector_config("file-src") or {}) == {
        "connector.class": FILE_SOURCE,
        "tasks.max": "2",
        "file": "/tmp/in.txt",
        "topic": "lines",
        "name": "file-src",
    }
    assert snap.target_state("file-src") is TargetState.STOPPED
    assert snap.target_state("old-sink") is TargetState.PAUSED  # an old worker's record without state.v2
    assert snap.tasks("file-src") == [ConnectorTaskId("file-src", 0), ConnectorTaskId("file-src", 1)]
    configs = [dict(c) for c in snap.task_configs_of("file-src")]
    assert configs[0]["file"] == "/tmp/in.txt"  # the uncommitted rewrite of task 0 is not applied
    assert configs[1]["x"] == "\x1f\U0001f600"
    assert snap.task_config_generation("file-src") == 0
    assert snap.tasks("old-sink") == [] and snap.task_count("old-sink") == 0
    assert snap.session_key == SessionKey(KEY, "HmacSHA256", 1700000000000)
    assert not snap.contains("gone") and snap.target_state("gone") is None
    assert not snap.inconsistent_connectors


def test_a_topic_written_by_java_reads_back_and_restarts_re_read_it(
    create_topic: Callable[..., str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = create_topic(partitions=1, config={"cleanup.policy": "compact"})
    produce_raw(kafka_bootstrap, topic, JAVA_CONFIG_TOPIC)
    first = _store(topic, client_props, topic_admin)
    first.start()
    try:
        _check_java_state(first)
    finally:
        first.stop()
    _check_java_state(started(_store(topic, client_props, topic_admin)))


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
        self.calls.append(("session", key.creation_timestamp))

    def on_restart_request(self, request: RestartRequest) -> None:
        self.calls.append(("restart", request))

    def on_logger_level(self, namespace: str, level: str) -> None:
        self.calls.append(("logger", (namespace, level)))


def _wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_another_workers_listener_sees_each_change(
    store_topic: Callable[[str], str], topic_admin: TopicAdmin, client_props: dict[str, Any], started: Any
) -> None:
    topic = store_topic("configs")
    leader = started(_store(topic, client_props, topic_admin))
    leader.put_logger_level("org.old", "TRACE")  # before the follower started: not replayed
    follower = _store(topic, client_props, topic_admin)
    recorder = Recorder()
    follower.set_update_listener(recorder)
    started(follower)

    leader.put_connector_config("c", {"name": "c"})
    leader.put_task_configs("c", [{"k": "v"}])
    leader.put_target_state("c", TargetState.PAUSED)
    leader.put_session_key(SessionKey(b"k", "HmacSHA256", 5))
    leader.put_restart_request(RestartRequest("c", include_tasks=True))
    leader.put_logger_level("org.new", "WARN")
    leader.remove_connector_config("c")
    expected = [
        ("config", "c"),
        ("tasks", [ConnectorTaskId("c", 0)]),
        ("target", "c"),
        ("session", 5),
        ("restart", RestartRequest("c", include_tasks=True)),
        ("logger", ("org.new", "WARN")),
        ("remove", "c"),
    ]
    _wait_for(lambda: len(recorder.calls) >= len(expected))
    assert recorder.calls == expected
    follower.refresh(10)
    assert follower.snapshot().offset == leader.snapshot().offset == 10
    assert follower.snapshot().restart_requests == {"c": RestartRequest("c", include_tasks=True)}


def test_exactly_once_writes_go_through_a_transaction(
    store_topic: Callable[[str], str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = store_topic("configs")
    store = started(
        _store(
            topic, client_props, topic_admin, transactional_id=f"connect-cluster-{topic}", read_committed=True
        )
    )
    with pytest.raises(Exception, match="without claiming write privileges"):
        store.put_connector_config("c", {"name": "c"})
    store.claim_write_privileges()
    store.put_connector_config("c", {"name": "c"})
    store.put_task_configs("c", [{"k": "v"}])
    store.put_target_state("c", TargetState.PAUSED)  # not privileged: the plain producer
    store.refresh(10)
    snap = store.snapshot()
    assert snap.tasks("c") == [ConnectorTaskId("c", 0)] and snap.target_state("c") is TargetState.PAUSED
    records = raw_records(kafka_bootstrap, topic, 4)
    assert [k for _, k, _ in records] == [b"connector-c", b"task-c-0", b"commit-c", b"target-state-c"]
