"""Java Kafka Connect 4.2.1 and connectrt workers in one cluster (one group, the same internal topics).

The group protocol, the assignments, the session key and the internal REST requests are Java's, so
the two kinds of worker form one cluster: whichever is the leader assigns connectors and tasks to
both, each runs the task configs the other wrote (Java's task class names), a write sent to a
follower of either kind is forwarded to the leader of the other kind. Shown with FileStream sources:
a Java leader with a connectrt member, then connectrt alone (the Java worker leaves), then a
connectrt leader with a Java member (a new Java worker joins); every line of every file reaches its
topic exactly once and no connector or task is ever FAILED.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.compat.java_worker import JavaWorker, java_available, worker_props
from tests.integration.distributed.api.support import raw_topic
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.compat]

CONNECTORS = 4
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _statuses(url: str, names: list[str]) -> dict[str, dict[str, object]]:
    try:
        r = httpx.get(f"{url}/connectors?expand=status", timeout=10)
    except httpx.HTTPError:
        return {}
    body = r.json() if r.status_code == 200 else {}
    return {n: body[n]["status"] for n in names if n in body}


def _all_running(url: str, names: list[str]) -> dict[str, dict[str, object]] | None:
    statuses = _statuses(url, names)
    for name in names:
        s = statuses.get(name)
        if not s or s["connector"]["state"] != "RUNNING" or [t["state"] for t in s["tasks"]] != ["RUNNING"]:
            return None
    return statuses


def _workers(statuses: dict[str, dict[str, object]]) -> set[str]:
    """The workers running the connectors' tasks."""
    return {t["worker_id"] for s in statuses.values() for t in s["tasks"]}  # type: ignore[attr-defined]


def _append(path: Path, start: int, count: int) -> None:
    with path.open("a") as f:
        f.writelines(f"{path.stem} line {i}\n" for i in range(start, start + count))


def _lines(bootstrap: str, topic: str) -> list[str]:
    # JsonConverter with schemas: {"schema":{"type":"string","optional":false},"payload":"<line>"}
    import json

    return [json.loads(v)["payload"] for _, _, v in raw_topic(bootstrap, topic) if v is not None]


def test_java_and_connectrt_workers_share_a_cluster(kafka_bootstrap: str, tmp_path: Path) -> None:
    java_available()
    uid = f"{int(time.time() * 1000) % 10**10}"
    group = f"mixed-{uid}"
    props = worker_props(kafka_bootstrap, group)
    names = [f"mixed-{uid}-{i}" for i in range(CONNECTORS)]
    files = {n: tmp_path / f"{n}.txt" for n in names}
    written = dict.fromkeys(names, 0)

    def write(count: int) -> None:
        for n in names:
            _append(files[n], written[n], count)
            written[n] += count

    def expect_all_lines(who: str) -> None:
        for n in names:
            expected = [f"{n} line {i}" for i in range(written[n])]
            wait_until(
                lambda n=n, expected=expected: _lines(kafka_bootstrap, f"{n}-lines") == expected,
                60,
                f"{n}'s lines exactly once ({who})",
                1.0,
            )

    write(20)
    java = JavaWorker(props, tmp_path).start()
    ours = WorkerProcess("distributed", props, tmp_path).start(timeout_s=90)
    java2: JavaWorker | None = None
    try:
        # A Java leader (it started first) with a connectrt member; configs written through connectrt.
        for n in names:
            config = {
                "connector.class": FILE_SOURCE,
                "tasks.max": "1",
                "file": str(files[n]),
                "topic": f"{n}-lines",
            }
            r = httpx.put(f"{ours.url}/connectors/{n}/config", json=config, timeout=60)
            assert r.status_code == 201, r.text
        wait_until(lambda: _all_running(ours.url, names), 90, "every connector RUNNING on both")
        java_id, our_id = f"127.0.0.1:{java.port}", f"127.0.0.1:{ours.port}"
        wait_until(
            lambda: _workers(_all_running(java.url, names) or {}) == {java_id, our_id},
            60,
            "tasks on both workers",
        )
        tasks = httpx.get(f"{java.url}/connectors/{names[0]}/tasks", timeout=10).json()
        assert tasks[0]["config"]["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask"
        expect_all_lines("Java leader, connectrt member")

        # The Java worker leaves: connectrt leads and runs everything.
        java.stop()
        wait_until(
            lambda: (s := _all_running(ours.url, names)) and _workers(s) == {our_id} and s,
            90,
            "every task on connectrt",
        )
        write(10)
        expect_all_lines("connectrt alone")

        # A new Java worker joins a connectrt leader; a write sent to it is forwarded to connectrt.
        java2 = JavaWorker(props, tmp_path).start()
        java2_id = f"127.0.0.1:{java2.port}"
        wait_until(
            lambda: _workers(_all_running(ours.url, names) or {}) == {java2_id, our_id},
            90,
            "tasks on both workers again",
        )
        extra = f"mixed-{uid}-via-java"
        files[extra], written[extra] = tmp_path / f"{extra}.txt", 0
        names.append(extra)
        _append(files[extra], 0, 5)
        written[extra] = 5
        r = httpx.post(
            f"{java2.url}/connectors",
            json={
                "name": extra,
                "config": {
                    "connector.class": FILE_SOURCE,
                    "tasks.max": "1",
                    "file": str(files[extra]),
                    "topic": f"{extra}-lines",
                },
            },
            timeout=60,
        )
        assert r.status_code == 201, r.text
        wait_until(lambda: _all_running(java2.url, names), 90, "every connector RUNNING again")
        write(10)
        expect_all_lines("connectrt leader, Java member")
        assert "could not be found" not in java2.log(), java2.tail()
    finally:
        for w in (java, java2):
            if w is not None:
                w.stop()
        ours.stop()
    failed = [(k, v) for _, k, v in raw_topic(kafka_bootstrap, f"{group}-status") if v and b'"FAILED"' in v]
    assert not failed, failed
