"""Issue #13 item 4 against a real distributed worker: what ``${file:...}`` resolves is never stored
or shown. Task configs go to the config topic with the placeholders, byte for byte as Java 4.2.1
wrote them for the same connector (recorded by ``record_java_security.py`` with the same files);
error answers, status traces and the worker's log show placeholders too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.fixtures.clients import quiet_logger
from tests.integration.distributed.cluster import ConnectCluster
from tests.integration.security.config_topic import read_config_topic, write_config_record
from tests.integration.security.record_java_security import SECRETS_DIR
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

JAVA = json.loads((Path(__file__).parent / "data" / "java_security_4_2_1.json").read_text())["answers"]
SECRET = "s3cr3t-Pa55"
SECRETS = f"{SECRETS_DIR}/secrets.properties"


@pytest.fixture(scope="module")
def cluster(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectCluster]:
    from tests.fixtures.names import unique_name as module_unique_name

    tmp_path = tmp_path_factory.mktemp("secrets-cluster")
    d = Path(SECRETS_DIR)
    d.mkdir(exist_ok=True)
    (d / "input.txt").write_text("line\n")
    (d / "secrets.properties").write_text(f"source.file={SECRETS_DIR}/input.txt\ndb.password={SECRET}\n")
    c = ConnectCluster(
        kafka_bootstrap,
        module_unique_name("secrets", "cluster"),
        tmp_path,
        **{
            "config.providers": "file,dir",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.file.param.allowed.paths": SECRETS_DIR,
            "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            "config.providers.dir.param.allowed.paths": SECRETS_DIR,
        },
    ).start(1)
    yield c
    c.stop()


def test_secrets_are_stored_as_placeholders_and_never_shown(
    cluster: ConnectCluster, kafka_bootstrap: str, unique_name: Any
) -> None:
    answers: list[str] = []
    name = "sec-secrets"  # the recording's name: the records must be Java's, byte for byte
    config = json.loads(JAVA["secret_connector_record"])["properties"]
    config = {k: v for k, v in config.items() if k != "name"}
    with cluster.client() as c:
        r = c.put(f"/connectors/{name}/config", json=config)
        assert r.status_code == 201, r.text
        answers.append(r.text)
        wait_until(lambda: c.get(f"/connectors/{name}/tasks").json() or None, 60, "task configs")
        cluster.wait_running(name, 1)
        r = c.get(f"/connectors/{name}/tasks")
        answers.append(r.text)
        assert r.json() == JAVA["secret_tasks"]["body"]  # Java's task.class included
        for path in (
            f"/connectors/{name}",
            f"/connectors/{name}/config",
            f"/connectors/{name}/tasks-config",
            f"/connectors/{name}/status",
            "/connectors?expand=info&expand=status",
        ):
            answers.append(c.get(path).text)

        # Resolved values in errors: the answer and the status trace show the placeholder.
        placeholder = "${file:" + SECRETS + ":db.password}"
        r = c.put(
            f"/connectors/{unique_name('conv')}/config", json={**config, "value.converter": placeholder}
        )
        assert r.status_code == 400
        answers.append(r.text)
        assert (
            f"Invalid value {placeholder} for configuration value.converter: Class {placeholder} could not be "
            "found." in r.json()["message"]
        )
        r = c.put(
            "/connector-plugins/FileStreamSource/config/validate", json={**config, "topic": placeholder}
        )
        answers.append(r.text)
        topic_value = next(v["value"] for v in r.json()["configs"] if v["value"]["name"] == "topic")
        assert topic_value["value"] == placeholder

    # A config that reached the config topic unvalidated, whose resolved value ends in a trace.
    broken = unique_name("broken")
    write_config_record(
        kafka_bootstrap,
        cluster.props["config.storage.topic"],
        f"connector-{broken}",
        json.dumps({"properties": {**config, "name": broken, "tasks.max": placeholder}}).encode(),
    )

    def failed() -> dict[str, Any] | None:
        with cluster.client() as c:
            s = c.get(f"/connectors/{broken}/status")
            return s.json() if s.status_code == 200 and s.json()["connector"]["state"] == "FAILED" else None

    status = wait_until(failed, 60, "the broken connector FAILED")
    answers.append(json.dumps(status))
    assert f"Invalid value {placeholder} for configuration tasks.max" in status["connector"]["trace"]

    records = read_config_topic(kafka_bootstrap, cluster.props["config.storage.topic"])
    task_record = next(v for k, v in records if k == f"task-{name}-0")
    assert task_record is not None
    assert task_record.decode() == JAVA["secret_task_record"]
    statuses = _status_topic_values(kafka_bootstrap, cluster.props["status.storage.topic"])
    assert any(placeholder.encode() in v for v in statuses)
    everything = [
        *answers,
        *(v.decode(errors="replace") for _, v in records if v),
        *(v.decode(errors="replace") for v in statuses),
        cluster.workers[0].log_path.read_text(errors="replace"),
    ]
    assert not [text[:200] for text in everything if SECRET in text]


def _status_topic_values(bootstrap: str, topic: str) -> list[bytes]:
    """Every value in every partition of the status topic, read with a plain consumer."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"status-reader-{topic}",
            "logger": quiet_logger(),
            "enable.auto.commit": False,
        }
    )
    values: list[bytes] = []
    try:
        for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high <= 0:
                continue
            consumer.assign([TopicPartition(topic, p, 0)])
            while (msg := consumer.poll(5)) is not None:
                if not msg.error() and msg.value():
                    values.append(msg.value())
                if not msg.error() and msg.offset() + 1 >= high:
                    break
    finally:
        consumer.close()
    return values


def test_allowed_paths_cannot_be_left_through_a_key(
    cluster: ConnectCluster, kafka_bootstrap: str, kafka_admin: Any, unique_name: Any
) -> None:
    """Issue item 5: ``${dir:<allowed dir>:../../../../etc/passwd}`` returned the file. Put into every
    record by an InsertField transform, it would reach the connector's topic."""
    from tests.fixtures.clients import new_topic
    from tests.integration.distributed.api.support import consume

    for key in ("../../../../etc/passwd", "/etc/passwd"):
        placeholder = "${dir:" + SECRETS_DIR + ":" + key + "}"
        topic = new_topic(kafka_admin, unique_name("exfil"))
        name = unique_name("exfil")
        config = {
            "connector.class": "FileStreamSource",
            "topic": topic,
            "file": f"{SECRETS_DIR}/input.txt",
            "transforms": "hoist,insert",
            "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
            "transforms.hoist.field": "line",
            "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.insert.static.field": "stolen",
            "transforms.insert.static.value": placeholder,
        }
        with cluster.client() as c:
            r = c.put(f"/connectors/{name}/config", json=config)
            assert r.status_code == 201, r.text
        [(_, value)] = consume(kafka_bootstrap, topic, 1, timeout_s=60)
        assert value is not None and b"root:" not in value
        assert json.loads(value)["payload"] == {"line": "line", "stolen": placeholder}
