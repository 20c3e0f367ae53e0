"""``test_bounce`` of Kafka's ducktape ``connect_distributed_test.py``, clean
variant, on 3 connectrt worker processes: a VerifiableSource and a VerifiableSink with 3 tasks each
run while every worker is stopped with SIGTERM and started again, 3 rounds in a rotating order.

Checked as the ducktape test does, per task: the source's committed seqnos and the sink's flushed
seqnos have no gaps and no duplicates (clean bounces commit on rebalance and shutdown), the sink
never saw a seqno the source did not commit, and each task got past seqno 1000.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.clients import new_topic
from tests.integration.distributed.cluster import ConnectCluster
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

TASKS = 3
SOURCE_CLASS = "org.apache.kafka.connect.tools.VerifiableSourceConnector"
SINK_CLASS = "org.apache.kafka.connect.tools.VerifiableSinkConnector"


def _seqnos(path: Path, flag: str) -> dict[int, list[int]]:
    import orjson

    out: dict[int, list[int]] = {t: [] for t in range(TASKS)}
    if not path.exists():
        return out
    for line in path.read_bytes().splitlines():
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # a line being written right now
        if row.get(flag):
            out[int(row["task"])].append(int(row["seqno"]))
    return out


def _problems(kind: str, seqnos: dict[int, list[int]]) -> list[str]:
    errors = []
    for task, values in seqnos.items():
        top = max(values, default=0)
        missing = sorted(set(range(top)) - set(values))
        duplicates = sorted(s for s, n in Counter(values).items() if n > 1)
        if missing:
            errors.append(f"missing {kind} seqnos for task {task}: {missing[:20]} ({len(missing)})")
        if duplicates:
            errors.append(f"duplicate {kind} seqnos for task {task}: {duplicates[:20]} ({len(duplicates)})")
    return errors


def test_clean_rolling_bounces(
    kafka_bootstrap: str, kafka_admin: Any, unique_name: Any, tmp_path: Path
) -> None:
    topic = new_topic(kafka_admin, unique_name.topic(), partitions=TASKS)
    cluster = ConnectCluster(kafka_bootstrap, unique_name("bounce"), tmp_path).start(3)
    source, sink = unique_name("verifiable-source"), unique_name("verifiable-sink")
    source_file, sink_file = tmp_path / "source.jsonl", tmp_path / "sink.jsonl"
    try:
        with cluster.client() as c:
            r = c.put(
                f"/connectors/{source}/config",
                json={
                    "connector.class": SOURCE_CLASS,
                    "tasks.max": str(TASKS),
                    "topic": topic,
                    "throughput": "400",
                    "file": str(source_file),
                },
            )
            assert r.status_code == 201, r.text
            r = c.put(
                f"/connectors/{sink}/config",
                json={
                    "connector.class": SINK_CLASS,
                    "tasks.max": str(TASKS),
                    "topics": topic,
                    "file": str(sink_file),
                },
            )
            assert r.status_code == 201, r.text
        cluster.wait_running(source, TASKS)
        cluster.wait_running(sink, TASKS)

        for round_ in range(3):
            order = cluster.workers[round_:] + cluster.workers[:round_]
            for worker in order:
                before = {t: max(v, default=-1) for t, v in _seqnos(sink_file, "flushed").items()}
                worker.stop(30)
                assert worker.proc is not None and worker.proc.returncode == 0, worker.tail()
                worker.start(wait_healthy=True, timeout_s=90)
                cluster.wait_running(source, TASKS, timeout_s=60)
                cluster.wait_running(sink, TASKS, timeout_s=60)

                # Data flows end to end again before the next bounce (ducktape sleeps 15 s instead).
                def progressed(before: dict[int, int] = before) -> bool:
                    now = _seqnos(sink_file, "flushed")
                    return all(max(now[t], default=-1) > before[t] for t in range(TASKS))

                wait_until(
                    progressed, 60, "every sink task flushed new records after the bounce", interval_s=0.5
                )

        # Let every task pass seqno 1000, stop the source, let the sink catch up, stop the sink.
        wait_until(
            lambda: all(max(v, default=0) >= 1000 for v in _seqnos(source_file, "committed").values()),
            60,
            "each source task committed 1000 records",
            interval_s=0.5,
        )
        with cluster.client() as c:
            assert c.delete(f"/connectors/{source}").status_code == 204
        wait_until(
            lambda: (
                httpx.get(f"{cluster.workers[0].url}/connectors/{source}/status", timeout=10).status_code
                == 404
            ),
            30,
            "source deleted",
        )
        time.sleep(2)  # the source tasks' last offsets are flushed and their commit records written

        def caught_up() -> bool:
            src, snk = _seqnos(source_file, "committed"), _seqnos(sink_file, "flushed")
            return all(max(snk[t], default=-1) >= max(src[t], default=0) for t in range(TASKS))

        wait_until(caught_up, 60, "the sink flushed everything the source committed", interval_s=0.5)
        with cluster.client() as c:
            assert c.delete(f"/connectors/{sink}").status_code == 204
        cluster.stop()

        src, snk = _seqnos(source_file, "committed"), _seqnos(sink_file, "flushed")
        errors = _problems("source", src) + _problems("sink", snk)
        for t in range(TASKS):
            if max(snk[t], default=0) > max(src[t], default=0):
                errors.append(f"sink seqno above every committed source seqno for task {t}")
            if max(src[t], default=0) < 1000 or max(snk[t], default=0) < 1000:
                errors.append(f"not enough records for task {t}: source {max(src[t])} sink {max(snk[t])}")
        assert not errors, "\n".join(errors)
    finally:
        cluster.stop()
