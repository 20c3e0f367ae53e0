"""Offsets written by Java Debezium 3.6.1 are resumed from: a Java Kafka Connect worker streams a table
and stops; its committed offset goes into our worker's offset store; our connector then continues on the
same slot without a new snapshot, emitting exactly the changes Debezium had not emitted.

The Java side (Kafka Connect 4.2.1 + Debezium 3.6.1, tests/reference/pom.xml) is resolved by the
``debezium_lib`` fixture with mvn into ~/.cache/connectrt/debezium-3.6.1 (``CONNECTRT_DEBEZIUM_CACHE``), as
tests/reference/record_reference.py does: about a minute and ~100 MB the first time, reused afterwards.
Without mvn or java the test is skipped, except in CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import cleanup_pg, connector_config, read_topic, standalone, topic_size, wait_running
from tests.integration.worker_process import free_port, wait_until

pytestmark = pytest.mark.integration

CACHE = Path(os.environ.get("CONNECTRT_DEBEZIUM_CACHE", Path.home() / ".cache/connectrt/debezium-3.6.1"))
POM = Path(__file__).resolve().parents[1] / "reference" / "pom.xml"


@pytest.fixture(scope="module")
def debezium_lib() -> Iterator[Path]:
    """The classpath directory of Kafka Connect 4.2.1 + Debezium 3.6.1 (the recordings' reference jars)."""
    lib = CACHE / "lib"
    marker = lib / ".complete"
    resolved = marker.exists() and marker.read_text() == POM.read_text()  # jars of this very pom
    missing = [tool for tool in ("java", *(() if resolved else ("mvn",))) if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not on PATH: the Java reference cannot run"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    if not resolved:
        shutil.rmtree(lib, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy(POM, CACHE / "pom.xml")
        proc = subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-ntp",
                "-f",
                str(CACHE / "pom.xml"),
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
                f"-DoutputDirectory={lib}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            pytest.fail(f"mvn could not resolve {POM}:\n{(proc.stdout + proc.stderr)[-3000:]}", pytrace=False)
        marker.write_text(POM.read_text())
    yield lib


def _java_offset(path: Path, name: str, prefix: str) -> dict[str, Any]:
    """The committed offset from Java's FileOffsetBackingStore file (a serialized map of byte arrays)."""
    data = path.read_bytes()
    key = json.dumps([name, {"server": prefix}], separators=(",", ":")).encode()
    at = data.find(key)
    assert at >= 0, "the Java worker committed no offset"
    match = re.compile(rb"\{\"[^\x00]*?\}").search(data, at + len(key))
    assert match is not None
    return json.loads(match.group(0))


def test_resume_from_java_debezium_offsets(
    debezium_lib: Path,
    pg_dsn: str,
    pg_params: dict[str, str],
    kafka_bootstrap: str,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    table, slot, prefix = unique_name.table("jv"), unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text)")
        conn.execute(f"INSERT INTO {table} VALUES (1, 'snap'), (2, 'snap')")
    java_work = tmp_path / "java"
    java_work.mkdir()
    connector = {
        "name": "jv",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "database.hostname": pg_params["host"],
        "database.port": pg_params["port"],
        "database.user": pg_params["user"],
        "database.password": pg_params["password"],
        "database.dbname": pg_params["dbname"],
        "topic.prefix": prefix,
        "slot.name": slot,
        "publication.name": slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public.{table}",
    }
    (java_work / "connector.properties").write_text("".join(f"{k}={v}\n" for k, v in connector.items()))
    (java_work / "worker.properties").write_text(
        "\n".join(
            [
                f"bootstrap.servers={kafka_bootstrap}",
                f"listeners=http://127.0.0.1:{free_port()}",
                "key.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable=false",
                "value.converter.schemas.enable=false",
                f"offset.storage.file.filename={java_work}/offsets",
                "offset.flush.interval.ms=500",
            ]
        )
        + "\n"
    )
    (java_work / "log4j2.xml").write_text(
        '<Configuration status="WARN"><Appenders><Console name="O" target="SYSTEM_OUT">'
        '<PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>'
        '<Loggers><Root level="INFO"><AppenderRef ref="O"/></Root></Loggers></Configuration>\n'
    )
    log = (java_work / "connect.log").open("wb")
    java = subprocess.Popen(
        [
            "java",
            "-Xmx512m",
            f"-Dlog4j2.configurationFile={java_work}/log4j2.xml",
            "-cp",
            f"{debezium_lib}/*",
            "org.apache.kafka.connect.cli.ConnectStandalone",
            str(java_work / "worker.properties"),
            str(java_work / "connector.properties"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 2, 180, "Debezium's snapshot")
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            for i in range(3, 23):
                conn.execute(f"INSERT INTO {table} VALUES (%s, 'java')", (i,))
            conn.execute(f"UPDATE {table} SET v = 'java-upd' WHERE id = 1")
        wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 23, 60, "Debezium streaming")
        time.sleep(2)  # let the offsets of those records be committed
    finally:
        java.send_signal(signal.SIGTERM)
        java.wait(60)
    java_offset = _java_offset(java_work / "offsets", "jv", prefix)
    assert {"lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec", "messageType"} <= set(java_offset), (
        java_offset
    )
    # Changes while nothing runs; our connector must emit exactly these.
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for i in range(23, 33):
            conn.execute(f"INSERT INTO {table} VALUES (%s, 'ours')", (i,))
        conn.execute(f"DELETE FROM {table} WHERE id = 2")
    ours = tmp_path / "ours"
    ours.mkdir()
    key = base64.b64encode(json.dumps(["jv", {"server": prefix}], separators=(",", ":")).encode()).decode()
    value = base64.b64encode(json.dumps(java_offset, separators=(",", ":")).encode()).decode()
    (ours / "connect.offsets").write_text(json.dumps([[key, value]]))
    config = connector_config(
        "jv",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "slot.drop.on.stop": "true",
        },
    )
    try:
        with standalone(kafka_bootstrap, ours, [config], schemas=False) as worker:
            wait_running(worker, "jv")
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 23 + 12, 60, "our events")
            time.sleep(2)
            assert "Found previous offset" in worker.tail(300)
        events = [r["value"] for r in read_topic(kafka_bootstrap, topic)]
        ops = [(v["op"], (v["after"] or v["before"])["id"]) for v in events if v is not None]
        java_part = [("r", 1), ("r", 2)] + [("c", i) for i in range(3, 23)] + [("u", 1)]
        ours_part = [("c", i) for i in range(23, 33)] + [("d", 2)]
        assert ops == java_part + ours_part
        assert events[-1] is None  # the delete's tombstone
        assert {v["source"]["version"] for v in events if v is not None} == {"3.6.1.Final"}
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
