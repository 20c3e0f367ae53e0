"""Keys and values of the config and status topics: exact bytes as Java writes them, and parsing."""

from __future__ import annotations

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.config.worker_config import DistributedConfig
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage import kafka_records as rec
from connectrt.storage.kafka_internal_topics import (
    InternalTopic,
    cleanup_policy_message,
    client_id_base,
    internal_client_props,
    topic_settings,
)
from connectrt.storage.status import ConnectorStatus, State, TaskStatus, TopicStatus

pytestmark = pytest.mark.unit


# --- keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("task-conn-0", ConnectorTaskId("conn", 0)),
        ("task-my-conn-name-3", ConnectorTaskId("my-conn-name", 3)),
        ("task-a--b-12", ConnectorTaskId("a--b", 12)),
        ("task--7", ConnectorTaskId("", 7)),
        ("task-conn-+5", ConnectorTaskId("conn", 5)),
        ("task-conn-2147483647", ConnectorTaskId("conn", 2147483647)),
    ],
)
def test_task_key_parsing_takes_the_last_dash_segment_as_the_id(key: str, expected: ConnectorTaskId) -> None:
    assert rec.parse_task_key(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        "task-conn",
        "task-conn-x",
        "task-conn-2147483648",
        "task-conn-1.5",
        "task-conn-",
        "task-",
        "task-conn-٣",
    ],
)
def test_unparsable_task_keys(key: str) -> None:
    assert rec.parse_task_key(key) is None


def test_task_status_keys_split_like_task_config_keys() -> None:
    assert rec.parse_task_status_key("status-task-my-conn-name-3") == ConnectorTaskId("my-conn-name", 3)
    assert rec.parse_task_status_key("status-task-conn-0") == ConnectorTaskId("conn", 0)
    assert rec.parse_task_status_key("status-task-0") is None
    assert rec.parse_task_status_key("status-task-conn-x") is None


def test_topic_status_keys() -> None:
    assert rec.parse_topic_status_key("status-topic-orders:connector-my-conn") == ("orders", "my-conn")
    assert rec.parse_topic_status_key("status-topic-a.b_c:connector-x:y") == ("a.b_c", "x:y")
    assert rec.parse_topic_status_key("status-topic-orders") is None
    assert rec.parse_topic_status_key("status-topic-:connector-c") is None
    assert rec.parse_topic_status_key("status-topic-t:connector-") is None


def test_keys_as_java_builds_them() -> None:
    task = ConnectorTaskId("my-conn", 2)
    assert rec.connector_key("my-conn") == "connector-my-conn"
    assert rec.target_state_key("my-conn") == "target-state-my-conn"
    assert rec.task_key(task) == "task-my-conn-2"
    assert rec.commit_tasks_key("my-conn") == "commit-my-conn"
    assert rec.task_count_record_key("my-conn") == "tasks-fencing-my-conn"
    assert rec.restart_key("my-conn") == "restart-connector-my-conn"
    assert rec.logger_cluster_key("org.apache.kafka") == "logger-cluster-org.apache.kafka"
    assert rec.connector_status_key("my-conn") == "status-connector-my-conn"
    assert rec.task_status_key(task) == "status-task-my-conn-2"
    assert rec.topic_status_key("orders", "my-conn") == "status-topic-orders:connector-my-conn"


# --- config values ------------------------------------------------------------------------------


def test_config_values_exact_bytes() -> None:
    assert rec.encode_properties({"name": "c", "tasks.max": "2", "x": None}) == (
        b'{"properties":{"name":"c","tasks.max":"2","x":null}}'
    )
    assert rec.encode_target_state(TargetState.STARTED) == b'{"state":"STARTED","state.v2":"STARTED"}'
    assert rec.encode_target_state(TargetState.PAUSED) == b'{"state":"PAUSED","state.v2":"PAUSED"}'
    assert rec.encode_target_state(TargetState.STOPPED) == b'{"state":"PAUSED","state.v2":"STOPPED"}'
    assert rec.encode_commit(3) == b'{"tasks":3}'
    assert rec.encode_task_count_record(4) == b'{"task-count":4}'
    assert rec.encode_session_key(b"\x00\x01\xfe\xff", "HmacSHA256", 1700000000000) == (
        b'{"key":"AAH+/w==","algorithm":"HmacSHA256","creation-timestamp":1700000000000}'
    )
    assert rec.encode_restart_request(RestartRequest("c", only_failed=True, include_tasks=False)) == (
        b'{"include-tasks":false,"only-failed":true}'
    )
    assert rec.encode_logger_level("DEBUG") == b'{"level":"DEBUG"}'


def test_strings_use_jacksons_escapes() -> None:
    props = {"a": "tab\there", "b": "ctl\x1f", "c": "é😀", "d": 'q"\\/'}
    assert rec.encode_properties(props) == (
        b'{"properties":{"a":"tab\\there","b":"ctl\\u001F","c":"\xc3\xa9\\uD83D\\uDE00","d":"q\\"\\\\/"}}'
    )


def test_target_state_readers_prefer_v2_and_fall_back_to_state() -> None:
    assert rec.decode_target_state("c", {"state": "PAUSED", "state.v2": "STOPPED"}) is TargetState.STOPPED
    assert rec.decode_target_state("c", {"state": "PAUSED"}) is TargetState.PAUSED
    assert rec.decode_target_state("c", {"state": "STARTED", "state.v2": 5}) is TargetState.STARTED
    assert rec.decode_target_state("c", {"state.v2": "BOGUS", "state": "PAUSED"}) is None
    assert rec.decode_target_state("c", {"state": 1}) is None
    assert rec.decode_target_state("c", ["STARTED"]) is None


def test_session_key_decoding() -> None:
    key = rec.decode_session_key({"key": "AAH+/w==", "algorithm": "HmacSHA256", "creation-timestamp": 17})
    assert key == rec.SessionKey(b"\x00\x01\xfe\xff", "HmacSHA256", 17)
    assert "AAH" not in repr(key) and "hidden" in repr(key)
    assert rec.decode_session_key(None) is None
    assert (
        rec.decode_session_key({"key": "AA==", "algorithm": "HmacSHA256", "creation-timestamp": "17"}) is None
    )
    assert (
        rec.decode_session_key({"key": "AA==", "algorithm": "HmacSHA256", "creation-timestamp": True}) is None
    )
    assert rec.decode_session_key({"key": 1, "algorithm": "HmacSHA256", "creation-timestamp": 1}) is None
    assert rec.decode_session_key({"key": "!!", "algorithm": "HmacSHA256", "creation-timestamp": 1}) is None


def test_restart_request_decoding_defaults_bad_flags_to_false() -> None:
    assert rec.decode_restart_request("c", {"include-tasks": True, "only-failed": True}) == RestartRequest(
        "c", only_failed=True, include_tasks=True
    )
    assert rec.decode_restart_request("c", {"include-tasks": "yes"}) == RestartRequest("c")
    assert rec.decode_restart_request("c", None) is None


def test_restart_impact_rank_is_javas() -> None:
    ranks = [
        RestartRequest("c", only_failed=of, include_tasks=it).impact_rank()
        for of, it in ((True, False), (True, True), (False, False), (False, True))
    ]
    assert ranks == [0, 1, 2, 3]


def test_int_fields_are_narrowed_like_java_int_value() -> None:
    assert rec.decode_int_field({"tasks": 3}, "tasks", "commit") == 3
    assert rec.decode_int_field({"tasks": 2**32 + 5}, "tasks", "commit") == 5
    assert rec.decode_int_field({"tasks": "3"}, "tasks", "commit") is None
    assert rec.decode_int_field({"tasks": True}, "tasks", "commit") is None
    assert rec.decode_int_field(None, "tasks", "commit") is None


def test_decode_value() -> None:
    assert rec.decode_value(None) is None
    assert rec.decode_value(b"") is None
    assert rec.decode_value(b'{"a":1}') == {"a": 1}
    with pytest.raises(rec.UnreadableValue):
        rec.decode_value(b"{not json")


# --- status values ------------------------------------------------------------------------------


def test_status_values_exact_bytes() -> None:
    # Java 4.2.1's status values end with the connector's/task's version, null when it was not
    # running (read from a Java 4.2.1 worker's status topic: '{"state":"RUNNING","trace":null,
    # "worker_id":"127.0.0.1:36225","generation":3,"version":"4.2.1"}', '{"state":"UNASSIGNED",...,"version":null}').
    running = ConnectorStatus("c", State.RUNNING, "10.0.0.1:8083", 7, version="4.2.1")
    assert rec.encode_status(running) == (
        b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7,"version":"4.2.1"}'
    )
    failed = TaskStatus(ConnectorTaskId("c", 1), State.FAILED, "w:1", 2, "Boom\n\tat X.y(X.java:1)\n")
    assert rec.encode_status(failed) == (
        b'{"state":"FAILED","trace":"Boom\\n\\tat X.y(X.java:1)\\n","worker_id":"w:1","generation":2,"version":null}'
    )
    assert rec.encode_status(ConnectorStatus("c", State.DESTROYED, "w:1", 3)) is None
    topic = TopicStatus("orders", "c", 0, 1700000000123)
    assert rec.encode_topic_status(topic) == (
        b'{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":1700000000123}}'
    )
    assert rec.encode_topic_status(None) is None


def test_status_decoding() -> None:
    value = {"state": "UNASSIGNED", "trace": None, "worker_id": "w:1", "generation": 4}
    assert rec.decode_connector_status("c", value) == ConnectorStatus("c", State.UNASSIGNED, "w:1", 4)
    task = ConnectorTaskId("c", 0)
    assert rec.decode_task_status(task, {**value, "trace": "t"}) == TaskStatus(
        task, State.UNASSIGNED, "w:1", 4, "t"
    )
    assert rec.decode_task_status(task, {**value, "state": "SLEEPING"}) is None
    assert rec.decode_task_status(task, {**value, "generation": "4"}) is None
    assert rec.decode_task_status(task, {**value, "trace": 5}) is None
    assert rec.decode_task_status(task, "RUNNING") is None
    assert rec.decode_task_status(task, {**value, "version": "3.6.1.Final"}) == TaskStatus(
        task, State.UNASSIGNED, "w:1", 4, version="3.6.1.Final"
    )
    assert rec.decode_task_status(task, {**value, "version": 1}) is None
    topic = {"topic": {"name": "t", "connector": "c", "task": 2, "discoverTimestamp": 99}}
    assert rec.decode_topic_status(topic) == TopicStatus("t", "c", 2, 99)
    assert rec.decode_topic_status({"topic": "t"}) is None
    assert rec.decode_topic_status({"topic": {"name": "t", "connector": "c", "task": "2"}}) is None


# --- internal topics ----------------------------------------------------------------------------


def test_cleanup_policy_messages_are_javas() -> None:
    assert cleanup_policy_message(
        "my-offsets", "offset.storage.topic", "source connector offsets", {"delete"}
    ) == (
        "Topic 'my-offsets' supplied via the 'offset.storage.topic' property is required to have "
        "'cleanup.policy=compact' to guarantee consistency and durability of source connector offsets, but found "
        "the topic currently has 'cleanup.policy=delete'. Continuing would likely result in eventually losing "
        "source connector offsets and problems restarting this Connect cluster in the future. Change the "
        "'offset.storage.topic' property in the Connect worker configurations to use a topic with "
        "'cleanup.policy=compact'."
    )
    text = cleanup_policy_message(
        "s", "status.storage.topic", "connector and task statuses", {"delete", "compact"}
    )
    assert "durability of connector and task statuses, but found the topic currently has " in text
    assert "'cleanup.policy=compact,delete'" in text  # java.util.HashSet order
    assert "eventually losing connector and task statuses and problems" in text


def test_internal_topic_spec_forces_compaction() -> None:
    spec = InternalTopic(
        "t", 5, 1, "status.storage.topic", "p", {"cleanup.policy": "delete", "x": "1"}
    ).spec()
    assert (spec.name, spec.partitions, spec.replication_factor) == ("t", 5, 1)
    assert spec.config == {"cleanup.policy": "compact", "x": "1"}


def _worker(**extra: str) -> DistributedConfig:
    props = {
        "bootstrap.servers": "localhost:9092",
        "group.id": "connect-cluster",
        "config.storage.topic": "connect-configs",
        "offset.storage.topic": "connect-offsets",
        "status.storage.topic": "connect-status",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    }
    props.update(extra)
    return DistributedConfig(props)


def test_client_id_base_and_client_props() -> None:
    assert client_id_base(_worker()) == "connect-cluster-"
    assert client_id_base(_worker(**{"client.id": "w1"})) == "connect-cluster-w1-"
    props = internal_client_props(
        _worker(**{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "rest.port": "8083"})
    )
    assert props == {
        "bootstrap.servers": "localhost:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
    }


def test_topic_settings_drop_managed_keys(caplog: pytest.LogCaptureFixture) -> None:
    config = _worker(
        **{
            "config.storage.partitions": "3",
            "config.storage.cleanup.policy": "delete",
            "config.storage.min.insync.replicas": "2",
            "config.storage.replication.factor": "1",
        }
    )
    assert topic_settings(config, "config.storage.") == {"min.insync.replicas": "2"}
    assert (
        "Ignoring 'config.storage.partitions=3' setting, since config topic partitions is always 1"
        in caplog.text
    )
    assert (
        "Ignoring 'config.storage.cleanup.policy=delete' setting, since compaction is always used"
        in caplog.text
    )


def test_store_configs_need_a_topic() -> None:
    from connectrt.storage.kafka_config import KafkaConfigBackingStore

    with pytest.raises(ConfigException, match="Must specify topic for connector configuration."):
        KafkaConfigBackingStore(" ", {})
