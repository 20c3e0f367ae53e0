"""Record what Java Kafka Connect 4.2.1 answers to the attacks of issue #13, for the literal tests.

Starts a real Java distributed worker (``ConnectDistributed``, jars resolved with mvn into
~/.cache/connectrt/bench/java-connect-4.2.1, never committed) against the dev Kafka broker, with
internal topics of its own and the ``file`` config provider, then records:

- the 400/500 answers to unknown class names (``this.X`` as connector, converter, transform);
- the answers to empty and control-character connector names;
- the task-config record a FileStreamSource with ``${file:...}`` placeholders writes to the config
  topic (Java writes placeholders back: ``AbstractHerder.reverseTransform``), and ``GET .../tasks``;
- the answers to internal task-config requests signed with a disallowed algorithm and a wrong key;
- the status of a FileStreamSink whose topic does not exist, 15 s after it was created.

Writes ``tests/integration/security/data/java_security_4_2_1.json``. Usage (dev services running):

    .venv/bin/python -m tests.integration.security.record_java_security [--bootstrap 127.0.0.1:29092]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka.admin import AdminClient

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _common  # noqa: E402

from tests.compat.java_worker import JavaWorker  # noqa: E402
from tests.compat.reference.record_java_rest import worker_properties  # noqa: E402
from tests.fixtures.clients import quiet_logger  # noqa: E402
from tests.integration.security.config_topic import read_config_topic  # noqa: E402

OUT = ROOT / "tests" / "integration" / "security" / "data" / "java_security_4_2_1.json"
# Placeholder paths the recording uses; tests substitute their own temporary directory.
SECRETS_DIR = "/tmp/connectrt-security-recording"


def answer(r: httpx.Response) -> dict[str, Any]:
    try:
        body: Any = r.json()
    except ValueError:
        body = r.text
    return {"status": r.status_code, "body": body}


def record(url: str, bootstrap: str, config_topic: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    c = httpx.Client(base_url=url, timeout=60)
    file_source = {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max": "1",
        "topic": "security-recording",
        "file": f"{SECRETS_DIR}/input.txt",
    }
    out["unknown_connector_class"] = answer(
        c.post(
            "/connectors",
            json={"name": "sec-this", "config": {"connector.class": "this.X", "tasks.max": "1"}},
        )
    )
    out["unknown_converter_class"] = answer(
        c.put("/connectors/sec-conv/config", json={**file_source, "value.converter": "this.X"})
    )
    out["unknown_transform_class"] = answer(
        c.put(
            "/connectors/sec-smt/config",
            json={**file_source, "transforms": "t", "transforms.t.type": "this.X"},
        )
    )
    out["transform_class_not_a_transform"] = answer(
        c.put(
            "/connectors/sec-smt2/config",
            json={
                **file_source,
                "transforms": "t",
                "transforms.t.type": "org.apache.kafka.connect.json.JsonConverter",
            },
        )
    )
    out["empty_name"] = answer(c.post("/connectors", json={"name": "", "config": file_source}))
    out["control_char_name"] = answer(c.post("/connectors", json={"name": "a\u0007b", "config": file_source}))

    # Secrets: the connector config keeps placeholders; Java writes the task config back with them.
    name = "sec-secrets"
    secret_config = {
        **file_source,
        "file": "${file:" + SECRETS_DIR + "/secrets.properties:source.file}",
        "database.password": "${file:" + SECRETS_DIR + "/secrets.properties:db.password}",
        "mixed": "prefix-${file:" + SECRETS_DIR + "/secrets.properties:db.password}-suffix",
    }
    out["secret_connector_created"] = answer(c.put(f"/connectors/{name}/config", json=secret_config))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tasks = c.get(f"/connectors/{name}/tasks")
        if tasks.status_code == 200 and tasks.json():
            break
        time.sleep(0.5)
    out["secret_tasks"] = answer(c.get(f"/connectors/{name}/tasks"))
    records = read_config_topic(bootstrap, config_topic)
    out["secret_task_record"] = next(
        (v.decode() for k, v in records if k == f"task-{name}-0" and v is not None), None
    )
    out["secret_connector_record"] = next(
        (v.decode() for k, v in records if k == f"connector-{name}" and v is not None), None
    )

    # Internal requests: the session key is in the config topic.
    session = next(json.loads(v) for k, v in reversed(records) if k == "session-key" and v is not None)
    key = base64.b64decode(session["key"])
    body = json.dumps([{"k": "v"}]).encode()
    for label, algorithm, digest, signing_key in (
        ("signed_hmacmd5", "HmacMD5", hashlib.md5, key),
        ("signed_hmacsha1", "HmacSHA1", hashlib.sha1, key),
        ("signed_unknown_algorithm", "HmacNope", hashlib.sha256, key),
        ("signed_wrong_key", "HmacSHA256", hashlib.sha256, b"x" * 32),
    ):
        signature = base64.b64encode(hmac.new(signing_key, body, digest).digest()).decode()
        out[label] = answer(
            c.post(
                f"/connectors/{name}/tasks",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Connect-Authorization": signature,
                    "X-Connect-Request-Signature-Algorithm": algorithm,
                },
            )
        )
    out["unsigned"] = answer(
        c.post(f"/connectors/{name}/tasks", content=body, headers={"Content-Type": "application/json"})
    )

    # A sink whose topic does not exist yet.
    missing = f"security-missing-{int(time.time())}"
    out["missing_topic_sink_created"] = answer(
        c.put(
            "/connectors/sec-sink/config",
            json={
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max": "1",
                "topics": missing,
                "file": f"{SECRETS_DIR}/sink.txt",
            },
        )
    )
    time.sleep(15)
    status = c.get("/connectors/sec-sink/status").json()
    out["missing_topic_sink_status_after_15s"] = {
        "connector": status["connector"]["state"],
        "tasks": [t["state"] for t in status["tasks"]],
    }
    # Java's sink consumer has allow.auto.create.topics=true (the consumer default): the broker
    # (auto.create.topics.enable=true by default) creates the topic when the sink subscribes.
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
    out["missing_topic_exists_after_15s"] = missing in admin.list_topics(timeout=10).topics
    admin.delete_topics([missing, "security-recording"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    port = _common.free_port()
    suffix = f"java-sec-{int(time.time())}"
    secrets_dir = Path(SECRETS_DIR)
    secrets_dir.mkdir(exist_ok=True)
    (secrets_dir / "input.txt").write_text("line\n")
    (secrets_dir / "secrets.properties").write_text(
        f"source.file={SECRETS_DIR}/input.txt\ndb.password=s3cr3t-Pa55\n"
    )
    with tempfile.TemporaryDirectory(prefix="security-java-") as tmp:
        props = worker_properties(args.bootstrap, port, suffix)
        props.pop("listeners")
        props.update(
            {
                "config.providers": "file",
                "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            }
        )
        worker = JavaWorker(props, Path(tmp), port=port).start()
        try:
            answers = record(worker.url, args.bootstrap, props["config.storage.topic"])
        finally:
            worker.stop()
    document = {
        "produced_by": "tests/integration/security/record_java_security.py: Java Kafka Connect 4.2.1 "
        "ConnectDistributed (connect-runtime 4.2.1, connect-file 4.2.0 from Maven Central), one "
        f"worker, dev Kafka 4.2.1, secrets under {SECRETS_DIR}",
        "answers": answers,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(answers)} answers to {args.out}")


if __name__ == "__main__":
    main()
