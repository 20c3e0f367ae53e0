"""``connectrt demo``: the CDC demo. PostgreSQL → Debezium-compatible CDC source → RegexRouter →
``warehouse.*`` topics → JDBC-compatible SQL sink → a warehouse (an embedded DuckDB file by
default, or the dev PostgreSQL's ``warehouse`` database), on a 2-worker distributed cluster.

It brings up Kafka and PostgreSQL, creates the ``production`` database with ``orders``,
``customers`` and ``products``, starts two ``connectrt distributed`` workers, registers
``compose/postgres-cdc-source.json`` and ``compose/warehouse-sink.json`` (the configs users already
have, with only hosts, URL and credentials changed) through the REST API, streams inserts, updates
and deletes, and shows per table the source rows, the events in the topic and the warehouse rows
until Ctrl-C or ``--duration`` seconds. Then it drains (waits until the sink has written every event
the source produced, up to a marker change made after the generator stopped), compares every
warehouse table with its source table row by row, removes the connectors and the replication slot,
stops what it started, and leaves the warehouse for the user to query.
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

COMPOSE = Path(__file__).resolve().parents[2] / "compose"
CONFIG_FILE = COMPOSE / "postgres-cdc-source.json"
SINK_FILE = COMPOSE / "warehouse-sink.json"
DATABASE = "production"
WAREHOUSE_DB = "warehouse"
TABLES = ("orders", "customers", "products")
TOPICS = tuple(f"warehouse.{t}" for t in TABLES)

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS products (
    id serial PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id serial PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
    status text NOT NULL DEFAULT 'new', ordered_at timestamptz DEFAULT now());
"""
COLUMNS = {
    "customers": "id, name, email, created_at",
    "products": "id, sku, title, price",
    "orders": "id, customer_id, product_id, quantity, status, ordered_at",
}


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise DevError(f"Cannot read the demo connector config {path}: {e}.")
    return data


def load_config() -> dict[str, Any]:
    return _read(CONFIG_FILE)


def local_config(env: dict[str, str]) -> dict[str, Any]:
    """The shared source config with this machine's host and credentials (nothing else changes)."""
    data = load_config()
    config = dict(data["config"])
    config.update({
        "database.hostname": env["CONNECTRT_PG_HOST"],
        "database.port": env["CONNECTRT_PG_PORT"],
        "database.user": env["CONNECTRT_PG_USER"],
        "database.password": env["CONNECTRT_PG_PASSWORD"],
    })
    return {"name": data["name"], "config": config}


def warehouse_url(env: dict[str, str], warehouse: str | None, duckdb_file: Path) -> str:
    """The sink's ``connection.url``: a DuckDB file (default), the dev PostgreSQL's warehouse database
    (``postgresql``), or any JDBC / SQLAlchemy URL the user gives."""
    if not warehouse or warehouse == "duckdb":
        return f"jdbc:duckdb:{duckdb_file}"
    if warehouse in ("postgresql", "postgres"):
        return f"jdbc:postgresql://{env['CONNECTRT_PG_HOST']}:{env['CONNECTRT_PG_PORT']}/{WAREHOUSE_DB}"
    return warehouse


def local_sink_config(env: dict[str, str], url: str) -> dict[str, Any]:
    """The shared sink config with this machine's warehouse URL and credentials (nothing else changes)."""
    data = _read(SINK_FILE)
    config = dict(data["config"])
    config["connection.url"] = url
    if url.startswith("jdbc:postgresql://") and f":{env['CONNECTRT_PG_PORT']}/" in url:
        config["connection.username"] = env["CONNECTRT_PG_USER"]
        config["connection.password"] = env["CONNECTRT_PG_PASSWORD"]
    elif not url.startswith("jdbc:postgresql"):
        config.pop("connection.username", None)
        config.pop("connection.password", None)
    return {"name": data["name"], "config": config}


def _admin_dsn(env: dict[str, str], db: str) -> str:
    return (f"host={env['CONNECTRT_PG_HOST']} port={env['CONNECTRT_PG_PORT']} user={env['CONNECTRT_PG_USER']} "
            f"password={env['CONNECTRT_PG_PASSWORD']} dbname={db}")


def prepare_database(env: dict[str, str], slot: str, dev_warehouse: bool) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(env, env["CONNECTRT_PG_DATABASE"]), autocommit=True) as conn:
        for db in (DATABASE, WAREHOUSE_DB) if dev_warehouse else (DATABASE,):
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {db}")
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name = %s AND NOT active", (slot,))
    with psycopg.connect(_admin_dsn(env, DATABASE), autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("TRUNCATE orders, customers, products RESTART IDENTITY")
        conn.execute("INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com' "
                     "FROM generate_series(1, 20) i")
        conn.execute("INSERT INTO products (sku, title, price) SELECT 'SKU-' || i, 'product ' || i, i * 1.25 "
                     "FROM generate_series(1, 10) i")
    if dev_warehouse:  # a fresh warehouse: this run's tables only
        with psycopg.connect(_admin_dsn(env, WAREHOUSE_DB), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES))


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


def marker_change(env: dict[str, str]) -> int:
    """A no-op update made after the generator stopped; its transaction id marks the end of the stream."""
    import psycopg

    with psycopg.connect(_admin_dsn(env, DATABASE)) as conn:
        txid = conn.execute("SELECT txid_current()").fetchone()
        conn.execute("UPDATE products SET price = price WHERE id = 1")
        conn.commit()
    assert txid is not None
    return int(txid[0])


def reset_topics(bootstrap: str, sink_group: str) -> None:
    """Delete the warehouse topics and the sink's consumer group of an earlier run."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = [t for t in TOPICS if t in admin.list_topics(timeout=10).topics]
    for fut in (admin.delete_topics(existing, operation_timeout=30).values() if existing else ()):
        fut.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(t in admin.list_topics(timeout=10).topics for t in existing):
        time.sleep(0.2)
    try:
        for fut in admin.delete_consumer_groups([sink_group], request_timeout=10).values():
            fut.result(10)
    except Exception:
        pass  # no such group: a first run
    # Created up front so the sink's subscription sees all three at once (orders has no snapshot rows,
    # and a consumer notices a topic created after it subscribed only at its next metadata refresh).
    from confluent_kafka.admin import NewTopic

    for attempt in range(20):
        futures = admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=-1) for t in TOPICS])
        try:
            for fut in futures.values():
                fut.result(30)
            return
        except Exception as e:
            if "already exists" in str(e) or "marked for deletion" not in str(e) or attempt == 19:
                if "already exists" in str(e):
                    return
                raise DevError(f"Cannot create the warehouse topics: {e}")
            time.sleep(0.5)


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
                trace = next((t.get("trace") for t in tasks if t.get("trace")), None) or status["connector"].get(
                    "trace", "")
                raise DevError(f"The connector {name} failed: {str(trace).splitlines()[-1] if trace else 'no trace'}")
            if tasks and all(t["state"] == "RUNNING" for t in tasks):
                return status
        time.sleep(0.5)
    raise DevError(f"The connector {name} was not RUNNING within {timeout_s:.0f} s (last status: {status}).")


def _register(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    r = httpx.put(f"{url}/connectors/{spec['name']}/config", json=spec["config"], timeout=60)
    if r.status_code >= 400:
        raise DevError(f"Registering the connector {spec['name']} failed: {r.status_code} {r.text}")
    return _wait_running(url, spec["name"])


class TopicCounter:
    """Counts the events in the warehouse topics, each offset once (a consumer rebalance when a new
    topic appears re-reads partitions from the start; those re-reads are not new events)."""

    def __init__(self, bootstrap: str) -> None:
        from confluent_kafka import Consumer

        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"demo-view-{os.getpid()}",
                                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                                  "topic.metadata.refresh.interval.ms": 1000})
        self.consumer.subscribe(list(TOPICS))
        self.next_offset: dict[tuple[str, int], int] = {}
        self.counts = dict.fromkeys(TOPICS, 0)
        self.sample: dict[str, Any] | None = None
        self.txids: set[int] = set()

    def poll(self, timeout: float = 0.5) -> None:
        for msg in self.consumer.consume(500, timeout=timeout):
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            if msg.error() or topic not in self.counts or partition is None or offset is None:
                continue
            tp = (topic, partition)
            if offset < self.next_offset.get(tp, 0):
                continue
            self.next_offset[tp] = offset + 1
            self.counts[topic] += 1
            value = msg.value()
            if value is not None:
                event = json.loads(value)
                payload = event.get("payload", event)
                self.txids.add(int((payload.get("source") or {}).get("txId") or 0))
                if topic == "warehouse.orders":
                    self.sample = payload

    def close(self) -> None:
        self.consumer.close()


class Warehouse:
    """Row counts and rows of the warehouse tables: read directly (PostgreSQL), or, for a DuckDB file
    the sink task holds open, counted by the task itself (its metrics) until the sink is removed."""

    def __init__(self, url: str, env: dict[str, str], duckdb_file: Path) -> None:
        self.url = url
        self.env = env
        self.duckdb_file = duckdb_file if url == f"jdbc:duckdb:{duckdb_file}" else None

    def counts(self, rest_url: str, sink: str) -> dict[str, int | None]:
        if self.duckdb_file is None and self.url.startswith(("jdbc:postgresql", "postgres")):
            out: dict[str, int | None] = {}
            for table, rows in self.rows().items():
                out[table] = None if rows is None else len(rows)
            return out
        counted: dict[str, int] = {}
        try:
            r = httpx.get(f"{rest_url}/connectors/{sink}/tasks/0/metrics", timeout=5)
            if r.status_code == 200:
                counted = (r.json().get("metrics") or {}).get("table_rows") or {}
        except (httpx.HTTPError, ValueError):
            pass
        return {t: counted.get(t) for t in TABLES}

    def rows(self) -> dict[str, list[tuple[Any, ...]] | None]:
        if self.duckdb_file is not None:
            import duckdb

            con = duckdb.connect(str(self.duckdb_file), read_only=True)
            try:
                return {t: _rows_or_none(con, t) for t in TABLES}
            finally:
                con.close()
        import psycopg

        if self.url.startswith("jdbc:postgresql"):
            dsn = _admin_dsn(self.env, WAREHOUSE_DB)
        elif self.url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            dsn = self.url.replace("+psycopg", "", 1)
        else:
            return dict.fromkeys(TABLES)  # another database: the demo does not read it
        with psycopg.connect(dsn) as conn:
            return {t: _rows_or_none(conn, t) for t in TABLES}


def _rows_or_none(conn: Any, table: str) -> list[tuple[Any, ...]] | None:
    try:
        return [tuple(r) for r in conn.execute(f"SELECT {COLUMNS[table]} FROM {table} ORDER BY id").fetchall()]
    except Exception:
        try:
            conn.rollback()
        except Exception:
            pass
        return None


def source_rows(env: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    import psycopg

    with psycopg.connect(_admin_dsn(env, DATABASE)) as conn:
        return {t: [tuple(r) for r in conn.execute(f"SELECT {COLUMNS[t]} FROM {t} ORDER BY id").fetchall()]
                for t in TABLES}


def _line(counter: TopicCounter, source: dict[str, int], warehouse: dict[str, int | None]) -> str:
    parts = []
    for t in TABLES:
        w = warehouse.get(t)
        parts.append(f"{t} {source.get(t, 0):,}/{counter.counts[f'warehouse.{t}']:,}/{'-' if w is None else f'{w:,}'}")
    return "  ".join(parts)


def _source_counts(env: dict[str, str]) -> dict[str, int]:
    return {t: len(r) for t, r in source_rows(env).items()}


def sink_caught_up(bootstrap: str, group: str) -> bool:
    """The sink's committed offsets have reached the end of every warehouse topic partition."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        meta = c.list_topics(timeout=10).topics
        parts = [TopicPartition(t, p) for t in TOPICS if t in meta for p in meta[t].partitions]
        committed = {(tp.topic, tp.partition): tp.offset for tp in c.committed(parts, timeout=10)}
        for tp in parts:
            _low, high = c.get_watermark_offsets(tp, timeout=10)
            if committed.get((tp.topic, tp.partition), -1) < high:
                return False
        return True
    finally:
        c.close()


def compare(source: dict[str, list[tuple[Any, ...]]], warehouse: dict[str, list[tuple[Any, ...]] | None]) -> list[str]:
    """One line per table; a table that differs says how."""
    lines = []
    for t in TABLES:
        want, got = source[t], warehouse.get(t)
        if got is None:
            lines.append(f"   {t:<10} MISSING in the warehouse")
            continue
        if got == want:
            lines.append(f"   {t:<10} {len(want):>6,} rows, identical to the source table")
            continue
        want_by_id, got_by_id = {r[0]: r for r in want}, {r[0]: r for r in got}
        missing = sorted(set(want_by_id) - set(got_by_id))
        extra = sorted(set(got_by_id) - set(want_by_id))
        changed = sorted(k for k in set(want_by_id) & set(got_by_id) if want_by_id[k] != got_by_id[k])
        lines.append(f"   {t:<10} DIFFERS: {len(want):,} source rows, {len(got):,} warehouse rows; missing ids "
                     f"{missing[:5]}, extra ids {extra[:5]}, changed ids {changed[:5]}")
    return lines


def run(settings: DevSettings, duration_s: float = 60, rate: float = 20, workers: int = 2,
        warehouse: str | None = None, duckdb_file: Path | None = None) -> int:
    print("== Starting the dev services (Kafka, PostgreSQL)", flush=True)
    result = services.up(settings, kinds=("kafka", "postgres"), say=lambda line: print(f"   {line}", flush=True))
    env = result.env
    spec = local_config(env)
    duckdb_file = duckdb_file or settings.cache_dir / "demo" / "warehouse.duckdb"
    url = warehouse_url(env, warehouse, duckdb_file)
    sink = local_sink_config(env, url)
    sink_group = f"connect-{sink['name']}"
    group = f"connectrt-demo-{int(time.time())}"
    workdir = Path(tempfile.mkdtemp(prefix="connectrt-demo-"))
    procs: list[tuple[subprocess.Popen[bytes], str]] = []
    load = LoadGenerator(env, rate)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    slot = spec["config"].get("slot.name", "debezium")
    rest = ""
    try:
        print(f"\n== Creating database '{DATABASE}' with customers, products and orders", flush=True)
        prepare_database(env, slot, dev_warehouse=url.startswith("jdbc:postgresql") and warehouse in (
            "postgresql", "postgres"))
        if url == f"jdbc:duckdb:{duckdb_file}":
            duckdb_file.parent.mkdir(parents=True, exist_ok=True)
            for stale in (duckdb_file, duckdb_file.with_name(duckdb_file.name + ".wal")):
                stale.unlink(missing_ok=True)
        reset_topics(env["KAFKA_BOOTSTRAP_SERVERS"], sink_group)
        print(f"\n== Starting {workers} connectrt workers (group {group}); logs in {workdir}", flush=True)
        procs = start_workers(env, workdir, group, workers)
        rest = procs[-1][1]
        print(f"\n== Registering {CONFIG_FILE.name} and {SINK_FILE.name} through {rest}", flush=True)
        status = _register(rest, spec)
        print(f"   {spec['name']} RUNNING on {status['tasks'][0]['worker_id']}", flush=True)
        status = _register(rest, sink)
        print(f"   {sink['name']} RUNNING on {status['tasks'][0]['worker_id']}, writing to "
              f"{_display(url)}", flush=True)
        wh = Warehouse(url, env, duckdb_file)
        counter = TopicCounter(env["KAFKA_BOOTSTRAP_SERVERS"])
        print(f"\n== Streaming changes at {rate:g}/s ({duration_s:g} s, Ctrl-C to stop); per table: "
              "source rows / topic events / warehouse rows", flush=True)
        load.start()
        try:
            end, last = time.monotonic() + duration_s, 0.0
            while time.monotonic() < end and not stop.is_set():
                counter.poll()
                if time.monotonic() - last >= 2:
                    last = time.monotonic()
                    line = _line(counter, _source_counts(env), wh.counts(rest, sink["name"]))
                    print(f"   [{time.strftime('%H:%M:%S')}] {line}", flush=True)
            load.stop_event.set()
            load.join(5)
            print(f"\n== Generator stopped ({load.counts}); draining: waiting for every change to reach the "
                  "warehouse", flush=True)
            drained = _drain(env, counter, wh, rest, sink["name"], sink_group)
        finally:
            counter.close()
        httpx.delete(f"{rest}/connectors/{sink['name']}", timeout=30)  # releases an embedded warehouse file
        httpx.delete(f"{rest}/connectors/{spec['name']}", timeout=30)
        if counter.sample is not None:
            print("\n== A sample event from warehouse.orders (Debezium envelope, JsonConverter):")
            print(json.dumps({k: counter.sample.get(k) for k in ("op", "before", "after", "source")}, indent=2,
                             default=str)[:2000])
        events = sum(counter.counts.values())
        print(f"\n== {events:,} events reached the warehouse topics "
              f"({', '.join(f'{t}: {n:,}' for t, n in counter.counts.items())}); generated {load.counts}")
        if events == 0:
            raise DevError("No CDC events reached the warehouse topics; see the worker logs in " + str(workdir))
        lines = compare(source_rows(env), _final_rows(wh))
        print(f"\n== The warehouse ({_display(url)}) compared with the source, row by row:")
        print("\n".join(lines))
        ok = drained and all("identical" in line for line in lines)
        if wh.duckdb_file is not None:
            print("\nThe warehouse stays in the DuckDB file; query it with:\n"
                  f"   .venv/bin/python -c \"import duckdb; duckdb.connect('{duckdb_file}', read_only=True)"
                  ".sql('SELECT * FROM orders ORDER BY id DESC LIMIT 10').show()\"")
        if not ok:
            raise DevError(f"The warehouse does not match the source; see the worker logs in {workdir}.")
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
        _drop_slot(env, slot)
        if result.started:
            services.down(settings, only=result.started)
            print(f"Stopped the services this demo started: {', '.join(result.started)}.")


def _display(url: str) -> str:
    return url.split("?", 1)[0]


def _drain(env: dict[str, str], counter: TopicCounter, wh: Warehouse, rest: str, sink: str, group: str,
           timeout_s: float = 120) -> bool:
    """Wait until the marker change made after the generator stopped is in the topics and the sink has
    committed every topic's end offset (everything before it is then written)."""
    txid = marker_change(env)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    deadline = time.monotonic() + timeout_s
    last = 0.0
    while time.monotonic() < deadline:
        counter.poll()
        if txid in counter.txids and sink_caught_up(bootstrap, group):
            print(f"   drained: {_line(counter, _source_counts(env), wh.counts(rest, sink))}", flush=True)
            return True
        if time.monotonic() - last >= 2:
            last = time.monotonic()
            print(f"   [{time.strftime('%H:%M:%S')}] {_line(counter, _source_counts(env), wh.counts(rest, sink))}",
                  flush=True)
    print(f"   not drained within {timeout_s:.0f} s", flush=True)
    return False


def _final_rows(wh: Warehouse, timeout_s: float = 30) -> dict[str, list[tuple[Any, ...]] | None]:
    """The warehouse rows; a DuckDB file is readable once the removed sink task has closed it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return wh.rows()
        except Exception as e:
            if time.monotonic() > deadline:
                raise DevError(f"Cannot read the warehouse: {e}")
            time.sleep(0.5)


def _drop_slot(env: dict[str, str], slot: str) -> None:
    try:
        import psycopg

        with psycopg.connect(_admin_dsn(env, DATABASE), autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = %s AND NOT active", (slot,))
    except Exception:
        pass
