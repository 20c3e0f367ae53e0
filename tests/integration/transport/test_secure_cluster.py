"""A secured deployment end to end: Kafka requires SASL_SSL (SCRAM-SHA-512), the REST API is HTTPS
with client certificates between workers and HTTP Basic authentication for users.

One private broker (``connectrt dev up --sasl``), two distributed workers configured the Java way
(``security.protocol``/``sasl.*``/``ssl.*`` plus ``producer.``/``consumer.`` copies, the JAAS file in
``KAFKA_OPTS``), a PostgreSQL CDC source and a FileStreamSink created through the worker that is
not the leader (forwarded with the user's credentials): rows flow, every task RUNNING, the
offsets API reads both connectors' offsets, no password reaches a log.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from connectrt.dev import kafka_sasl, services
from connectrt.dev.certs import CertificateAuthority
from connectrt.dev.config import DevSettings
from tests.fixtures.services import free_port_base
from tests.integration.worker_process import WorkerProcess, free_port, wait_until

pytestmark = pytest.mark.integration

EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
REST_USER, REST_PASSWORD = "operator", "rest-pass-9d2f"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{REST_USER}:{REST_PASSWORD}".encode()).decode()}
STORE_PASSWORD = "store-pass-71ab"
SUITE = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"


@contextlib.contextmanager
def sasl_broker(name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A private one-node dev Kafka with its SASL_SSL listener: (bootstrap, Java client settings)."""
    settings = DevSettings.from_env(
        instance=f"pytest-{name}-{os.getpid()}", port_base=free_port_base(1, ("kafka",)), sasl=True
    )
    try:
        services.up(settings, ("kafka",))
        yield kafka_sasl.sasl_bootstrap(settings), kafka_sasl.client_properties(settings)
    finally:
        services.down(settings, purge=True)


class SecureWorker(WorkerProcess):
    """A distributed worker served over HTTPS, started with the JAAS file in KAFKA_OPTS."""

    def __init__(
        self, props: dict[str, Any], workdir: Path, jaas: Path, ca_pem: Path, client_pem: Path
    ) -> None:
        port = free_port()
        super().__init__(
            "distributed", {**props, "listeners": f"https://localhost:{port}"}, workdir, port=port
        )
        self.url = f"https://localhost:{port}"
        self.jaas = jaas
        self.verify = ssl.create_default_context(cafile=str(ca_pem))
        self.verify.load_cert_chain(client_pem)

    def start(self, wait_healthy: bool = True, timeout_s: float = 90.0) -> SecureWorker:
        env = dict(
            os.environ,
            KAFKA_OPTS=f"-Djava.security.auth.login.config={self.jaas}",
            CONNECTRT_LOG_LEVEL=os.environ.get("CONNECTRT_TEST_LOG_LEVEL", "INFO"),
        )
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "connectrt.cli", "distributed", str(self.props_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
            )
        if wait_healthy:
            self.wait_healthy(timeout_s)
        return self

    def wait_healthy(self, timeout_s: float = 90.0) -> float:
        start = time.monotonic()
        while time.monotonic() < start + timeout_s:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if self.client().get("/health").status_code == 200:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"worker not healthy within {timeout_s}s:\n{self.tail()}")

    def client(self, authenticated: bool = True) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, verify=self.verify, headers=AUTH if authenticated else {}
        )


def running(worker: SecureWorker, name: str, tasks: int) -> dict[str, Any] | None:
    with worker.client() as c:
        r = c.get(f"/connectors/{name}/status")
    if r.status_code != 200:
        return None
    s = r.json()
    ok = (
        s["connector"]["state"] == "RUNNING"
        and len(s["tasks"]) == tasks
        and all(t["state"] == "RUNNING" for t in s["tasks"])
    )
    return s if ok else None


def test_distributed_cdc_to_sink_on_sasl_ssl_with_https_and_auth(
    tmp_path: Path, pg_dsn: str, pg_params: dict[str, str], unique_name: Any
) -> None:
    table, slot, prefix, group = (
        unique_name.table("sec"),
        unique_name.slot(),
        unique_name("sec"),
        unique_name("grp"),
    )
    topic = f"{prefix}.public.{table}"
    out_file = tmp_path / "sink.out"
    # REST TLS: one CA for the workers' listener certificates (also presented as client certificates).
    ca = CertificateAuthority.create("secure cluster test CA")
    ca.write_pem(tmp_path / "rest-ca.pem")
    ca.issue("localhost", ["localhost", "127.0.0.1"]).write_pkcs12(tmp_path / "rest.p12", STORE_PASSWORD, ca)
    ca.issue("operator").write_pem(tmp_path / "operator.pem")
    (tmp_path / "credentials.properties").write_text(f"{REST_USER}: {REST_PASSWORD}\n")
    jaas = tmp_path / "jaas.conf"
    jaas.write_text(
        "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
        f'  file="{tmp_path / "credentials.properties"}";\n}};\n'
    )
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text NOT NULL)")
        conn.execute(f"INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(1, 50) g")

    workers: list[SecureWorker] = []
    try:
        with sasl_broker("secure-cluster") as (bootstrap, security):
            props: dict[str, Any] = {
                "bootstrap.servers": bootstrap,
                **security,
                **{f"producer.{k}": v for k, v in security.items()},
                **{f"consumer.{k}": v for k, v in security.items()},
                "group.id": group,
                "config.storage.topic": f"{group}-configs",
                "offset.storage.topic": f"{group}-offsets",
                "status.storage.topic": f"{group}-status",
                "config.storage.replication.factor": "1",
                "offset.storage.replication.factor": "1",
                "status.storage.replication.factor": "1",
                "offset.storage.partitions": "2",
                "status.storage.partitions": "1",
                "offset.flush.interval.ms": "1000",
                "scheduled.rebalance.max.delay.ms": "0",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "false",
                "value.converter.schemas.enable": "false",
                "rest.extension.classes": EXTENSION,
                "listeners.https.ssl.keystore.type": "PKCS12",
                "listeners.https.ssl.keystore.location": str(tmp_path / "rest.p12"),
                "listeners.https.ssl.keystore.password": STORE_PASSWORD,
                "listeners.https.ssl.key.password": STORE_PASSWORD,
                "listeners.https.ssl.truststore.type": "PEM",
                "listeners.https.ssl.truststore.location": str(tmp_path / "rest-ca.pem"),
                "listeners.https.ssl.client.auth": "required",
                # Java's IANA suite names: TLS 1.2 with this one suite on the REST listeners (the workers'
                # forwarding included); the Kafka clients limit their TLS 1.2 suites the same way.
                "listeners.https.ssl.cipher.suites": SUITE,
                **{
                    f"{p}ssl.cipher.suites": f"{SUITE},TLS_AES_256_GCM_SHA384"
                    for p in ("", "producer.", "consumer.")
                },
            }
            # The second worker reads its SASL credentials and keystore password through Java's FileConfigProvider
            # placeholders in its worker properties, resolved as Java's WorkerConfig resolves them.
            secrets = tmp_path / "secrets"
            secrets.mkdir()
            (secrets / "worker.properties").write_text(
                "jaas=" + security["sasl.jaas.config"].replace("\\", "\\\\") + f"\nstore={STORE_PASSWORD}\n"
            )
            jaas_ref, store_ref = (
                f"${{file:{secrets}/worker.properties:{key}}}" for key in ("jaas", "store")
            )
            with_providers = {
                **props,
                "config.providers": "file",
                "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
                "config.providers.file.param.allowed.paths": str(secrets),
                "sasl.jaas.config": jaas_ref,
                "producer.sasl.jaas.config": jaas_ref,
                "consumer.sasl.jaas.config": jaas_ref,
                "listeners.https.ssl.keystore.password": store_ref,
                "listeners.https.ssl.key.password": store_ref,
            }
            for worker_props in (props, with_providers):
                workers.append(
                    SecureWorker(
                        worker_props, tmp_path, jaas, tmp_path / "rest-ca.pem", tmp_path / "operator.pem"
                    )
                )
            for w in workers:
                w.start(wait_healthy=False)
            for w in workers:
                w.wait_healthy()
            leader, follower = workers
            for w in workers:
                host, port = w.url.removeprefix("https://").split(":")
                with (
                    socket.create_connection((host, int(port)), timeout=10) as raw,
                    w.verify.wrap_socket(raw, server_hostname=host) as tls,
                ):
                    assert (tls.version(), tls.cipher()[0] if tls.cipher() else None) == (
                        "TLSv1.2",
                        "ECDHE-ECDSA-AES256-GCM-SHA384",
                    )
            with follower.client(authenticated=False) as anonymous:
                assert anonymous.get("/connectors").status_code == 401

            source = {
                "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "tasks.max": "1",
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
            sink = {
                "connector.class": "FileStreamSink",
                "tasks.max": "2",
                "topics": topic,
                "file": str(out_file),
            }
            with follower.client() as c:  # forwarded to the leader when the follower is not it
                for name, config in (("pg-source", source), ("file-sink", sink)):
                    r = wait_until(
                        lambda n=name, cfg=config: (
                            resp
                            if (resp := c.put(f"/connectors/{n}/config", json=cfg)).status_code in (200, 201)
                            else None
                        ),
                        60,
                        f"create {name}",
                        interval_s=1,
                    )
                    assert r.status_code == 201, r.text
            source_status = wait_until(lambda: running(leader, "pg-source", 1), 90, "the CDC source RUNNING")
            sink_status = wait_until(lambda: running(follower, "file-sink", 2), 90, "the sink RUNNING")

            # The changes below must come after the snapshot (RUNNING is said before the slot exists: an
            # UPDATE made earlier is read by the snapshot, and no update event follows).
            wait_until(
                lambda: (out_file.exists() and len(out_file.read_text().splitlines()) >= 50) or None,
                120,
                "the snapshot's 50 rows in the sink file",
                interval_s=0.5,
            )
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f"INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(51, 100) g")
                conn.execute(f"UPDATE {table} SET v = 'changed' WHERE id = 7")

            def delivered() -> list[str] | None:
                # FileStreamSink writes each value as Java's toString of the map: {before=null, after={id=1, ...
                lines = out_file.read_text().splitlines() if out_file.exists() else []
                return lines if len(lines) >= 101 else None

            lines = wait_until(delivered, 120, "snapshot and streamed changes in the sink file", interval_s=1)
            ids = [int(m.group(1)) for line in lines if (m := re.search(r"after=\{id=(\d+),", line))]
            assert sorted(set(ids)) == list(range(1, 101)) and len(lines) == 101
            assert [line for line in lines if ", op=u," in line and "after={id=7, v=changed}" in line]

            # The offsets API (admin and kafka-python clients) works against the secured broker.
            with leader.client() as c:
                sink_offsets = wait_until(
                    lambda: c.get("/connectors/file-sink/offsets").json()["offsets"],
                    60,
                    "sink offsets committed",
                    interval_s=1,
                )
                assert sink_offsets[0]["partition"] == {"kafka_topic": topic, "kafka_partition": 0}
                source_offsets = c.get("/connectors/pg-source/offsets").json()["offsets"]
                assert source_offsets and source_offsets[0]["partition"] == {"server": prefix}
                # Removing a sink partition's offset goes through kafka-python's admin client.
                assert c.put("/connectors/file-sink/stop").status_code == 204
                partition = {"kafka_topic": topic, "kafka_partition": 0}
                r = wait_until(
                    lambda: (
                        resp
                        if (
                            resp := c.patch(
                                "/connectors/file-sink/offsets",
                                json={"offsets": [{"partition": partition, "offset": None}]},
                            )
                        ).status_code
                        == 200
                        else None
                    ),
                    60,
                    "offsets removed from the stopped sink",
                    interval_s=1,
                )
                assert r.json()["message"].startswith("The offsets for this connector have been altered")
                assert c.get("/connectors/file-sink/offsets").json() == {"offsets": []}
            workers_owning = {source_status["connector"]["worker_id"], sink_status["connector"]["worker_id"]}
            print(
                f"connectors on {workers_owning}; tasks: "
                f"{[t['worker_id'] for t in sink_status['tasks'] + source_status['tasks']]}"
            )
            for w in workers:
                assert w.proc is not None and w.proc.poll() is None, w.tail()
        logs = "".join(w.log_path.read_text(errors="replace") for w in workers)
        for secret in (REST_PASSWORD, kafka_sasl.SASL_PASSWORD, STORE_PASSWORD, pg_params["password"] + "\n"):
            assert secret not in logs, f"a password reached a worker log: {secret!r}"
        assert "Traceback" not in logs
        assert "Could not reach the Kafka cluster" not in logs  # the group member's TLS + SASL bootstrap
    finally:
        for w in workers:
            w.stop(20)
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            for _ in range(50):
                row = conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
                ).fetchone()
                if row is None or not row[0]:
                    if row is not None:
                        conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                    break
                time.sleep(0.2)
            conn.execute(f'DROP PUBLICATION IF EXISTS "{slot}"')
            conn.execute(f"DROP TABLE IF EXISTS {table}")
