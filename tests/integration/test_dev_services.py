"""The `connectrt dev` services, used for real: Kafka (1 and 3 KRaft nodes), PostgreSQL logical
replication, the S3 server, and the idempotent up/down of the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from connectrt.dev.procs import pid_alive
from connectrt.dev.slot_changes import SlotChangeDecoder
from tests.fixtures.clients import consume_all, new_topic, quiet_logger
from tests.fixtures.names import UniqueNames
from tests.fixtures.services import free_port_base, private_dev_instance

pytestmark = pytest.mark.integration


def _producer(bootstrap: str, **extra: Any) -> Any:
    from confluent_kafka import Producer

    return Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "partitioner": "murmur2_random",
            "logger": quiet_logger(),
            **extra,
        }
    )


def test_produce_and_consume_10k_records(kafka_bootstrap: str, create_topic: Any) -> None:
    topic = create_topic(partitions=6)
    producer = _producer(kafka_bootstrap, **{"linger.ms": 10})
    delivered: dict[int, tuple[int, int]] = {}
    errors: list[str] = []

    def on_delivery(err: Any, msg: Any) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            delivered[int(msg.value().split(b"-")[1])] = (msg.partition(), msg.offset())

    n = 10_000
    for i in range(n):
        producer.produce(
            topic,
            key=f"key-{i % 97}".encode(),
            value=f"value-{i}".encode(),
            headers=[("seq", str(i).encode()), ("source", b"test")],
            on_delivery=on_delivery,
        )
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    assert errors == []
    assert len(delivered) == n

    messages = consume_all(kafka_bootstrap, topic, n)
    assert len(messages) == n
    per_partition: dict[int, list[tuple[int, int]]] = defaultdict(list)
    key_partition: dict[bytes, int] = {}
    for msg in messages:
        headers = dict(msg.headers())
        seq = int(headers["seq"])
        assert headers["source"] == b"test"
        assert msg.key() == f"key-{seq % 97}".encode()
        assert msg.value() == f"value-{seq}".encode()
        assert delivered[seq] == (msg.partition(), msg.offset())
        assert key_partition.setdefault(msg.key(), msg.partition()) == msg.partition()
        per_partition[msg.partition()].append((msg.offset(), seq))
    assert sorted({seq for entries in per_partition.values() for _, seq in entries}) == list(range(n))
    assert len(per_partition) == 6
    for entries in per_partition.values():
        # Offsets are consecutive and a partition holds its records in produce order.
        assert [offset for offset, _ in entries] == list(range(len(entries)))
        seqs = [seq for _, seq in entries]
        assert seqs == sorted(seqs)


def test_transactions_read_committed_sees_only_committed(
    kafka_bootstrap: str, create_topic: Any, unique_name: UniqueNames
) -> None:
    topic = create_topic(partitions=3)
    producer = _producer(kafka_bootstrap, **{"transactional.id": unique_name("txn")})
    producer.init_transactions(60)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, key=f"k{i}".encode(), value=f"committed-{i}".encode())
    producer.commit_transaction(60)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, key=f"k{i}".encode(), value=f"aborted-{i}".encode())
    producer.flush(30)  # the aborted records really reach the log before the abort
    producer.abort_transaction(60)

    committed = consume_all(kafka_bootstrap, topic, 5, config={"isolation.level": "read_committed"})
    assert sorted(m.value() for m in committed) == [f"committed-{i}".encode() for i in range(5)]

    # read_uncommitted shows the aborted records too, so the read_committed result is meaningful;
    # and read_committed really stops at 5 (nothing more arrives).
    everything = consume_all(kafka_bootstrap, topic, 10, config={"isolation.level": "read_uncommitted"})
    assert sorted(m.value() for m in everything if m.value().startswith(b"aborted")) == [
        f"aborted-{i}".encode() for i in range(5)
    ]
    with pytest.raises(TimeoutError):
        consume_all(kafka_bootstrap, topic, 6, timeout=5, config={"isolation.level": "read_committed"})


def test_three_broker_cluster_survives_losing_one_broker(unique_name: UniqueNames) -> None:
    from confluent_kafka.admin import AdminClient

    with private_dev_instance("kraft3", brokers=3, kinds=("kafka",), timeout=180) as cluster:
        bootstrap = cluster.bootstrap
        admin = AdminClient({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
        topic = new_topic(admin, unique_name.topic(), partitions=6, replication_factor=3)
        meta = admin.list_topics(topic, timeout=10).topics[topic]
        assert all(len(p.replicas) == 3 for p in meta.partitions.values()), meta.partitions

        producer = _producer(bootstrap, **{"linger.ms": 5})
        acked: list[bytes] = []
        errors: list[str] = []

        def on_delivery(err: Any, msg: Any) -> None:
            (errors.append(str(err)) if err is not None else acked.append(msg.value()))

        def produce(start: int, count: int) -> None:
            for i in range(start, start + count):
                producer.produce(
                    topic, key=str(i % 10).encode(), value=str(i).encode(), on_delivery=on_delivery
                )
            left = producer.flush(120)
            assert left == 0, f"{left} records unacknowledged after 120 s; errors: {errors[:5]}"

        produce(0, 1000)
        assert len(acked) == 1000, errors[:5]
        assert cluster.stop("kafka-2") == ["kafka-2"]
        produce(1000, 1000)  # acks=all with min.insync.replicas=2 still works with 2 of 3 replicas
        assert errors == []
        assert len(acked) == 2000
        assert sorted(p.id for p in admin.list_topics(timeout=10).brokers.values()) == [1, 3]

        messages = consume_all(bootstrap, topic, 2000, timeout=120)
        assert {m.value() for m in messages} == set(acked)
        assert len(messages) == 2000


def test_postgres_pgoutput_slot_reads_a_change(pg_conn: Any, unique_name: UniqueNames) -> None:
    settings = dict(
        pg_conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('wal_level', 'max_replication_slots', 'max_wal_senders', 'listen_addresses')"
        ).fetchall()
    )
    assert settings["wal_level"] == "logical"
    assert int(settings["max_replication_slots"]) >= 10
    assert int(settings["max_wal_senders"]) >= 10
    assert settings["listen_addresses"] == "127.0.0.1"

    table, pub, slot = unique_name.table(), unique_name.publication(), unique_name.slot()
    pg_conn.execute("SET synchronous_commit = on")  # the slot functions see flushed WAL only
    pg_conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text, qty int)")
    pg_conn.execute(f"INSERT INTO {table} VALUES (1, 'before', 1)")
    pg_conn.execute(f"CREATE PUBLICATION {pub} FOR TABLE {table}")
    pg_conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    try:
        pg_conn.execute(f"UPDATE {table} SET name = 'after', qty = 2 WHERE id = 1")
        rows = pg_conn.execute(
            "SELECT data FROM pg_logical_slot_get_binary_changes(%s, NULL, NULL, "
            "'proto_version', '1', 'publication_names', %s)",
            (slot, pub),
        ).fetchall()
        decoder = SlotChangeDecoder()
        messages = [decoder.decode(data) for (data,) in rows]
        assert [m["type"] for m in messages] == ["begin", "relation", "update", "commit"]
        assert messages[2]["table"] == f"public.{table}"
        assert messages[2]["new"] == {"id": "1", "name": "after", "qty": "2"}
    finally:
        pg_conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        pg_conn.execute(f"DROP PUBLICATION {pub}")
        pg_conn.execute(f"DROP TABLE {table}")


def test_s3_bucket_put_list_get(s3_client: Any, unique_name: UniqueNames) -> None:
    bucket = unique_name.bucket()
    s3_client.create_bucket(Bucket=bucket)
    body = b'{"id": 1}\n{"id": 2}\n'
    s3_client.put_object(Bucket=bucket, Key="topics/t/partition=0/t+0+0000000000.json", Body=body)
    s3_client.put_object(Bucket=bucket, Key="topics/t/partition=1/t+1+0000000000.json", Body=b"{}\n")
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="topics/t/partition=0/")
    assert [obj["Key"] for obj in listed["Contents"]] == ["topics/t/partition=0/t+0+0000000000.json"]
    got = s3_client.get_object(Bucket=bucket, Key="topics/t/partition=0/t+0+0000000000.json")
    assert got["Body"].read() == body
    assert bucket in [b["Name"] for b in s3_client.list_buckets()["Buckets"]]


# ---- the CLI: idempotent up, down leaves nothing behind ------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connectrt.cli", "dev", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _processes_mentioning(text: str, *more: str) -> list[int]:
    """Live processes whose command line contains every given string."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if stat != "Z" and all(part in cmdline for part in (text, *more)):
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc to list processes")
def test_cli_up_twice_reuses_and_down_leaves_nothing() -> None:
    instance = f"pytest-updown-{os.getpid()}"
    port_base = free_port_base()
    env = {**os.environ, "CONNECTRT_DEV_INSTANCE": instance, "CONNECTRT_DEV_PORT_BASE": str(port_base)}
    try:
        first = _cli("up", env=env)
        assert first.returncode == 0, first.stderr
        assert "started" in first.stdout
        status = json.loads(_cli("status", "--json", env=env).stdout)
        assert {row["name"] for row in status} == {"kafka-1", "postgres", "s3"}
        assert all(row["running"] for row in status)
        pids = {row["name"]: row["pid"] for row in status}

        second = _cli("up", env=env)
        assert second.returncode == 0, second.stderr
        assert second.stdout.count("(reusing it)") == 3
        assert "nothing was started" in second.stdout
        again = {row["name"]: row["pid"] for row in json.loads(_cli("status", "--json", env=env).stdout)}
        assert again == pids
        instance_dir = Path(status[0]["log"]).parent.parent
        # Exactly one broker JVM for this instance, and it is the first one.
        assert _processes_mentioning(str(instance_dir), "server.properties") == [pids["kafka-1"]]

        exports = _cli("env", env=env).stdout
        assert f"export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{port_base + 92}\n" in exports
        assert "export CONNECTRT_PG_DSN=" in exports and "export CONNECTRT_S3_ENDPOINT=" in exports

        pg_data = next(row for row in status if row["name"] == "postgres")
        down = _cli("down", env=env)
        assert down.returncode == 0, down.stderr
        assert [name for name, pid in pids.items() if pid_alive(pid)] == []
        assert _processes_mentioning(str(instance_dir)) == []
        assert _processes_mentioning(f"-p {pg_data['address'].rsplit(':', 1)[1]} ") == []
        assert instance_dir.exists()  # down without --purge keeps the data
        assert _cli("env", env=env).returncode == 1
    finally:
        _cli("down", "--purge", env=env)
