"""Taking over a Java Connect cluster's internal topics, and writing them as Java does.

1. The shared cluster started on topics prefilled with a Java cluster's literal records
   (``java_records``): it must run those connectors from the Java offsets (VerifiableSource resumes
   at saved seqno + 1, MonitorableSource at saved + 1 after a resume), keep the Java-written task
   configs instead of writing new ones, use the Java session key, and write its own offsets for the
   same source partitions to the partitions Java's murmur2 picked.
2. A connector lifecycle (create, pause, stop, resume, delete) leaves exactly the config-topic
   records of Java's KafkaConfigBackingStore, byte for byte, and status records of the shape of
   Java's KafkaStatusBackingStore.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from tests.fixtures.names import unique_name
from tests.integration.distributed.api import java_records as java
from tests.integration.distributed.api.conftest import Shared
from tests.integration.distributed.api.support import (
    MONITORABLE_SOURCE,
    consume,
    payload,
    raw_topic,
    request,
    wait_state,
    wait_stopped,
    worker_id,
)
from tests.integration.storage.conftest import java_partition
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def _config_records(shared: Shared, connector: str) -> list[tuple[bytes, bytes | None]]:
    keys = {f"connector-{connector}", f"target-state-{connector}", f"commit-{connector}"}
    out = []
    for _, k, v in raw_topic(shared.bootstrap, f"{shared.group}-configs"):
        key = (k or b"").decode()
        if key in keys or re.fullmatch(rf"task-{re.escape(connector)}-\d+", key):
            out.append((k or b"", v))
    return out


def _seqnos_by_task(records: list[tuple[bytes | None, bytes | None]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for k, v in records:
        out.setdefault(int(payload(k)), []).append(int(payload(v)))
    return out


def test_runs_java_verifiable_source_from_java_offsets(shared: Shared) -> None:
    cluster = shared.cluster
    status = cluster.wait_running(java.VERIFIABLE, 2, timeout_s=60)
    ids = {worker_id(w.url) for w in cluster.alive()}
    assert status["connector"]["worker_id"] in ids and all(t["worker_id"] in ids for t in status["tasks"]), (
        status
    )
    records = consume(shared.bootstrap, shared.java.verifiable_topic, 10, timeout_s=30)
    seqnos = _seqnos_by_task(records)
    for task, saved in java.VERIFIABLE_SAVED.items():
        got = seqnos[task]
        assert got[0] == saved + 1, (task, got[:5])
        assert got == list(range(saved + 1, saved + 1 + len(got))), (task, got)


def test_keeps_java_task_configs_and_writes_offsets_where_java_did(shared: Shared) -> None:
    cluster = shared.cluster
    cluster.wait_running(java.VERIFIABLE, 2, timeout_s=60)
    # Java's task configs (with Java's task.class names) are still the only ones.
    prefilled = [(k, v) for k, v in shared.java.config_records if java.VERIFIABLE.encode() in k]
    assert _config_records(shared, java.VERIFIABLE) == prefilled
    with cluster.client(1) as c:
        tasks = c.get(f"/connectors/{java.VERIFIABLE}/tasks").json()
    assert [t["config"]["task.class"] for t in tasks] == [
        "org.apache.kafka.connect.tools.VerifiableSourceTask"
    ] * 2
    # Offsets flushed by connectrt land where Java's records for the same key are.
    wait_until(
        lambda: (
            len(
                [
                    r
                    for r in raw_topic(shared.bootstrap, f"{shared.group}-offsets")
                    if r[1] == b'["java-verifiable",{"id":1}]'
                ]
            )
            > 1
        ),
        30,
        "connectrt offsets flushed",
    )
    offsets = raw_topic(shared.bootstrap, f"{shared.group}-offsets")
    for key in (b'["java-verifiable",{"id":0}]', b'["java-verifiable",{"id":1}]'):
        partitions = {p for p, k, _ in offsets if k == key}
        assert partitions == {java_partition(key, java.OFFSET_PARTITIONS)}, (key, partitions)
        values = [orjson.loads(v) for _, k, v in offsets if k == key and v is not None]
        assert all(set(v) == {"seqno"} for v in values), values
    # Every worker accepted the Java session key (followers' signed requests went through).
    assert not [w for w in cluster.alive() if "invalid signature" in w.log_path.read_text(errors="replace")]


def test_resumes_java_paused_monitorable_source_after_saved_offsets(shared: Shared) -> None:
    cluster = shared.cluster
    wait_state(cluster, java.MONITORABLE, "PAUSED", 2)
    with cluster.client(2) as c:
        offsets = c.get(f"/connectors/{java.MONITORABLE}/offsets").json()["offsets"]
        assert sorted(offsets, key=lambda o: o["partition"]["task.id"]) == [
            {"partition": {"task.id": f"{java.MONITORABLE}-{i}"}, "offset": {"saved": saved}}
            for i, saved in sorted(java.MONITORABLE_SAVED.items())
        ]
        assert c.put(f"/connectors/{java.MONITORABLE}/resume").status_code == 202
    cluster.wait_running(java.MONITORABLE, 2)
    records = consume(shared.bootstrap, shared.java.monitorable_topic, 4, timeout_s=30)
    first: dict[str, int] = {}
    for k, _ in records:
        _, _, rest = str(payload(k)).partition(f"key-{java.MONITORABLE}-")
        task, _, seqno = rest.partition("-")
        first.setdefault(task, int(seqno))
    assert first == {str(i): saved + 1 for i, saved in java.MONITORABLE_SAVED.items()}
    prefilled = [(k, v) for k, v in shared.java.config_records if java.MONITORABLE.encode() in k]
    # The resume is the only new config record: the Java task configs are kept.
    assert _config_records(shared, java.MONITORABLE) == [
        *prefilled,
        (b"target-state-java-monitorable", b'{"state":"STARTED","state.v2":"STARTED"}'),
    ]


#: Java 4.x's status value: the connector's/task's version last (null when it was not running).
_STATUS = re.compile(
    rb'\{"state":"([A-Z]+)","trace":null,"worker_id":"([0-9.:]+)","generation":(\d+),"version":(null|"4\.2\.1"|"unknown")\}'
)


def _states(
    records: list[tuple[int, bytes | None, bytes | None]], key: bytes, ids: set[str]
) -> list[str | None]:
    """The states written under ``key``, in order (consecutive repeats collapsed, None = tombstone);
    every value must be exactly Java's status JSON."""
    out: list[str | None] = []
    for _, k, v in records:
        if k != key:
            continue
        if v is None:
            state = None
        else:
            m = _STATUS.fullmatch(v)
            assert m is not None, v
            assert m.group(2).decode() in ids, v
            state = m.group(1).decode()
        if not out or out[-1] != state:
            out.append(state)
    return out


def _collapse(states: list[str | None]) -> list[str | None]:
    return [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]


def test_lifecycle_records_are_javas(shared: Shared, tmp_path: Any) -> None:
    cluster = shared.cluster
    name, topic = unique_name("lc", "records"), unique_name("lct", "records")
    config = {"connector.class": MONITORABLE_SOURCE, "tasks.max": "2", "topic": topic, "throughput": "5"}
    props = (
        b'"connector.class":"org.apache.kafka.connect.integration.MonitorableSourceConnector",'
        b'"tasks.max":"2","topic":"' + topic.encode() + b'","throughput":"5","name":"' + name.encode() + b'"'
    )
    r = request(cluster, "PUT", f"/connectors/{name}/config", 1, json=config)
    assert r.status_code == 201, r.text
    cluster.wait_running(name, 2)
    assert request(cluster, "PUT", f"/connectors/{name}/pause", 2).status_code == 202
    wait_state(cluster, name, "PAUSED", 2)
    assert request(cluster, "PUT", f"/connectors/{name}/stop", 2).status_code == 204
    wait_stopped(cluster, name)
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 0).status_code == 202
    cluster.wait_running(name, 2)
    assert request(cluster, "DELETE", f"/connectors/{name}", 1).status_code == 204
    wait_until(
        lambda: request(cluster, "GET", f"/connectors/{name}/status").status_code == 404, 30, "deleted"
    )

    n = name.encode()

    def task(i: int) -> tuple[bytes, bytes]:
        # Keys in the iteration order of the java.util.HashMap Java writes a task config from (by hash bucket:
        # connector.class 0, connector.name 3, task.class 4, tasks.max 6, name 8, topic 9, task.id 10,
        # throughput 11), as in the task records recorded from Java 4.2.1 (tests/integration/security/data).
        return (
            b"task-" + n + b"-" + str(i).encode(),
            b'{"properties":{"connector.class":"org.apache.kafka.connect.integration.MonitorableSourceConnector",'
            b'"connector.name":"' + n + b'","task.class":"org.apache.kafka.connect.integration.'
            b'MonitorableSourceConnector$MonitorableSourceTask","tasks.max":"2","name":"'
            + n
            + b'","topic":"'
            + topic.encode()
            + b'","task.id":"'
            + n
            + b"-"
            + str(i).encode()
            + b'","throughput":"5"}}',
        )

    expected: list[tuple[bytes, bytes | None]] = [
        (b"connector-" + n, b'{"properties":{' + props + b"}}"),
        task(0),
        task(1),
        (b"commit-" + n, b'{"tasks":2}'),
        (b"target-state-" + n, b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        (b"commit-" + n, b'{"tasks":0}'),
        (b"target-state-" + n, b'{"state":"PAUSED","state.v2":"STOPPED"}'),
        (b"target-state-" + n, b'{"state":"STARTED","state.v2":"STARTED"}'),
        task(0),
        task(1),
        (b"commit-" + n, b'{"tasks":2}'),
        (b"connector-" + n, None),
        (b"target-state-" + n, None),
    ]
    assert _config_records(shared, name) == expected

    ids = {worker_id(w.url) for w in cluster.alive()}
    status = raw_topic(shared.bootstrap, f"{shared.group}-status")
    connector_states = _states(status, b"status-connector-" + n, ids)
    assert connector_states[-1] is None, connector_states
    lifecycle = [s for s in connector_states if s in ("RUNNING", "PAUSED", "STOPPED")]
    assert lifecycle == ["RUNNING", "PAUSED", "STOPPED", "RUNNING"], connector_states
    for i in range(2):
        task_states = _states(status, b"status-task-" + n + b"-" + str(i).encode(), ids)
        # RUNNING, PAUSED, removed when stopped, RUNNING again, removed with the connector; a
        # UNASSIGNED (a stopping task, racing the leader's tombstone as in Java) aside:
        assert _collapse([s for s in task_states if s != "UNASSIGNED"]) == [
            "RUNNING",
            "PAUSED",
            None,
            "RUNNING",
            None,
        ], task_states
        partitions = {p for p, k, _ in status if k == b"status-task-" + n + b"-" + str(i).encode()}
        assert partitions == {
            java_partition(b"status-task-" + n + b"-" + str(i).encode(), java.STATUS_PARTITIONS)
        }
    topic_key = b"status-topic-" + topic.encode() + b":connector-" + n
    topic_values = [v for _, k, v in status if k == topic_key and v is not None]
    assert topic_values, "no topic status record"
    assert re.fullmatch(
        rb'\{"topic":\{"name":"'
        + re.escape(topic.encode())
        + rb'","connector":"'
        + re.escape(n)
        + rb'","task":[01],"discoverTimestamp":\d{13}\}\}',
        topic_values[0],
    ), topic_values[0]
