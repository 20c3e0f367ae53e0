from __future__ import annotations

import base64
from pathlib import Path

import pytest

from connectrt.dev import kafka
from connectrt.dev.config import DevSettings
from connectrt.dev.errors import DevError

pytestmark = pytest.mark.unit


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_single_node_properties(tmp_path: Path) -> None:
    settings = DevSettings(cache_dir=tmp_path)
    props = _props(kafka.server_properties(settings, 1, tmp_path / "data"))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:29192"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29192"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:29092"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "1"


def test_three_node_properties(tmp_path: Path) -> None:
    settings = DevSettings(cache_dir=tmp_path, brokers=3, port_base=31000)
    props = _props(kafka.server_properties(settings, 2, tmp_path / "data"))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:31192,2@127.0.0.1:31193,3@127.0.0.1:31194"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:31093,CONTROLLER://127.0.0.1:31193"
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["num.partitions"] == "6"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"


def test_broker_props_override_the_defaults(tmp_path: Path) -> None:
    assert (
        _props(kafka.server_properties(DevSettings(cache_dir=tmp_path), 1, tmp_path))[
            "auto.create.topics.enable"
        ]
        == "true"
    )
    settings = DevSettings(
        cache_dir=tmp_path,
        broker_props=(
            ("auto.create.topics.enable", "false"),
            ("log.retention.ms", "-1"),
            ("log.retention.ms", "5"),
        ),
    )
    text = kafka.server_properties(settings, 1, tmp_path / "data")
    props = _props(text)
    assert props["auto.create.topics.enable"] == "false"
    assert props["log.retention.ms"] == "5"  # the last pair for a key wins
    assert props["delete.topic.enable"] == "true"  # the other defaults stay
    assert props["node.id"] == "1"
    keys = [line.split("=", 1)[0] for line in text.splitlines() if not line.startswith("#")]
    assert len(keys) == len(set(keys))  # each key once: an override replaces the default's line


def test_cluster_id_is_kafka_uuid_text() -> None:
    for _ in range(50):
        cluster_id = kafka.new_cluster_id()
        assert len(cluster_id) == 22 and not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_maven_commands_use_lib_dir(tmp_path: Path) -> None:
    dist = kafka.KafkaDistribution(version="4.2.1", java="/usr/bin/java", lib_dir=tmp_path / "lib")
    server = dist.server_command(tmp_path / "server.properties")
    assert server[0] == "/usr/bin/java"
    assert server[-2:] == ["kafka.Kafka", str(tmp_path / "server.properties")]
    assert f"{tmp_path / 'lib'}/*" in server
    assert any(arg.startswith("-Dlog4j2.configurationFile=") and arg.endswith("log4j2.xml") for arg in server)
    fmt = dist.storage_format_command("abc", tmp_path / "server.properties")
    assert fmt[-6:] == [
        "kafka.tools.StorageTool",
        "format",
        "-t",
        "abc",
        "-c",
        str(tmp_path / "server.properties"),
    ]
    assert kafka.log4j_config().is_file()


def test_kafka_home_distribution(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "libs").mkdir()
    (tmp_path / "bin" / "kafka-server-start.sh").write_text("#!/bin/sh\n")
    with pytest.raises(DevError, match="does not hold an Apache Kafka 4.x distribution"):
        kafka._from_kafka_home(tmp_path, "/usr/bin/java")
    (tmp_path / "libs" / "kafka_2.13-4.4.0.jar").write_text("")
    (tmp_path / "libs" / "kafka_2.13-4.4.0-test.jar").write_text("")
    dist = kafka._from_kafka_home(tmp_path, "/usr/bin/java")
    assert dist.version == "4.4.0"
    assert dist.server_command(Path("/x/server.properties")) == [
        str(tmp_path / "bin" / "kafka-server-start.sh"),
        "/x/server.properties",
    ]
    assert dist.storage_format_command("id", Path("/x/p"))[:2] == [
        str(tmp_path / "bin" / "kafka-storage.sh"),
        "format",
    ]
    env = dist.environment(tmp_path / "logs")
    assert env["LOG_DIR"] == str(tmp_path / "logs")
    assert env["KAFKA_LOG4J_OPTS"].startswith("-Dlog4j2.configurationFile=")


def test_kafka_home_without_scripts(tmp_path: Path) -> None:
    with pytest.raises(DevError, match=r"is not an Apache Kafka distribution"):
        kafka._from_kafka_home(tmp_path, "/usr/bin/java")


def test_missing_java_and_maven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(DevError, match="Java was not found on PATH"):
        kafka.find_java()
    with pytest.raises(DevError, match=r"Maven \(mvn\) was not found on PATH"):
        kafka.find_mvn()


def test_log_loading_time_is_measured_from_the_node_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broker with thousands of partitions spends minutes in this phase; wait_ready excuses it.
    clock = [100.0]
    monkeypatch.setattr(kafka.time, "monotonic", lambda: clock[0])
    log = tmp_path / "kafka-1.log"
    log.write_bytes(b"[..] INFO Registered signal handlers\n")
    loading = kafka.LogLoading(log)
    assert loading.seconds() == 0.0
    with log.open("ab") as f:
        f.write(b"[..] INFO Loading logs from log dirs ArrayBuffer(/d) (kafka.log.LogManager)\n[..] INFO Loa")
    assert loading.seconds() == 0.0  # loading begins now
    clock[0] = 130.0
    assert loading.seconds() == 30.0  # still loading
    with log.open("ab") as f:
        f.write(b"ded 8499 logs in 51196ms (unclean log dirs = ArrayBuffer(/d)) (kafka.log.LogManager)\n")
    clock[0] = 140.0
    assert loading.seconds() == 40.0  # the end line is seen now
    clock[0] = 500.0
    assert loading.seconds() == 40.0  # later time does not count
