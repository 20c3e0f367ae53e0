"""Distributed mode: failover, join rebalance, REST latency and memory of connectrt worker clusters.

On the dev broker, with worker processes of ``connectrt distributed`` (Java's default group timings:
``session.timeout.ms=10000``, ``heartbeat.interval.ms=3000``), it measures:

1. kill -9 failover: 3 workers, 2 MonitorableSource connectors of 4 tasks; ``kill -9`` of one worker
   (it does not come back) until every connector and task is RUNNING on the survivors, with
   ``scheduled.rebalance.max.delay.ms=0`` and with 10 s. The group notices the death only after
   the session timeout, so that is the floor.
2. Memory: 3 workers with 10 MonitorableSource connectors of 4 tasks (1 record/s per task): peak
   RSS of each worker process (``/proc/<pid>/status`` VmRSS and VmHWM, sampled every 0.2 s) from
   spawn through 20 s of steady running.
3. REST latency on that cluster, open loop at a steady rate (default 50 requests/s for 20 s, from a
   pool of threads so slow answers do not lower the rate; loopback only): ``GET
   /connectors/{c}/status`` sent to one worker, and ``PUT /connectors/{c}/config`` sent to a
   follower, which forwards it to the leader (same config each time: Java semantics, each write
   restarts that connector's instance); then the same PUT one at a time on a new connection each,
   to the leader and to a follower, for the cost of the forwarding hop alone.
4. Join rebalance: a 4th worker joins the loaded cluster; time from its spawn (and from its first
   ``GET /health`` 200) until its 11 connectors and 41 tasks are RUNNING and balanced (per worker,
   max - min <= 1 for connectors and for tasks).

Run: .venv/bin/python bench/distributed.py [--rate 50] [--seconds 20] [--bootstrap host:port]
(dev services first: .venv/bin/connectrt dev up). Prints figures; gates nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import RssSampler, Worker, free_port, load_average, table, write_properties

from connectrt.kafka.clients import make_admin
from connectrt.kafka.topics import TopicAdmin, TopicSpec

MONITORABLE = "org.apache.kafka.connect.integration.MonitorableSourceConnector"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"


# --- a cluster of worker processes --------------------------------------------------------------


@dataclass
class Node:
    worker: Worker
    url: str
    spawned: float
    rss: RssSampler

    @property
    def worker_id(self) -> str:
        return self.url.split("://", 1)[1]

    def alive(self) -> bool:
        return self.worker.alive()


@dataclass
class Cluster:
    bootstrap: str
    group: str
    workdir: Path
    overrides: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)

    def props(self) -> dict[str, str]:
        return {
            "bootstrap.servers": self.bootstrap,
            "group.id": self.group,
            "key.converter": JSON_CONVERTER,
            "value.converter": JSON_CONVERTER,
            "config.storage.topic": f"{self.group}-configs",
            "offset.storage.topic": f"{self.group}-offsets",
            "status.storage.topic": f"{self.group}-status",
            "config.storage.replication.factor": "1",
            "offset.storage.replication.factor": "1",
            "status.storage.replication.factor": "1",
            "offset.storage.partitions": "5",
            "status.storage.partitions": "2",
            "offset.flush.interval.ms": "5000",
            **self.overrides,
        }

    def spawn(self) -> Node:
        port = free_port()
        props = {"listeners": f"http://127.0.0.1:{port}", **self.props()}
        path = write_properties(self.workdir / f"worker-{port}.properties", props)
        env = dict(os.environ, CONNECTRT_LOG_LEVEL="INFO")
        worker = Worker(
            f"worker-{port}",
            [sys.executable, "-m", "connectrt.cli", "distributed", str(path)],
            self.workdir / f"worker-{port}.log",
            self.workdir,
            env,
        ).start()
        node = Node(worker, f"http://127.0.0.1:{port}", time.monotonic(), RssSampler(worker.pid, 0.2).start())
        self.nodes.append(node)
        return node

    def start(self, n: int) -> Cluster:
        spawned = [self.spawn() for _ in range(n)]
        for node in spawned:
            node.worker.wait_healthy(node.url + "/health", 120)
        return self

    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n.alive()]

    def stop(self) -> None:
        for n in self.nodes:  # SIGTERM everyone first, then wait: the workers leave in parallel
            if n.alive():
                try:
                    os.killpg(n.worker.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for n in self.nodes:
            n.worker.stop(30)
            n.rss.stop()

    def leader(self) -> Node:
        """The node whose log says it joined the latest generation as leader."""
        best: tuple[int, Node] | None = None
        for n in self.alive():
            found = re.findall(
                r"Joined group at generation (\d+) as leader", n.worker.log_path.read_text(errors="replace")
            )
            if found and (best is None or int(found[-1]) > best[0]):
                best = (int(found[-1]), n)
        if best is None:
            raise RuntimeError("no worker says it is the leader")
        return best[1]


def put_connector(node: Node, name: str, config: dict[str, str]) -> None:
    r = httpx.put(f"{node.url}/connectors/{name}/config", json=config, timeout=60)
    if r.status_code not in (200, 201):
        raise RuntimeError(f"PUT {name}: {r.status_code} {r.text}")


def monitorable(topic: str, tasks: int, throughput: int) -> dict[str, str]:
    return {
        "connector.class": MONITORABLE,
        "tasks.max": str(tasks),
        "topic": topic,
        "throughput": str(throughput),
    }


def statuses(node: Node) -> dict[str, Any]:
    r = httpx.get(f"{node.url}/connectors", params={"expand": "status"}, timeout=10)
    r.raise_for_status()
    return {name: v["status"] for name, v in r.json().items()}


def placement(
    node: Node, names: list[str], tasks_each: int, alive: set[str]
) -> tuple[dict[str, int], dict[str, int]] | None:
    """(connectors per worker, tasks per worker) once every connector and task is RUNNING on a
    worker in ``alive``; None before."""
    try:
        states = statuses(node)
    except httpx.HTTPError:
        return None
    connectors = dict.fromkeys(alive, 0)
    tasks = dict.fromkeys(alive, 0)
    for name in names:
        s = states.get(name)
        if s is None or s["connector"]["state"] != "RUNNING" or s["connector"]["worker_id"] not in alive:
            return None
        if len(s["tasks"]) != tasks_each:
            return None
        for t in s["tasks"]:
            if t["state"] != "RUNNING" or t["worker_id"] not in alive:
                return None
            tasks[t["worker_id"]] += 1
        connectors[s["connector"]["worker_id"]] += 1
    return connectors, tasks


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(interval_s)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def create_topic(bootstrap: str, name: str) -> None:
    TopicAdmin(make_admin({"bootstrap.servers": bootstrap})).create_topics([TopicSpec(name, 1, 1)])


def delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = make_admin({"bootstrap.servers": bootstrap})
    for future in admin.delete_topics(names, operation_timeout=10).values():
        try:
            future.result(15)
        except Exception:
            pass


# --- scenarios ----------------------------------------------------------------------------------


def failover(bootstrap: str, workdir: Path, delay_ms: int) -> dict[str, Any]:
    group = f"bench-failover-{delay_ms}-{uuid.uuid4().hex[:8]}"
    topic = f"{group}-data"
    create_topic(bootstrap, topic)
    cluster = Cluster(bootstrap, group, workdir / group, {"scheduled.rebalance.max.delay.ms": str(delay_ms)})
    cluster.workdir.mkdir()
    names = [f"fo-{i}" for i in range(2)]
    try:
        cluster.start(3)
        for name in names:
            put_connector(cluster.nodes[0], name, monitorable(topic, 4, 10))
        everyone = {n.worker_id for n in cluster.nodes}
        wait_for(lambda: placement(cluster.nodes[0], names, 4, everyone), 120, "connectors running")
        time.sleep(2)
        leader = cluster.leader()
        # The victim owns work and is not the worker we ask (a follower if possible).
        victim = next(n for n in reversed(cluster.nodes) if n is not leader and n is not cluster.nodes[0])
        survivors = {n.worker_id for n in cluster.nodes if n is not victim}
        start = time.monotonic()
        os.kill(victim.worker.pid, signal.SIGKILL)
        assert victim.worker.proc is not None
        victim.worker.proc.wait(10)
        wait_for(
            lambda: placement(cluster.nodes[0], names, 4, survivors),
            120 + delay_ms / 1000,
            "work running on the survivors",
        )
        return {"delay_ms": delay_ms, "seconds": time.monotonic() - start}
    finally:
        cluster.stop()
        delete_topics(bootstrap, [topic, f"{group}-configs", f"{group}-offsets", f"{group}-status"])


@dataclass
class Latency:
    label: str
    latencies_ms: list[float]
    errors: int
    seconds: float

    def row(self) -> list[str]:
        lat = sorted(self.latencies_ms)
        p = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else lat * 99
        rate = f"{len(lat) / self.seconds:.1f}" if self.seconds else "-"
        return [
            self.label,
            rate,
            f"{p[49]:.1f}",
            f"{p[98]:.1f}",
            f"{lat[-1]:.1f}" if lat else "-",
            str(self.errors),
        ]


def open_loop(
    label: str,
    rate: float,
    seconds: float,
    send: Callable[[httpx.Client], httpx.Response],
    ok: tuple[int, ...],
) -> Latency:
    """Requests at fixed times ``i / rate`` for ``seconds``, from 16 threads with a client each."""
    local = threading.local()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.monotonic() + 0.2
    n = int(rate * seconds)

    def one(i: int) -> None:
        nonlocal errors
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=30)
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        try:
            r = send(client)
            good = r.status_code in ok
        except httpx.HTTPError:
            good = False
        elapsed_ms = (time.perf_counter() - t0) * 1000
        with lock:
            if good:
                latencies.append(elapsed_ms)
            else:
                errors += 1

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(n)))
    return Latency(label, latencies, errors, time.monotonic() - start)


def closed_loop(
    label: str, n: int, send: Callable[[httpx.Client], httpx.Response], ok: tuple[int, ...]
) -> Latency:
    """``n`` requests one after another, each on a new connection (no keep-alive)."""
    latencies: list[float] = []
    errors = 0
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for _ in range(n):
            t0 = time.perf_counter()
            try:
                good = send(client).status_code in ok
            except httpx.HTTPError:
                good = False
            if good:
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                errors += 1
            time.sleep(0.05)
    return Latency(label, latencies, errors, 0.0)


def loaded_cluster(
    bootstrap: str, workdir: Path, rate: float, seconds: float, steady_s: float
) -> dict[str, Any]:
    group = f"bench-loaded-{uuid.uuid4().hex[:8]}"
    topic = f"{group}-data"
    create_topic(bootstrap, topic)
    cluster = Cluster(bootstrap, group, workdir / group, {"scheduled.rebalance.max.delay.ms": "0"})
    cluster.workdir.mkdir()
    names = [f"load-{i}" for i in range(10)]
    out: dict[str, Any] = {}
    try:
        cluster.start(3)
        for i, name in enumerate(names):
            put_connector(cluster.nodes[i % 3], name, monitorable(topic, 4, 1))
        ids = {n.worker_id for n in cluster.nodes}
        wait_for(
            lambda: placement(cluster.nodes[0], names, 4, ids),
            180,
            "10 connectors x 4 tasks running",
            interval_s=0.5,
        )
        time.sleep(steady_s)
        out["rss_mib"] = [n.rss.stop() / 1024 for n in cluster.nodes]
        out["placement"] = placement(cluster.nodes[0], names, 4, ids)

        # REST: status reads (served locally), then config writes forwarded by a follower.
        put_connector(cluster.nodes[0], "put-target", monitorable(topic, 1, 1))
        names.append("put-target")
        wait_for(
            lambda: (
                (s := statuses(cluster.nodes[0]).get("put-target")) and s["connector"]["state"] == "RUNNING"
            ),
            60,
            "put-target running",
        )
        reader = cluster.nodes[1]
        out["get"] = open_loop(
            f"GET /connectors/{{c}}/status -> {reader.worker_id}",
            rate,
            seconds,
            lambda c: c.get(f"{reader.url}/connectors/load-3/status"),
            (200,),
        )
        leader = cluster.leader()
        follower = next(n for n in cluster.alive() if n is not leader)
        config = monitorable(topic, 1, 1)
        out["put"] = open_loop(
            f"PUT /connectors/{{c}}/config -> follower {follower.worker_id}",
            rate,
            seconds,
            lambda c: c.put(f"{follower.url}/connectors/put-target/config", json=config),
            (200,),
        )
        out["leader"] = leader.worker_id
        # One client, a new connection per request, one request at a time: the cost of the hop.
        out["put_seq"] = []
        for role, node in (("leader", leader), ("follower", follower)):
            url = f"{node.url}/connectors/put-target/config"

            def put(c: httpx.Client, url: str = url) -> httpx.Response:
                return c.put(url, json=config)

            out["put_seq"].append(
                closed_loop(
                    f"PUT one at a time, new connection each -> {role} {node.worker_id}", 40, put, (200,)
                )
            )

        # Join: a 4th worker, until the 11 connectors and 41 tasks are balanced over four workers.
        time.sleep(2)
        task_counts = {name: 4 for name in names[:-1]}
        task_counts["put-target"] = 1
        start = time.monotonic()
        newcomer = cluster.spawn()
        healthy_after = newcomer.worker.wait_healthy(newcomer.url + "/health", 120)
        everyone = {n.worker_id for n in cluster.alive()}

        def balanced() -> bool:
            try:
                states = statuses(cluster.nodes[0])
            except httpx.HTTPError:
                return False
            per_conn = dict.fromkeys(everyone, 0)
            per_task = dict.fromkeys(everyone, 0)
            for name, count in task_counts.items():
                s = states.get(name)
                if (
                    s is None
                    or s["connector"]["state"] != "RUNNING"
                    or s["connector"]["worker_id"] not in everyone
                ):
                    return False
                if len(s["tasks"]) != count or any(
                    t["state"] != "RUNNING" or t["worker_id"] not in everyone for t in s["tasks"]
                ):
                    return False
                per_conn[s["connector"]["worker_id"]] += 1
                for t in s["tasks"]:
                    per_task[t["worker_id"]] += 1
            out["join_placement"] = (per_conn, per_task)
            return (
                max(per_conn.values()) - min(per_conn.values()) <= 1
                and max(per_task.values()) - min(per_task.values()) <= 1
            )

        wait_for(balanced, 120, "balanced over four workers", interval_s=0.1)
        out["join_s"] = time.monotonic() - start
        out["join_after_healthy_s"] = out["join_s"] - healthy_after
        return out
    finally:
        cluster.stop()
        delete_topics(bootstrap, [topic, f"{group}-configs", f"{group}-offsets", f"{group}-status"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092"))
    p.add_argument("--rate", type=float, default=50.0, help="REST requests per second (default 50)")
    p.add_argument("--seconds", type=float, default=20.0, help="seconds per REST run (default 20)")
    p.add_argument(
        "--steady", type=float, default=20.0, help="seconds of steady running for RSS (default 20)"
    )
    p.add_argument("--skip-failover", action="store_true")
    p.add_argument("--workdir", type=Path, default=None, help="keep worker logs here (default: a temp dir)")
    args = p.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"connectrt distributed bench; broker {args.bootstrap}; {os.cpu_count()} cores; load {load_average()}; "
        f"logs in {workdir}"
    )

    if not args.skip_failover:
        rows = []
        for delay in (0, 10_000):
            r = failover(args.bootstrap, workdir, delay)
            rows.append([f"scheduled.rebalance.max.delay.ms={delay}", f"{r['seconds']:.2f}"])
            print(f"  kill -9 with delay {delay} ms: {r['seconds']:.2f} s", flush=True)
        print(
            "\nkill -9 of 1 of 3 workers (8 tasks, 2 connectors) until all RUNNING on the survivors "
            "(session.timeout.ms=10000)"
        )
        print(table(["", "seconds"], rows))

    r = loaded_cluster(args.bootstrap, workdir, args.rate, args.seconds, args.steady)
    print(
        "\npeak RSS per worker, 3 workers, 10 connectors x 4 tasks (MonitorableSource, 1 record/s per task)"
    )
    conn, tasks = r["placement"]
    print(
        table(
            ["worker", "peak RSS MiB", "connectors", "tasks"],
            [
                [f"worker {i}", f"{mib:.1f}", str(list(conn.values())[i]), str(list(tasks.values())[i])]
                for i, mib in enumerate(r["rss_mib"])
            ],
        )
    )
    print(f"\nREST latency, open loop at {args.rate:.0f}/s for {args.seconds:.0f} s (leader {r['leader']})")
    print(
        table(
            ["request", "req/s", "p50 ms", "p99 ms", "max ms", "errors"],
            [r["get"].row(), r["put"].row(), *(x.row() for x in r["put_seq"])],
        )
    )
    per_conn, per_task = r["join_placement"]
    print(
        f"\njoin rebalance: 4th worker spawn -> balanced {r['join_s']:.2f} s "
        f"(health 200 -> balanced {r['join_after_healthy_s']:.2f} s); "
        f"connectors per worker {sorted(per_conn.values())}, tasks per worker {sorted(per_task.values())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
