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
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.compat import rest_conversation  # noqa: E402
from tests.compat.java_worker import JavaWorker, _common  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    port = _common.free_port()
    suffix = f"java-{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="rest-compat-java-") as tmp:
        props = worker_properties(args.bootstrap, port, suffix)
        props.pop("listeners")
        worker = JavaWorker(props, Path(tmp), port=port).start()
        try:
            answers = rest_conversation.run(worker.url)
        finally:
            worker.stop()
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
