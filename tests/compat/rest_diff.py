"""Send the REST conversation to a connectrt distributed worker and list where it differs from Java.

    .venv/bin/python -m tests.compat.rest_diff [--bootstrap 127.0.0.1:29092] [--only ID_PREFIX] [--json OUT]

Reads Java Kafka Connect 4.2.1's recorded answers (``data/java_rest_4_2_1.json``), starts a connectrt
worker with the same worker settings the recorder gave Java (internal topics of its own), and prints
one block per step whose status or normalised body differs: the JSON paths that differ and both values.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.compat import rest_conversation
from tests.compat.reference.record_java_rest import OUT as JAVA_ANSWERS
from tests.compat.reference.record_java_rest import worker_properties
from tests.compat.rest_scenario import normalise
from tests.integration.worker_process import WorkerProcess, free_port


def differences(java: Any, ours: Any, path: str = "$") -> Iterator[tuple[str, Any, Any]]:
    """``(json path, java value, our value)`` for every leaf where the two differ."""
    if isinstance(java, dict) and isinstance(ours, dict):
        for key in list(java) + [k for k in ours if k not in java]:
            if key not in ours:
                yield f"{path}.{key}", java[key], "<absent>"
            elif key not in java:
                yield f"{path}.{key}", "<absent>", ours[key]
            else:
                yield from differences(java[key], ours[key], f"{path}.{key}")
        if list(java) != list(ours) and set(java) == set(ours):
            yield f"{path}<key order>", list(java), list(ours)
    elif isinstance(java, list) and isinstance(ours, list):
        if len(java) != len(ours):
            yield f"{path}<length>", len(java), len(ours)
        for i, (a, b) in enumerate(zip(java, ours, strict=False)):
            yield from differences(a, b, f"{path}[{i}]")
    elif java != ours:
        yield path, java, ours


def compare(java_answers: list[dict[str, Any]], our_answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ours_by_id = {a["id"]: a for a in our_answers}
    report = []
    for java in java_answers:
        ours = ours_by_id.get(java["id"])
        if ours is None:
            report.append({"id": java["id"], "missing": True})
            continue
        diffs = list(differences(normalise(java["body"]), normalise(ours["body"])))
        if java["status"] != ours["status"] or diffs:
            report.append({"id": java["id"], "java_status": java["status"], "our_status": ours["status"],
                           "diffs": diffs})
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--only", default="", help="only report steps whose id starts with this")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args()
    java = json.loads(JAVA_ANSWERS.read_text())["answers"]
    port = free_port()
    props = worker_properties(args.bootstrap, port, f"py-{int(time.time())}")
    props.pop("listeners")
    with tempfile.TemporaryDirectory(prefix="rest-compat-py-") as tmp:
        worker = WorkerProcess("distributed", props, Path(tmp), port=port).start(timeout_s=90)
        try:
            ours = rest_conversation.run(worker.url)
        finally:
            worker.stop()
    report = [r for r in compare(java, ours) if r["id"].startswith(args.only)]
    for entry in report:
        print(f"== {entry['id']}: status java {entry.get('java_status')} / ours {entry.get('our_status')}")
        for path, a, b in entry.get("diffs", [])[:25]:
            print(f"   {path}\n      java: {json.dumps(a)[:300]}\n      ours: {json.dumps(b)[:300]}")
    print(f"{len(report)} of {len(java)} steps differ", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
