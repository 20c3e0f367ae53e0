"""Debezium's PostgreSQL source and JDBC sink side by side: Java 4.2.1 with the Debezium plugins vs connectrt.

    .venv/bin/python -m tests.compat.plugin_diff [--bootstrap 127.0.0.1:29092] [--verbose] [--record]

Starts a Java ConnectDistributed with Debezium 3.6.1's PostgreSQL connector and Debezium 3.4.0's JDBC
sink on its plugin.path (jars resolved with mvn into ~/.cache/connectrt/bench, never committed) and a
connectrt worker, sends both ``plugin_scenario``'s requests, and prints, per step, how many JSON paths
differ and which config keys the two sides define differently (a report, not a test). ``--record``
also writes Java's answers to ``tests/compat/data/java_debezium_plugins.json``, the recording
``test_plugin_fidelity`` replays in CI without Java.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.compat import plugin_scenario, rest_conversation
from tests.compat.java_worker import JavaWorker, debezium, worker_props
from tests.compat.rest_fidelity import differences
from tests.compat.rest_scenario import normalise
from tests.integration.worker_process import WorkerProcess

RECORDING = Path(__file__).resolve().parent / "data" / "java_debezium_plugins.json"
PRODUCED_BY = (
    "python -m tests.compat.plugin_diff --record: Java Kafka Connect 4.2.1 ConnectDistributed (jars from "
    "Maven Central) with debezium-connector-postgres 3.6.1.Final and debezium-connector-jdbc 3.4.0.Final "
    "(resolved with mvn into ~/.cache/connectrt/bench) on its plugin.path, one worker, dev Kafka 4.2.1"
)


def record(java_answers: list[dict[str, Any]], out: Path = RECORDING) -> None:
    document = {"produced_by": PRODUCED_BY, "answers": java_answers}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(java_answers)} answers to {out}", file=sys.stderr)


def _answers(bootstrap: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pg = debezium.ensure_debezium_plugin()
    jdbc = debezium.ensure_debezium_plugin(
        debezium.DEFAULT_DEBEZIUM_CACHE.parent / "debezium-jdbc-3.4.0.Final",
        "3.4.0.Final",
        "debezium-connector-jdbc",
    )
    with tempfile.TemporaryDirectory(prefix="plugin-compat-") as tmp:
        java = JavaWorker(
            {
                **worker_props(bootstrap, f"plugin-compat-java-{time.time_ns()}"),
                "plugin.path": f"{pg},{jdbc}",
            },
            Path(tmp),
        ).start()
        try:
            java_answers = rest_conversation.run(java.url, steps=plugin_scenario.steps())
        finally:
            java.stop()
        ours = WorkerProcess(
            "distributed", worker_props(bootstrap, f"plugin-compat-py-{time.time_ns()}"), Path(tmp)
        ).start(timeout_s=90)
        try:
            our_answers = rest_conversation.run(ours.url, steps=plugin_scenario.steps())
        finally:
            ours.stop()
    return java_answers, our_answers


def _keys(body: Any) -> list[str]:
    if isinstance(body, list):
        return [d.get("name") for d in body if isinstance(d, dict)]
    if isinstance(body, dict) and "configs" in body:
        return [(c.get("definition") or c.get("value") or {}).get("name") for c in body["configs"]]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--record", action="store_true", help=f"write Java's answers to {RECORDING.name}")
    args = parser.parse_args()
    java, ours = _answers(args.bootstrap)
    if args.record:
        record(java)
    for j, o in zip(java, ours, strict=True):
        diffs = list(differences(normalise(j["body"]), normalise(o["body"])))
        jk, ok = _keys(j["body"]), _keys(o["body"])
        print(
            f"== {j['id']}: status {j['status']}/{o['status']}, {len(diffs)} differing paths; "
            f"{len(jk)} keys in Java, {len(ok)} in connectrt"
        )
        only_java, only_ours = [k for k in jk if k not in ok], [k for k in ok if k not in jk]
        if only_java:
            print(f"   only Java ({len(only_java)}): {', '.join(map(str, only_java[:40]))}")
        if only_ours:
            print(f"   only connectrt ({len(only_ours)}): {', '.join(map(str, only_ours[:40]))}")
        kinds = Counter(p.split(".")[-1] for p, _, _ in diffs)
        print(f"   differing fields: {dict(kinds.most_common(8))}")
        if args.verbose:
            for p, a, b in diffs[:30]:
                print(f"   {p}: java {str(a)[:120]!r} / ours {str(b)[:120]!r}")
    print("report only: the plugins' owners decide what to match", file=sys.stderr)


if __name__ == "__main__":
    main()
