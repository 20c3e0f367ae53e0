"""Record Debezium's real output for the shared scenario (tests/scenario.py) as test data.

Runs Debezium 3.6.1.Final (io.debezium:debezium-connector-postgres) on Java Kafka Connect 4.2.1
standalone against the dev PostgreSQL and Kafka, one connector per value-mode variant, and writes
every record of every topic as one JSON line to ``tests/data/debezium/<variant>.jsonl``:
``{"topic", "key", "value", "headers"}`` with key and value parsed from the JsonConverter bytes
(schemas enabled). The jars are resolved with mvn into ~/.cache/connectrt/debezium-3.6.1 (never
committed). Usage: ``.venv/bin/python plugins/postgres/tests/reference/record_reference.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import Consumer, TopicPartition

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import pg_scenario as scenario  # noqa: E402

CACHE = Path(os.environ.get("CONNECTRT_DEBEZIUM_CACHE", Path.home() / ".cache/connectrt/debezium-3.6.1"))
OUT = HERE.parent / "data" / "debezium"
SCHEMA = "dbzref_s"
BOOTSTRAP = os.environ.get("CONNECTRT_KAFKA", "127.0.0.1:29092")
PG = {
    "host": "127.0.0.1",
    "port": "29432",
    "user": "connectrt",
    "password": "connectrt",
    "dbname": "connectrt",
}
DSN = " ".join(f"{k}={v}" for k, v in PG.items())

VARIANTS = scenario.VARIANTS


def ensure_jars() -> Path:
    lib = CACHE / "lib"
    if (lib / ".complete").exists():
        return lib
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "pom.xml", CACHE / "pom.xml")
    subprocess.run(
        [
            "mvn",
            "-B",
            "-ntp",
            "-f",
            str(CACHE / "pom.xml"),
            "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    (lib / ".complete").write_text("ok\n")
    return lib


def connector_props(variant: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "name": f"ref-{variant}",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": PG["host"],
        "database.port": PG["port"],
        "database.user": PG["user"],
        "database.password": PG["password"],
        "database.dbname": PG["dbname"],
        "topic.prefix": f"dbzref_{variant}",
        "slot.name": f"dbzref_{variant}",
        "slot.drop.on.stop": "true",
        "publication.name": f"dbzref_{variant}",
        "publication.autocreate.mode": "filtered",
        "schema.include.list": SCHEMA,
        **{k: v.format(s=SCHEMA) for k, v in extra.items()},
    }


def run_sql(statements: list[str]) -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def cleanup() -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        for (slot,) in conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'dbzref%'"
        ).fetchall():
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        for (pub,) in conn.execute(
            "SELECT pubname FROM pg_publication WHERE pubname LIKE 'dbzref%'"
        ).fetchall():
            conn.execute(f'DROP PUBLICATION "{pub}"')
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def topics_of(prefix: str) -> list[str]:
    return [f"{prefix}.{SCHEMA}.{t}" for t in scenario.TABLES] + [f"{prefix}.message"]


def drain(topics: list[str]) -> list[dict[str, Any]]:
    consumer = Consumer(
        {"bootstrap.servers": BOOTSTRAP, "group.id": "dbzref-reader", "enable.auto.commit": False}
    )
    out: list[dict[str, Any]] = []
    try:
        meta = consumer.list_topics(timeout=10).topics
        for topic in topics:
            if topic not in meta:
                continue
            for p in sorted(meta[topic].partitions):
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, p, low)])
                got = 0
                while got < high - low:
                    for msg in consumer.consume(1000, timeout=2.0):
                        if msg.error():
                            raise RuntimeError(str(msg.error()))
                        out.append(
                            {
                                "topic": msg.topic(),
                                "key": None if msg.key() is None else json.loads(msg.key()),
                                "value": None if msg.value() is None else json.loads(msg.value()),
                                "headers": [
                                    [k, None if v is None else v.decode()] for k, v in (msg.headers() or [])
                                ],
                            }
                        )
                        got += 1
    finally:
        consumer.close()
    return out


def count(topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "dbzref-count"})
    try:
        meta = consumer.list_topics(timeout=10).topics
        if topic not in meta:
            return 0
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in meta[topic].partitions
        )
    finally:
        consumer.close()


def wait_for(predicate: Any, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}; see {log}")


def start_connect_standalone(
    lib: Path, work: Path, port: int, connector_files: list[str]
) -> tuple[subprocess.Popen[bytes], Path]:
    """Java Connect standalone (JsonConverter, file offsets flushed every second) with the connector
    property files; its log goes to ``work/connect.log``."""
    worker = work / "worker.properties"
    worker.write_text(
        "\n".join(
            [
                f"bootstrap.servers={BOOTSTRAP}",
                "key.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                f"offset.storage.file.filename={work}/offsets",
                "offset.flush.interval.ms=1000",
                f"listeners=http://127.0.0.1:{port}",
            ]
        )
        + "\n"
    )
    log = work / "connect.log"
    log4j = work / "log4j2.xml"
    log4j.write_text(
        '<Configuration status="WARN"><Appenders><Console name="O" target="SYSTEM_OUT">'
        '<PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>'
        '<Loggers><Root level="INFO"><AppenderRef ref="O"/></Root></Loggers></Configuration>\n'
    )
    cmd = [
        "java",
        "-Xmx1g",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{lib}/*",
        "org.apache.kafka.connect.cli.ConnectStandalone",
        str(worker),
        *connector_files,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    return proc, log


def delete_topics(names: list[str] | None = None) -> None:
    """Deletes the topics ``names`` (default: every variant's) that exist."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    existing = admin.list_topics(timeout=10).topics
    if names is None:
        names = [t for v in VARIANTS for t in topics_of(f"dbzref_{v}")]
    doomed = [t for t in names if t in existing]
    if doomed:
        for future in admin.delete_topics(doomed, operation_timeout=30).values():
            future.result(60)
        time.sleep(2)


def main() -> None:
    lib = ensure_jars()
    cleanup()
    delete_topics()
    run_sql(scenario.EXTENSIONS + scenario.statements(scenario.SETUP + scenario.SNAPSHOT_ROWS, SCHEMA))
    work = Path(tempfile.mkdtemp(prefix="dbzref-"))
    files = []
    for variant, extra in VARIANTS.items():
        path = work / f"{variant}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in connector_props(variant, extra).items()))
        files.append(str(path))
    proc, log = start_connect_standalone(lib, work, 18083, files)
    try:
        for variant in VARIANTS:
            wait_for(
                lambda v=variant: count(f"dbzref_{v}.{SCHEMA}.trunc") >= 1, 180, f"{variant} snapshot", log
            )
        time.sleep(3)
        for statement in scenario.statements(scenario.STREAM_STEPS, SCHEMA):
            run_sql([statement])
        for variant in VARIANTS:
            wait_for(
                lambda v=variant: count(f"dbzref_{v}.{SCHEMA}.trunc") >= 2, 120, f"{variant} stream", log
            )
        time.sleep(5)
        OUT.mkdir(parents=True, exist_ok=True)
        for variant in VARIANTS:
            records = drain(topics_of(f"dbzref_{variant}"))
            with (OUT / f"{variant}.jsonl").open("w") as f:
                f.write(
                    json.dumps(
                        {
                            "_produced_by": (
                                "Debezium 3.6.1.Final on Kafka Connect 4.2.1 standalone (JsonConverter, schemas.enable=true), "
                                "PostgreSQL 15, tests/reference/record_reference.py; settings: "
                                + json.dumps(connector_props(variant, VARIANTS[variant]))
                            )
                        }
                    )
                    + "\n"
                )
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{variant}: {len(records)} records")
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        cleanup()
        print(f"worker log: {log}")


if __name__ == "__main__":
    main()
