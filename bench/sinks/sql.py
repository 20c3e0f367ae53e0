"""SQL sink benchmark: Debezium change events already in Kafka → PostgreSQL (upsert, deletes on),
connectrt's SQL sink vs the Debezium JDBC sink 3.4.0.Final on Java Kafka Connect 4.2.1, same broker,
same database, same run; the physical limit (one COPY of the same final rows) and DuckDB alongside.

    .venv/bin/python bench/sinks/sql.py                      # 1,000,000 events, every side
    .venv/bin/python bench/sinks/sql.py --events 50000       # a small run
    .venv/bin/python bench/sinks/sql.py --only connectrt --profile /tmp/sql.txt   # + py-spy
    .venv/bin/python bench/sinks/sql.py --variant-prop consumer.max.partition.fetch.bytes=262144
        # + a second connectrt → PostgreSQL side with that worker property, in the same run

Both workers run standalone with the same worker properties (JsonConverter with schemas,
``offset.flush.interval.ms=1000``) and the same connector config (the Debezium JDBC sink's keys:
``insert.mode=upsert``, ``primary.key.mode=record_key``, ``delete.enabled=true``,
``schema.evolution=basic``; defaults otherwise, e.g. ``batch.size=500``), each into its own table.
A side is done when its consumer group has committed the topic's end offset; the table must then
equal the expected final state (checked with EXCEPT both ways against the COPY-loaded table).
No latency percentiles: the events are a backlog, so a record's latency is its position in it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/_common.py
sys.path.insert(0, str(HERE.parent / "cdc"))  # bench/cdc/debezium.py
sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    KAFKA_VERSION,
    PySpy,
    RssSampler,
    Worker,
    cpu_and_run_delay_s,
    ensure_java_connect,
    free_port,
    java_connect_standalone_argv,
    load_average,
    read_rss_kib,
    summarize_collapsed,
    table,
    write_properties,
)
from _sql_events import Row, final_state, produce  # noqa: E402
from debezium import ensure_debezium_plugin  # noqa: E402

JDBC_VERSION = "3.4.0.Final"
JDBC_CACHE = Path.home() / ".cache" / "connectrt" / "bench" / f"debezium-jdbc-{JDBC_VERSION}"
COLUMNS = "id, customer, amount, status, quantity, updated_at"


@dataclass
class Result:
    side: str
    records: int
    wall_s: float
    busy_s: float
    cpu_s: float
    waited_s: float
    peak_rss_mib: float
    ok: str
    idle_rss_mib: float = 0.0  # RSS when the worker first answered HTTP, before the connector's task ran

    @property
    def rate(self) -> float:
        return self.records / self.busy_s if self.busy_s > 0 else 0.0


def dev_env() -> dict[str, str]:
    from connectrt.dev import services
    from connectrt.dev.config import DevSettings

    running = services.load_running(DevSettings.from_env())
    if running is None:
        raise SystemExit("The dev services are not running: start them with `.venv/bin/connectrt dev up`.")
    return services.env_vars(running)


def pg_admin(env: dict[str, str], db: str) -> str:
    return (
        f"host={env['CONNECTRT_PG_HOST']} port={env['CONNECTRT_PG_PORT']} user={env['CONNECTRT_PG_USER']} "
        f"password={env['CONNECTRT_PG_PASSWORD']} dbname={db}"
    )


def ensure_warehouse(env: dict[str, str]) -> str:
    import psycopg

    with psycopg.connect(pg_admin(env, env["CONNECTRT_PG_DATABASE"]), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'warehouse'").fetchone() is None:
            conn.execute("CREATE DATABASE warehouse")
    return pg_admin(env, "warehouse")


def topic_records(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-sql-probe"})
    try:
        if topic not in c.list_topics(timeout=10).topics:
            return -1
        deadline = time.monotonic() + 60
        while True:
            try:
                low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
                return int(high - low)
            except KafkaException:  # e.g. NOT_LEADER_FOR_PARTITION: a broker just started has no leader yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    finally:
        c.close()


def prepare_topic(bootstrap: str, n: int, seed: int, recreate: bool) -> tuple[str, int, dict[int, Row]]:
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench-sql-events-{n}-s{seed}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    have = topic_records(bootstrap, topic)
    if have > 0 and not recreate:
        print(f"reusing topic {topic} ({have:,} records); computing the expected final state ...", flush=True)
        return topic, have, final_state(n, seed)
    if have >= 0:
        admin.delete_topics([topic])[topic].result(60)
        time.sleep(2)
    admin.create_topics([NewTopic(topic, 1, -1, config={"retention.ms": "-1", "retention.bytes": "-1"})])[
        topic
    ].result(60)
    print(f"producing {n:,} change events into {topic} ...", flush=True)
    count, state, secs = produce(bootstrap, topic, n, seed)
    print(f"   {count:,} records (events + tombstones) in {secs:.1f} s", flush=True)
    return topic, count, state


def load_with_copy(dsn: str, state: dict[int, Row]) -> tuple[str, float]:
    """The physical limit: the final rows loaded into a fresh table with one COPY (and its commit)."""
    import datetime as dt
    import decimal

    import psycopg

    name = f"bench_copy_{int(time.time())}"
    epoch = dt.datetime(1970, 1, 1)
    rows = [
        (r[0], r[1], decimal.Decimal(r[2]).scaleb(-2), r[3], r[4], epoch + dt.timedelta(microseconds=r[5]))
        for r in state.values()
    ]
    with psycopg.connect(dsn) as conn:
        conn.execute(
            f"CREATE TABLE {name} (id int PRIMARY KEY, customer text, amount numeric(12,2), status text, "
            "quantity int, updated_at timestamp(6))"
        )
        conn.commit()
        started = time.monotonic()
        with conn.cursor() as cur, cur.copy(f"COPY {name} ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return name, time.monotonic() - started


def jdbc_plugin_path() -> Path:
    """The Debezium JDBC sink as a plugin dir, without the Jackson jars Connect's runtime provides: the
    plugin's own jackson-databind, loaded child-first, cannot see the runtime's Blackbird module and
    Hibernate fails to start (Debezium's tarball does not ship them either)."""
    plugins = ensure_debezium_plugin(JDBC_CACHE, JDBC_VERSION, "debezium-connector-jdbc")
    runtime = {p.name.rsplit("-", 1)[0] for p in (ensure_java_connect() / "lib").glob("jackson-*.jar")}
    for jar in (plugins / "debezium-connector-jdbc").glob("jackson-*.jar"):
        if jar.name.rsplit("-", 1)[0] in runtime:
            jar.unlink()
    return plugins


def sink_config(name: str, topic: str, url: str, env: dict[str, str] | None, target: str) -> dict[str, str]:
    config = {
        "name": name,
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "tasks.max": "1",
        "topics": topic,
        "connection.url": url,
        "insert.mode": "upsert",
        "primary.key.mode": "record_key",
        "delete.enabled": "true",
        "schema.evolution": "basic",
        "collection.name.format": target,
    }
    if env is not None:
        config["connection.username"] = env["CONNECTRT_PG_USER"]
        config["connection.password"] = env["CONNECTRT_PG_PASSWORD"]
    return config


def committed(bootstrap: str, group: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        [tp] = c.committed([TopicPartition(topic, 0)], timeout=10)
        return int(tp.offset) if tp.offset >= 0 else 0
    finally:
        c.close()


def run_side(
    side: str,
    args: argparse.Namespace,
    env: dict[str, str],
    topic: str,
    records: int,
    end: int,
    url: str,
    target: str,
    workdir: Path,
) -> tuple[Result, Worker]:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    name = f"bench-sql-{side}-{int(time.time())}"
    port = free_port()
    props = {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.storage.file.filename": str(workdir / f"{name}.offsets"),
        "offset.flush.interval.ms": "1000",
        "listeners": f"http://127.0.0.1:{port}",
    }
    if side != "java":
        props.update(args.connectrt_props)
    if side == "variant":
        props.update(args.variant_props)
    connector = sink_config(name, topic, url, None if url.startswith("jdbc:duckdb") else env, target)
    if side == "java":
        props["plugin.path"] = str(jdbc_plugin_path())
        props["plugin.discovery"] = "service_load"
        conn_file = write_properties(workdir / f"{name}.properties", connector)
        argv = java_connect_standalone_argv(
            ensure_java_connect(), [write_properties(workdir / f"{name}-worker.properties", props), conn_file]
        )
    else:
        conn_file = workdir / f"{name}.json"
        conn_file.write_text(json.dumps({"name": name, "config": connector}))
        argv = [
            sys.executable,
            "-m",
            "connectrt.cli",
            "standalone",
            str(write_properties(workdir / f"{name}-worker.properties", props)),
            str(conn_file),
        ]
    worker = Worker(side, argv, workdir / f"{name}.log", workdir)
    print(f"-- {side}: {records:,} records into {target} ({url.split('?')[0]})", flush=True)
    worker.start()
    rss = RssSampler(worker.pid).start()
    spy = (
        PySpy(worker.pid, Path(args.profile), workdir / "py-spy.log")
        if args.profile and side != "java"
        else None
    )
    group = f"connect-{name}"
    first = None
    checked = 0.0
    deadline = time.monotonic() + args.timeout
    cpu = waited = 0.0
    try:
        worker.wait_healthy(f"http://127.0.0.1:{port}/", 180)
        idle_kib = read_rss_kib(worker.pid)[0]
        if spy is not None:
            spy.start()
        while time.monotonic() < deadline:
            if not worker.alive():
                raise RuntimeError(f"{side} worker exited:\n{worker.tail()}")
            offset = committed(bootstrap, group, topic)
            now = time.monotonic()
            if first is None or now - checked > 5:
                checked = now
                failed = task_failure(port, name)
                if failed:
                    raise RuntimeError(f"{side}: the sink task FAILED: {failed}")
            if offset > 0 and first is None:
                first = (now, offset)
            if offset >= end:
                break
            cpu, waited = cpu_and_run_delay_s(worker.pid)
            time.sleep(0.25)
        else:
            raise RuntimeError(f"{side} did not finish within {args.timeout} s:\n{worker.tail()}")
        done = time.monotonic()
        cpu, waited = cpu_and_run_delay_s(worker.pid)
    except BaseException:
        worker.stop()
        raise
    finally:
        if spy is not None:
            spy.stop()
        peak = rss.stop()
    wall = done - worker.started_at
    assert first is not None
    # Throughput from the first commit on, scaled to all records (first commit at 1 s granularity).
    busy = (done - first[0]) * records / max(1, records - first[1]) if records > first[1] else wall
    return Result(side, records, wall, busy, cpu, waited, peak / 1024, "?", idle_kib / 1024), worker


def task_failure(port: int, name: str) -> str | None:
    """The last line of a FAILED task's trace, or None."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/connectors/{name}/status", timeout=5) as r:
            status = json.loads(r.read())
    except (OSError, ValueError):
        return None
    for t in status.get("tasks", []):
        if t.get("state") == "FAILED":
            return str(t.get("trace", "")).strip().splitlines()[-1:][0] if t.get("trace") else "no trace"
    return None


def compare_tables(dsn: str, a: str, b: str) -> str:
    import psycopg

    with psycopg.connect(dsn) as conn:
        n = conn.execute(f"SELECT count(*) FROM {b}").fetchone()
        diff = conn.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {COLUMNS} FROM {a} EXCEPT SELECT {COLUMNS} FROM "
            f"{b}) x) + (SELECT count(*) FROM (SELECT {COLUMNS} FROM {b} EXCEPT SELECT {COLUMNS} "
            f"FROM {a}) y)"
        ).fetchone()
    assert n is not None and diff is not None
    return "equal" if diff[0] == 0 else f"DIFFERS ({diff[0]} rows; {n[0]} rows)"


def drop_tables(dsn: str, names: list[str]) -> None:
    """The run's tables (up to 350,125 rows each) are not left behind in the shared warehouse database."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP TABLE IF EXISTS {name}")


def compare_duckdb(path: Path, table_: str, state: dict[int, Row]) -> str:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            f"SELECT id, customer, CAST(amount * 100 AS BIGINT), status, quantity, "
            f"epoch_us(updated_at) FROM {table_}"
        ).fetchall()
    finally:
        con.close()
    got = {r[0]: tuple(r) for r in rows}
    return "equal" if got == state else f"DIFFERS ({len(got)} rows, {len(state)} expected)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--only",
        choices=("connectrt", "java", "duckdb", "variant"),
        action="append",
        help="run only these sides (repeatable); default: all",
    )
    ap.add_argument(
        "--recreate", action="store_true", help="produce the events again even if the topic exists"
    )
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--profile", help="py-spy collapsed stacks of the connectrt worker into this file")
    ap.add_argument(
        "--connectrt-prop",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra worker property for the connectrt sides (repeatable), e.g. "
        "consumer.queued.max.messages.kbytes=65536 to compare consumer settings",
    )
    ap.add_argument(
        "--keep-tables",
        action="store_true",
        help="keep the PostgreSQL tables written (dropped after they were checked, by default)",
    )
    ap.add_argument(
        "--variant-prop",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="run connectrt → PostgreSQL a second time with this worker property added (repeatable), "
        "e.g. consumer.max.partition.fetch.bytes=262144, to weigh a runtime setting in the same run",
    )
    args = ap.parse_args()
    args.connectrt_props = dict(p.split("=", 1) for p in args.connectrt_prop)
    args.variant_props = dict(p.split("=", 1) for p in args.variant_prop)
    sides = args.only or ["connectrt", "java", "duckdb"] + (["variant"] if args.variant_props else [])
    if "variant" in sides and not args.variant_props:
        ap.error("the variant side needs at least one --variant-prop KEY=VALUE")
    env = dev_env()
    dsn = ensure_warehouse(env)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    topic, records, state = prepare_topic(bootstrap, args.events, args.seed, args.recreate)
    end = records
    url = f"jdbc:postgresql://{env['CONNECTRT_PG_HOST']}:{env['CONNECTRT_PG_PORT']}/warehouse"
    print(f"load average before: {load_average()}", flush=True)
    copy_table, copy_s = load_with_copy(dsn, state)
    print(
        f"-- COPY of the {len(state):,} final rows: {copy_s:.2f} s ({len(state) / copy_s:,.0f} rows/s)",
        flush=True,
    )
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-sql-"))
    stamp = int(time.time())
    for side in sides:
        if side == "duckdb":
            path = workdir / "bench.duckdb"
            result, worker = run_side(
                "connectrt", args, env, topic, records, end, f"jdbc:duckdb:{path}", "bench_orders", workdir
            )
            worker.stop()
            result.side, result.ok = "connectrt → DuckDB", compare_duckdb(path, "bench_orders", state)
        else:
            target = f"bench_sink_{side}_{stamp}"
            result, worker = run_side(side, args, env, topic, records, end, url, target, workdir)
            worker.stop()
            result.side = {
                "connectrt": "connectrt → PostgreSQL",
                "java": f"Debezium JDBC {JDBC_VERSION} → PostgreSQL",
                "variant": "connectrt → PostgreSQL, variant",
            }[side]
            result.ok = compare_tables(dsn, copy_table, target)
            if not args.keep_tables:
                drop_tables(dsn, [target])
        results.append(result)
        print(
            f"   {result.side}: {result.rate:,.0f} records/s, {result.cpu_s:.1f} s CPU, "
            f"{result.peak_rss_mib:.0f} MiB peak RSS, table {result.ok}",
            flush=True,
        )
    print(
        f"\nSQL sink, {records:,} records ({args.events:,} change events + tombstones) of a 6-column table, "
        f"{len(state):,} final rows; Kafka {KAFKA_VERSION} (dev), PostgreSQL (dev); load average after: "
        f"{load_average()}\n"
    )
    print(
        table(
            [
                "",
                "records/s",
                "wall s",
                "CPU s",
                "CPU µs/record",
                "waiting for CPU s",
                "peak RSS MiB",
                "RSS at start MiB",
                "x COPY time",
                "table",
            ],
            [
                [
                    r.side,
                    f"{r.rate:,.0f}",
                    f"{r.wall_s:.1f}",
                    f"{r.cpu_s:.1f}",
                    f"{r.cpu_s / r.records * 1e6:.1f}",
                    f"{r.waited_s:.1f}",
                    f"{r.peak_rss_mib:.0f}",
                    f"{r.idle_rss_mib:.0f}",
                    f"{r.busy_s / copy_s:.1f}",
                    r.ok,
                ]
                for r in results
            ]
            + [
                [
                    "one COPY of the final rows",
                    f"{len(state) / copy_s:,.0f} rows",
                    f"{copy_s:.1f}",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "1.0",
                    "-",
                ]
            ],
        )
    )
    if args.connectrt_props:
        print(f"connectrt worker properties added: {args.connectrt_props}")
    if "variant" in sides:
        print(f"variant: connectrt → PostgreSQL with the worker properties {args.variant_props} added")
    java = next((r for r in results if r.side.startswith("Debezium")), None)
    for py in (r for r in results if r.side.startswith("connectrt → PostgreSQL")):
        if java is None:
            break
        speed, mem = py.rate / java.rate, py.peak_rss_mib / java.peak_rss_mib
        print(
            f"\n{py.side} / Debezium: records/s {speed:.2f}x (target >= 2x: {'PASS' if speed >= 2 else 'MISS'}); "
            f"peak RSS {mem:.2f}x (target <= 0.33x: {'PASS' if mem <= 1 / 3 else 'MISS'}); CPU per record "
            f"{(py.cpu_s / py.records) / (java.cpu_s / java.records):.2f}x"
        )
    if args.profile and Path(args.profile).exists():
        print("\n" + summarize_collapsed(Path(args.profile)))
    if not args.keep_tables:
        drop_tables(dsn, [copy_table])
    print(f"\nlogs in {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
