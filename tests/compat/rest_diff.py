"""Send the REST conversation to a connectrt distributed worker and list where it differs from Java.

    .venv/bin/python -m tests.compat.rest_diff [--bootstrap 127.0.0.1:29092] [--only ID_PREFIX] [--json OUT]
                                               [--java RECORDING] [--all]

Reads Java Kafka Connect 4.2.1's recorded answers (``data/java_rest_4_2_1.json``), starts a connectrt
worker with the same worker settings the recorder gave Java (internal topics of its own), and prints
one block per step whose status or normalised body differs (:mod:`tests.compat.rest_fidelity`): the
JSON paths that differ and both values, differences allowed as deliberate marked ``(deliberate)``
(``--all`` prints those too; by default only the steps with unexpected differences are listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.compat import rest_fidelity
from tests.compat.reference.record_java_rest import OUT as JAVA_ANSWERS
from tests.compat.rest_worker import run_conversation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--only", default="", help="only report steps whose id starts with this")
    parser.add_argument("--json", type=Path, help="also write connectrt's answers as JSON here")
    parser.add_argument("--java", type=Path, default=JAVA_ANSWERS, help="Java's recorded answers")
    parser.add_argument("--all", action="store_true", help="also list steps that differ only deliberately")
    args = parser.parse_args()
    java = json.loads(args.java.read_text())["answers"]
    ours = run_conversation(args.bootstrap)
    if args.json:
        args.json.write_text(json.dumps({"answers": ours}, indent=1, default=str))
    reports = [r for r in rest_fidelity.compare(java, ours) if r.id.startswith(args.only)]
    unexpected = [r for r in reports if r.unexpected]
    for r in reports if args.all else unexpected:
        print(f"== {r.id}: status java {r.java_status} / ours {r.our_status}")
        listed = r.diffs if args.all else r.unexpected
        for path, a, b in listed[:25]:
            mark = "" if (path, a, b) in r.unexpected else " (deliberate)"
            print(f"   {path}{mark}\n      java: {json.dumps(a)[:300]}\n      ours: {json.dumps(b)[:300]}")
    print(
        f"{len(reports)} of {len(java)} steps differ, {len(unexpected)} of them not deliberately",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
