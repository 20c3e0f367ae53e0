"""Issue #13 items 1 and 7 against real distributed workers.

Item 1: no connector config can stop a distributed worker or its cluster.

The attack: ``POST /connectors`` with a 100,000-character name was accepted, and the leader died
building the group assignment (``String field connector is longer than 32767 bytes``) on every
restart. Now the REST API refuses such names, and a worker survives any single bad record that
reaches the config topic by other means (written here with a plain producer, as an operator with
topic access, an older runtime or an attacker could): that connector fails, the worker and every
other connector run, and a restarted worker comes back.

Item 7: internal requests signed with an algorithm outside ``inter.worker.verification.algorithms``
(HmacMD5, HmacSHA1) were accepted; Java answers 400 (its answers are recorded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.distributed.cluster import ConnectCluster, monitorable
from tests.integration.security.config_topic import read_config_topic, write_config_record
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

JAVA = json.loads((Path(__file__).parent / "data" / "java_security_4_2_1.json").read_text())["answers"]
LONG_NAME = "y" * 100_000
MONITORABLE = "org.apache.kafka.connect.integration.MonitorableSourceConnector"


def _properties(props: dict[str, Any]) -> bytes:
    return json.dumps({"properties": props}).encode()


@pytest.fixture
def cluster(kafka_bootstrap: str, unique_name: Any, tmp_path: Path) -> Iterator[ConnectCluster]:
    c = ConnectCluster(kafka_bootstrap, unique_name("poison"), tmp_path).start(1)
    yield c
    c.stop()


def _statuses(cluster: ConnectCluster) -> dict[str, Any]:
    with cluster.client() as c:
        r = c.get("/connectors", params={"expand": "status"}, timeout=30)
        assert r.status_code == 200, r.text
        return dict(r.json())


def test_bad_records_fail_their_connector_never_the_worker(
    cluster: ConnectCluster, kafka_bootstrap: str, unique_name: Any
) -> None:
    topic = cluster.props["config.storage.topic"]
    good = unique_name("good")
    with cluster.client() as c:
        # The attack of the issue, through the REST API: refused, the worker stays up.
        r = c.post("/connectors", json={"name": LONG_NAME, "config": monitorable(unique_name("t"), 1)})
        assert r.status_code == 400, r.text[:300]
        assert (
            "Invalid value "
            + "y" * 100
            + "... for configuration name: Connector names may not be longer than "
            "4096 bytes in UTF-8 (this one has 100000)"
        ) in r.json()["message"]
        assert len(r.content) < 2000  # the name is not echoed back whole
        # A config much larger than any real one still fits the body limit and the config topic.
        big = {**monitorable(unique_name("t"), 1), "big.value": "x" * 400_000}
        r = c.put(f"/connectors/{unique_name('big')}/config", json=big)
        assert r.status_code == 201, r.text[:300]

    bad = {
        "unknown-class": {"connector.class": "this.X", "tasks.max": "1"},
        "bad-tasks-max": {**monitorable(unique_name("t"), 1), "tasks.max": "lots"},
        "non-string-values": {"connector.class": {"x": 1}, "tasks.max": [1], "topic": None},
        "no-class": {"tasks.max": "1"},
        "unknown-transform": {
            **monitorable(unique_name("t"), 1),
            "transforms": "t",
            "transforms.t.type": "this.X",
        },
        "a/slash": monitorable(unique_name("t"), 1),
    }
    for name, config in bad.items():
        write_config_record(
            kafka_bootstrap, topic, f"connector-{name}", _properties({**config, "name": name})
        )
    write_config_record(
        kafka_bootstrap,
        topic,
        f"connector-{LONG_NAME}",
        _properties({**monitorable(unique_name("t"), 1), "name": LONG_NAME}),
    )
    write_config_record(kafka_bootstrap, topic, "connector-garbage", b"{not json")
    write_config_record(kafka_bootstrap, topic, "connector-list", _properties(["a"]))  # type: ignore[arg-type]
    write_config_record(kafka_bootstrap, topic, "connector-number", b"42")
    write_config_record(kafka_bootstrap, topic, b"\xff\xfeconnector-x", b"\xff")
    write_config_record(kafka_bootstrap, topic, "target-state-unknown-class", b'{"state": 7}')
    write_config_record(kafka_bootstrap, topic, "commit-unknown-class", b'{"tasks": "many"}')
    write_config_record(kafka_bootstrap, topic, "task-unknown-class-x", b'{"properties": {}}')
    write_config_record(kafka_bootstrap, topic, "session-key", b'{"key": "!!", "algorithm": 3}')
    write_config_record(kafka_bootstrap, topic, "restart-connector-bad-tasks-max", b'{"include-tasks": "x"}')

    with cluster.client() as c:
        assert c.put(f"/connectors/{good}/config", json=monitorable(unique_name("t"), 2)).status_code == 201
    cluster.wait_running(good, 2)
    _check_failed(cluster)
    # Every endpoint of a broken connector answers without a server error.
    with cluster.client() as c:
        for name in ("unknown-class", "bad-tasks-max", "non-string-values", "no-class"):
            for method, path in (
                ("GET", ""),
                ("GET", "/config"),
                ("GET", "/tasks"),
                ("GET", "/status"),
                ("GET", "/offsets"),
                ("GET", "/topics"),
                ("POST", "/restart?includeTasks=true"),
                ("PUT", "/pause"),
                ("PUT", "/resume"),
                ("PUT", "/stop"),
                ("GET", "/offsets"),
                ("DELETE", "/offsets"),
                ("PATCH", "/config"),
            ):
                r = c.request(method, f"/connectors/{name}{path}", json={} if method == "PATCH" else None)
                assert r.status_code < 500, (method, name, path, r.status_code, r.text)
        assert c.delete("/connectors/no-class").status_code == 204

    # A restarted worker reads the same records and comes back.
    worker = cluster.workers[0]
    worker.stop(30)
    worker.start(wait_healthy=True, timeout_s=90)
    cluster.wait_running(good, 2)
    _check_failed(cluster)
    log = worker.log_path.read_text(errors="replace")
    assert "Uncaught exception in herder work thread" not in log
    assert "String field connector is longer than 32767 bytes" not in log


def _check_failed(cluster: ConnectCluster) -> None:
    def failed() -> dict[str, Any] | None:
        statuses = _statuses(cluster)
        wanted = ("unknown-class", "bad-tasks-max", "non-string-values", "unknown-transform", LONG_NAME)
        states = {n: statuses.get(n, {}).get("status", {}).get("connector", {}).get("state") for n in wanted}
        return statuses if all(s == "FAILED" for s in states.values()) else None

    statuses = wait_until(failed, 60, "the poisoned connectors FAILED")

    def trace(name: str) -> str:
        return str(statuses[name]["status"]["connector"].get("trace", ""))

    assert "Failed to find any class that implements Connector and which name matches this.X" in trace(
        "unknown-class"
    )
    assert "Invalid value lots for configuration tasks.max" in trace("bad-tasks-max")
    assert "Invalid value this.X for configuration transforms.t.type" in trace("unknown-transform")
    assert "longer than the 32767 bytes the Connect group protocol carries" in trace(LONG_NAME)
    # A name the REST API cannot address still runs (it fits the group protocol).
    assert statuses["a/slash"]["status"]["connector"]["state"] == "RUNNING"


def test_internal_requests_signed_with_a_disallowed_algorithm_are_refused(
    cluster: ConnectCluster, kafka_bootstrap: str, unique_name: Any
) -> None:
    name = unique_name("signed")
    with cluster.client() as c:
        assert c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 1)).status_code == 201
    cluster.wait_running(name, 1)
    records = read_config_topic(kafka_bootstrap, cluster.props["config.storage.topic"])
    session = next(json.loads(v) for k, v in reversed(records) if k == "session-key" and v is not None)
    key = base64.b64decode(session["key"])
    body = json.dumps([{"k": "v"}]).encode()
    cases: list[tuple[str, str, Callable[..., Any], bytes]] = [
        ("signed_hmacmd5", "HmacMD5", hashlib.md5, key),
        ("signed_hmacsha1", "HmacSHA1", hashlib.sha1, key),
        ("signed_unknown_algorithm", "HmacNope", hashlib.sha256, key),
        ("signed_wrong_key", "HmacSHA256", hashlib.sha256, b"x" * 32),
    ]
    with cluster.client() as c:
        for case, algorithm, digest, signing_key in cases:
            signature = base64.b64encode(hmac.new(signing_key, body, digest).digest()).decode()
            r = c.post(
                f"/connectors/{name}/tasks",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Connect-Authorization": signature,
                    "X-Connect-Request-Signature-Algorithm": algorithm,
                },
            )
            assert (r.status_code, r.json()) == (JAVA[case]["status"], JAVA[case]["body"]), case
        r = c.post(f"/connectors/{name}/tasks", content=body, headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()) == (JAVA["unsigned"]["status"], JAVA["unsigned"]["body"])
    # The task configs were left alone.
    cluster.wait_running(name, 1)


def test_algorithm_settings_are_checked_at_start(
    kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    """A worker refuses to start with settings Java's DistributedConfig refuses (every case: unit tests)."""
    message = (
        "Invalid value HmacSHA256 for configuration inter.worker.signature.algorithm: Signature algorithm "
        "must be present in inter.worker.verification.algorithms list"
    )
    cluster = ConnectCluster(
        kafka_bootstrap, unique_name("alg"), tmp_path, **{"inter.worker.verification.algorithms": "HmacSHA1"}
    )
    worker = WorkerProcess("distributed", dict(cluster.props), tmp_path)
    worker.start(wait_healthy=False)
    assert worker.proc is not None
    assert worker.proc.wait(60) != 0
    assert message in worker.tail(), worker.tail()


def test_session_key_uses_the_configured_generation_algorithm(
    kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    """inter.worker.key.generation.algorithm=HmacSHA512: the leader writes a 64-byte HmacSHA512 key
    (SunJCE's default size) into the session-key record, and requests signed with it are accepted."""
    algorithms = {
        "inter.worker.key.generation.algorithm": "HmacSHA512",
        "inter.worker.signature.algorithm": "HmacSHA512",
        "inter.worker.verification.algorithms": "HmacSHA512",
    }
    cluster = ConnectCluster(kafka_bootstrap, unique_name("sha512"), tmp_path, **algorithms).start(1)
    try:
        name = unique_name("signed512")
        with cluster.client() as c:
            assert (
                c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 1)).status_code == 201
            )
        cluster.wait_running(name, 1)
        records = read_config_topic(kafka_bootstrap, cluster.props["config.storage.topic"])
        session = next(json.loads(v) for k, v in reversed(records) if k == "session-key" and v is not None)
        assert sorted(session) == ["algorithm", "creation-timestamp", "key"]
        assert session["algorithm"] == "HmacSHA512"
        key = base64.b64decode(session["key"])
        assert len(key) == 64
        with cluster.client() as c:
            body = json.dumps([t["config"] for t in c.get(f"/connectors/{name}/tasks").json()]).encode()
            signature = base64.b64encode(hmac.new(key, body, hashlib.sha512).digest()).decode()
            headers = {"Content-Type": "application/json", "X-Connect-Authorization": signature}
            r = c.post(
                f"/connectors/{name}/tasks",
                content=body,
                headers={**headers, "X-Connect-Request-Signature-Algorithm": "HmacSHA512"},
            )
            assert r.status_code < 300, r.text
            r = c.post(
                f"/connectors/{name}/tasks",
                content=body,
                headers={**headers, "X-Connect-Request-Signature-Algorithm": "HmacSHA256"},
            )
            assert r.status_code == 400, r.text
        cluster.wait_running(name, 1)
    finally:
        cluster.stop()
