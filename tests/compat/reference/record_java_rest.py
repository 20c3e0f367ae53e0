"""Record Java Kafka Connect 4.2.1's answers to the REST conversation of ``tests/compat/rest_scenario.py``.

Starts a real Java distributed worker (``org.apache.kafka.connect.cli.ConnectDistributed``, jars
resolved with mvn into ~/.cache/connectrt/bench/java-connect-4.2.1, never committed) against the dev
Kafka broker, with internal topics of its own, sends every step and writes the answers to
``tests/compat/data/java_rest_4_2_1.json``. Usage (dev services running):

    .venv/bin/python -m tests.compat.reference.record_java_rest [--bootstrap 127.0.0.1:29092]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _common  # noqa: E402

from tests.compat import rest_conversation  # noqa: E402

OUT = ROOT / "tests" / "compat" / "data" / "java_rest_4_2_1.json"


def worker_properties(bootstrap: str, port: int, suffix: str) -> dict[str, str]:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": f"rest-compat-{suffix}",
        "config.storage.topic": f"rest-compat-{suffix}-configs",
        "offset.storage.topic": f"rest-compat-{suffix}-offsets",
        "status.storage.topic": f"rest-compat-{suffix}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.flush.interval.ms": "1000",
        "listeners": f"http://127.0.0.1:{port}",
    }


def java_distributed_argv(cache_dir: Path, props: Path) -> list[str]:
    argv = _common.java_connect_standalone_argv(cache_dir, [props], heap_opts="-Xms256M -Xmx1G")
    return [a if a != "org.apache.kafka.connect.cli.ConnectStandalone" else "org.apache.kafka.connect.cli.ConnectDistributed"
            for a in argv]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Java Connect exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("Java Connect did not become healthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    cache = _common.ensure_java_connect()
    port = _common.free_port()
    suffix = f"java-{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="rest-compat-java-") as tmp:
        props = _common.write_properties(Path(tmp) / "worker.properties",
                                         worker_properties(args.bootstrap, port, suffix))
        log = open(Path(tmp) / "worker.log", "wb")
        proc = subprocess.Popen(java_distributed_argv(cache, props), stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, proc)
            answers = rest_conversation.run(url)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "produced_by": "tests/compat/reference/record_java_rest.py: Java Kafka Connect 4.2.1 ConnectDistributed "
                       "(connect-runtime 4.2.1, connect-file 4.2.0 from Maven Central), one worker, dev Kafka 4.2.1",
        "answers": answers,
    }
    args.out.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    print(f"wrote {len(answers)} answers to {args.out}")


if __name__ == "__main__":
    main()
