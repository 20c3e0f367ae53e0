"""``connectrt demo``: the CDC demo. PostgreSQL → Debezium-compatible CDC source → RegexRouter →
``warehouse.*`` topics, on a 2-worker distributed connectrt cluster, with a live view.

It brings up the dev services, creates the ``production`` database with ``orders``,
``customers`` and ``products``, starts two ``connectrt distributed`` workers, registers
``compose/postgres-cdc-source.json`` (the config users already have, with only host and
credentials changed) through the REST API, streams inserts, updates and deletes, and shows the
events arriving per topic until Ctrl-C or ``--duration`` seconds. It then removes the connector
and its replication slot and stops what it started.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.errors import DevError

CONFIG_FILE = Path(__file__).resolve().parents[2] / "compose" / "postgres-cdc-source.json"
DATABASE = "production"
TOPICS = ("warehouse.orders", "warehouse.customers", "warehouse.products")

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS products (
    id serial PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id serial PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
    status text NOT NULL DEFAULT 'new', ordered_at timestamptz DEFAULT now());
"""


def load_config() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(CONFIG_FILE.read_text())
    except (OSError, ValueError) as e:
        raise DevError(f"Cannot read the demo connector config {CONFIG_FILE}: {e}.")
    return data


def local_config(env: dict[str, str]) -> dict[str, Any]:
    """The shared config with this machine's host and credentials (nothing else changes)."""
    data = load_config()
    config = dict(data["config"])
    config.update({
        "database.hostname": env["CONNECTRT_PG_HOST"],
        "database.port": env["CONNECTRT_PG_PORT"],
        "database.user": env["CONNECTRT_PG_USER"],
        "database.password": env["CONNECTRT_PG_PASSWORD"],
    })
    return {"name": data["name"], "config": config}


def _admin_dsn(env: dict[str, str], db: str) -> str:
    return (f"host={env['CONNECTRT_PG_HOST']} port={env['CONNECTRT_PG_PORT']} user={env['CONNECTRT_PG_USER']} "
            f"password={env['CONNECTRT_PG_PASSWORD']} dbname={db}")


def prepare_database(env: dict[str, str], slot: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(env, env["CONNECTRT_PG_DATABASE"]), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name = %s AND NOT active", (slot,))
    with psycopg.connect(_admin_dsn(env, DATABASE), autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("TRUNCATE orders, customers, products RESTART IDENTITY")
        conn.execute("INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com' "
                     "FROM generate_series(1, 20) i")
        conn.execute("INSERT INTO products (sku, title, price) SELECT 'SKU-' || i, 'product ' || i, i * 1.25 "
                     "FROM generate_series(1, 10) i")


class LoadGenerator(threading.Thread):
    """Inserts, updates and deletes rows at a steady rate until stopped."""

    def __init__(self, env: dict[str, str], rate: float) -> None:
        super().__init__(name="demo-load", daemon=True)
        self.env = env
        self.rate = rate
        self.stop_event = threading.Event()
        self.counts = {"insert": 0, "update": 0, "delete": 0}

    def run(self) -> None:
        import psycopg

        rng = random.Random(7)
        with psycopg.connect(_admin_dsn(self.env, DATABASE), autocommit=True) as conn:
            while not self.stop_event.wait(1 / self.rate):
                roll = rng.random()
                if roll < 0.6:
                    conn.execute("INSERT INTO orders (customer_id, product_id, quantity) VALUES (%s, %s, %s)",
                                 (rng.randint(1, 20), rng.randint(1, 10), rng.randint(1, 5)))
                    self.counts["insert"] += 1
                elif roll < 0.8:
                    conn.execute("UPDATE orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM orders "
                                 "WHERE status = 'new')")
                    conn.execute("UPDATE products SET price = price + 0.01 WHERE id = %s", (rng.randint(1, 10),))
                    self.counts["update"] += 2
                elif roll < 0.9:
                    conn.execute("UPDATE customers SET email = 'new' || id || '@example.com' WHERE id = %s",
                                 (rng.randint(1, 20),))
                    self.counts["update"] += 1
                else:
                    conn.execute("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE status = "
                                 "'shipped')")
                    self.counts["delete"] += 1


def reset_topics(bootstrap: str) -> None:
    """Delete the warehouse topics of an earlier run, so the counts show this run's events."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = [t for t in TOPICS if t in admin.list_topics(timeout=10).topics]
    if not existing:
        return
    for fut in admin.delete_topics(existing, operation_timeout=30).values():
        fut.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(t in admin.list_topics(timeout=10).topics for t in existing):
        time.sleep(0.2)


def start_workers(env: dict[str, str], workdir: Path, group: str, count: int) -> list[tuple[subprocess.Popen[bytes], str]]:
    import socket

    workers = []
    for i in range(count):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        props = {
            "bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"],
            "group.id": group,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "config.storage.topic": f"{group}-configs",
            "offset.storage.topic": f"{group}-offsets",
            "status.storage.topic": f"{group}-status",
            "config.storage.replication.factor": "-1",
            "offset.storage.replication.factor": "-1",
            "status.storage.replication.factor": "-1",
            "offset.flush.interval.ms": "1000",
            "listeners": f"http://127.0.0.1:{port}",
        }
        path = workdir / f"worker-{i + 1}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        log = open(workdir / f"worker-{i + 1}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "connectrt.cli", "distributed", str(path)],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        workers.append((proc, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 90
    for proc, url in workers:
        while True:
            if proc.poll() is not None:
                raise DevError(f"A connectrt worker exited during start-up; see its log in {workdir}.")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise DevError(f"The connectrt workers did not become healthy within 90 s; logs in {workdir}.")
            time.sleep(0.2)
    return workers


def _wait_running(url: str, name: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = httpx.get(f"{url}/connectors/{name}/status", timeout=5)
        if r.status_code == 200:
            status = r.json()
            tasks = status.get("tasks", [])
            if any(t["state"] == "FAILED" for t in tasks) or status["connector"]["state"] == "FAILED":
                trace = (tasks[0].get("trace") if tasks else None) or status["connector"].get("trace", "")
                raise DevError(f"The CDC connector failed: {str(trace).splitlines()[-1] if trace else 'no trace'}")
            if tasks and all(t["state"] == "RUNNING" for t in tasks):
                return status
        time.sleep(0.5)
    raise DevError(f"The CDC connector was not RUNNING within {timeout_s:.0f} s (last status: {status}).")


def live_view(bootstrap: str, duration_s: float, load: LoadGenerator, stop: threading.Event) -> dict[str, int]:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"demo-view-{os.getpid()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         # Topics appear as the connector first writes to them: notice them quickly.
                         "topic.metadata.refresh.interval.ms": 1000})
    consumer.subscribe(list(TOPICS))
    counts = dict.fromkeys(TOPICS, 0)
    sample: dict[str, Any] | None = None
    end = time.monotonic() + duration_s
    last_print = 0.0
    try:
        while time.monotonic() < end and not stop.is_set():
            for msg in consumer.consume(500, timeout=0.5):
                topic, value = msg.topic(), msg.value()
                if msg.error() or topic is None or topic not in counts:
                    continue
                counts[topic] += 1
                if value is not None and topic == "warehouse.orders":
                    sample = json.loads(value)
            if time.monotonic() - last_print >= 2:
                last_print = time.monotonic()
                line = "  ".join(f"{t}: {n}" for t, n in counts.items())
                print(f"   [{time.strftime('%H:%M:%S')}] {line}   (generated: {load.counts})", flush=True)
    finally:
        consumer.close()
    if sample is not None:
        payload = sample.get("payload", sample)
        print("\n== A sample event from warehouse.orders (Debezium envelope, JsonConverter):")
        print(json.dumps({k: payload.get(k) for k in ("op", "before", "after", "source", "ts_ms")}, indent=2,
                         default=str)[:3000])
    return counts


def run(settings: DevSettings, duration_s: float = 60, rate: float = 20, workers: int = 2) -> int:
    print("== Starting the dev services (Kafka, PostgreSQL, S3)", flush=True)
    result = services.up(settings, say=lambda line: print(f"   {line}", flush=True))
    env = result.env
    spec = local_config(env)
    name = spec["name"]
    group = f"connectrt-demo-{int(time.time())}"
    workdir = Path(tempfile.mkdtemp(prefix="connectrt-demo-"))
    procs: list[tuple[subprocess.Popen[bytes], str]] = []
    load = LoadGenerator(env, rate)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        print(f"\n== Creating database '{DATABASE}' with customers, products and orders", flush=True)
        prepare_database(env, spec["config"].get("slot.name", "debezium"))
        reset_topics(env["KAFKA_BOOTSTRAP_SERVERS"])
        print(f"\n== Starting {workers} connectrt workers (group {group}); logs in {workdir}", flush=True)
        procs = start_workers(env, workdir, group, workers)
        url = procs[-1][1]
        print(f"\n== Registering {CONFIG_FILE.name} through {url}/connectors/{name}/config", flush=True)
        r = httpx.put(f"{url}/connectors/{name}/config", json=spec["config"], timeout=60)
        if r.status_code >= 400:
            raise DevError(f"Registering the connector failed: {r.status_code} {r.text}")
        status = _wait_running(url, name)
        owners = sorted({t["worker_id"] for t in status["tasks"]} | {status["connector"]["worker_id"]})
        print(f"   {name} RUNNING on {', '.join(owners)}", flush=True)
        print(f"\n== Streaming changes at {rate:g}/s; watching {', '.join(TOPICS)} "
              f"({duration_s:g} s, Ctrl-C to stop)", flush=True)
        load.start()
        counts = live_view(env["KAFKA_BOOTSTRAP_SERVERS"], duration_s, load, stop)
        load.stop_event.set()
        load.join(5)
        total = sum(counts.values())
        print(f"\nDemo done: {total} events reached the warehouse topics ({counts}); generated {load.counts}.")
        if total == 0:
            raise DevError("No CDC events reached the warehouse topics; see the worker logs in " + str(workdir))
        httpx.delete(f"{url}/connectors/{name}", timeout=30)
        return 0
    finally:
        signal.signal(signal.SIGINT, previous)
        load.stop_event.set()
        for proc, _ in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop_slot(env, spec["config"].get("slot.name", "debezium"))
        if result.started:
            services.down(settings, only=result.started)
            print(f"Stopped the services this demo started: {', '.join(result.started)}.")


def _drop_slot(env: dict[str, str], slot: str) -> None:
    try:
        import psycopg

        with psycopg.connect(_admin_dsn(env, DATABASE), autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = %s AND NOT active", (slot,))
    except Exception:
        pass
