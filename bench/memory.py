"""Memory of a worker whose source tasks produce as fast as they can: RSS per task over time.

A standalone worker (Java's default offset.flush.interval.ms=60000) runs N MonitorableSource connectors,
one task each, with ``throughput=-1`` (no throttle) against the dev Kafka, for T seconds. Printed: the idle
worker's RSS, RSS and threads every few seconds, the peak, (peak - idle) / N as the memory per task, and the
records each task produced. ``--slow-broker BYTES`` makes the broker throttle the tasks' producers to that
many bytes/s in all (a Kafka client quota on the client id they share), the case where records wait longest.
``--source-tree DIR`` runs the worker from another checkout (e.g. a ``git worktree`` of an older commit), for
before/after figures on the same machine.

    .venv/bin/connectrt dev up --services kafka
    .venv/bin/python bench/memory.py --connectors 8 --seconds 60
    .venv/bin/python bench/memory.py --connectors 8 --seconds 60 --slow-broker 1000000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Worker, free_port, load_average, read_rss_kib, table, write_properties

ROOT = Path(__file__).resolve().parents[1]


def bootstrap_servers() -> str:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    sys.path.insert(0, str(ROOT))
    from connectrt.dev import services
    from connectrt.dev.config import DevSettings

    state = services.load_running(DevSettings.from_env())
    if state is None or not state.of_kind("kafka"):
        raise SystemExit("No dev Kafka runs: start it with `.venv/bin/connectrt dev up --services kafka`.")
    return services.env_vars(state)["KAFKA_BOOTSTRAP_SERVERS"]


def threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def put(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="PUT"
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        resp.read()


def kafka_configs(bootstrap: str, *args: str) -> None:
    """Kafka's ConfigCommand (kafka-configs.sh) from the dev Kafka's jars."""
    sys.path.insert(0, str(ROOT))
    from connectrt.dev.config import DevSettings

    lib = DevSettings.from_env().kafka_cache_dir
    jars = sorted({str(p.parent) for p in lib.rglob("kafka_*.jar")})
    if not jars:
        raise SystemExit(f"No Kafka jars under {lib}: --slow-broker needs the dev Kafka's jars.")
    classpath = ":".join(f"{d}/*" for d in jars)
    subprocess.run(
        ["java", "-cp", classpath, "kafka.admin.ConfigCommand", "--bootstrap-server", bootstrap, *args],
        check=True,
        capture_output=True,
    )


def records_produced(bootstrap: str, topics: list[str]) -> list[int]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "memory-bench",
            "logger": logging.getLogger("librdkafka"),
        }
    )
    try:
        return [consumer.get_watermark_offsets(TopicPartition(t, 0), timeout=10)[1] for t in topics]
    finally:
        consumer.close()


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": logging.getLogger("librdkafka")})
    for future in admin.delete_topics(topics).values():
        try:
            future.result(30)
        except Exception:  # best effort
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--connectors", type=int, default=8, help="MonitorableSource connectors, one task each"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the tasks produce")
    parser.add_argument("--messages-per-poll", type=int, default=1, help="records each poll() returns")
    parser.add_argument(
        "--slow-broker", type=int, metavar="BYTES", help="broker quota for the tasks' producers"
    )
    parser.add_argument("--source-tree", type=Path, help="run the worker from this checkout instead")
    parser.add_argument("--worker-prop", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    bootstrap = bootstrap_servers()
    run = f"membench-{uuid.uuid4().hex[:8]}"
    client_id = f"{run}-producer"
    topics = [f"{run}-{i}" for i in range(args.connectors)]
    port = free_port()
    tree = (args.source_tree or ROOT).resolve()
    with tempfile.TemporaryDirectory(prefix="membench-") as tmp:
        work = Path(tmp)
        props = {
            "bootstrap.servers": bootstrap,
            "listeners": f"http://127.0.0.1:{port}",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(work / "offsets"),
            **dict(kv.split("=", 1) for kv in args.worker_prop),
        }
        env = {**os.environ, "PYTHONPATH": str(tree), "CONNECTRT_LOG_LEVEL": "WARNING"}
        worker = Worker(
            "connectrt",
            [
                sys.executable,
                "-m",
                "connectrt.cli",
                "standalone",
                str(write_properties(work / "worker.properties", props)),
            ],
            work / "worker.log",
            work,
            env,
        )
        if args.slow_broker:
            kafka_configs(
                bootstrap,
                "--alter",
                "--entity-type",
                "clients",
                "--entity-name",
                client_id,
                "--add-config",
                f"producer_byte_rate={args.slow_broker}",
            )
        rows: list[list[str]] = []
        try:
            worker.start()
            worker.wait_healthy(f"http://127.0.0.1:{port}/health")
            time.sleep(2)
            idle_kib = read_rss_kib(worker.pid)[0]
            idle_threads = threads(worker.pid)
            for i, topic in enumerate(topics):
                config = {
                    "connector.class": "org.apache.kafka.connect.integration.MonitorableSourceConnector",
                    "tasks.max": "1",
                    "topic": topic,
                    "throughput": "-1",
                    "messages.per.poll": str(args.messages_per_poll),
                }
                if args.slow_broker:
                    config["producer.override.client.id"] = client_id
                put(f"http://127.0.0.1:{port}/connectors/{run}-{i}/config", config)
            began = time.monotonic()
            peak_kib = peak_threads = 0
            next_row = began
            while (elapsed := time.monotonic() - began) < args.seconds:
                rss, hwm = read_rss_kib(worker.pid)
                peak_kib, peak_threads = max(peak_kib, rss, hwm), max(peak_threads, threads(worker.pid))
                if time.monotonic() >= next_row:
                    rows.append(
                        [
                            f"{elapsed:.0f} s",
                            f"{rss / 1024:.1f}",
                            str(threads(worker.pid)),
                            f"{(rss - idle_kib) / 1024 / args.connectors:.1f}",
                            load_average(),
                        ]
                    )
                    next_row += max(args.seconds / 12, 1.0)
                if not worker.alive():
                    raise RuntimeError(f"the worker exited:\n{worker.tail()}")
                time.sleep(0.2)
            peak_kib = max(peak_kib, read_rss_kib(worker.pid)[1])
        finally:
            worker.stop()
            if args.slow_broker:
                kafka_configs(
                    bootstrap,
                    "--alter",
                    "--entity-type",
                    "clients",
                    "--entity-name",
                    client_id,
                    "--delete-config",
                    "producer_byte_rate",
                )
        produced = records_produced(bootstrap, topics)
        delete_topics(bootstrap, topics)

    print(
        f"worker from {tree}; {args.connectors} unthrottled MonitorableSource tasks, "
        f"{args.messages_per_poll} record(s) per poll, {args.seconds:.0f} s"
        + (f", broker quota {args.slow_broker} B/s" if args.slow_broker else "")
    )
    print(table(["after", "RSS MiB", "threads", "MiB per task", "load average"], rows))
    print(f"idle worker: {idle_kib / 1024:.1f} MiB, {idle_threads} threads")
    print(
        f"peak: {peak_kib / 1024:.1f} MiB, {peak_threads} threads; "
        f"per task: {(peak_kib - idle_kib) / 1024 / args.connectors:.1f} MiB"
    )
    print(
        f"records per task: {min(produced):,} .. {max(produced):,} "
        f"({sum(produced) / args.seconds / args.connectors:,.0f}/s per task)"
    )
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
