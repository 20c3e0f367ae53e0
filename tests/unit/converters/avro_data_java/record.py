"""Record the Avro schema text a Java AvroData builds, for tests/unit/converters/test_avro_data_java.py.

    .venv/bin/python -m tests.unit.converters.avro_data_java.record

Confluent's ``io.confluent:kafka-connect-avro-data`` is not served by Maven Central (``mvn dependency:get``
refused it on 2026-12-07); the Java side is Apicurio Registry's port of Confluent's AvroData in
``io.apicurio:apicurio-registry-utils-converter:2.6.13.Final`` with Avro 1.12.0, resolved with mvn into the
dev cache (the same jars as tests/integration/avro_java, never committed). It has no ``scrub.invalid.names``,
so that case stays stated from Confluent's source in test_avro_data.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from connectrt.dev.config import DevSettings
from tests.integration.avro_java.record_apicurio import ARTIFACT, resolve_jars

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "data" / "apicurio_avro_data_2.6.13.json"


def main() -> None:
    lib = resolve_jars(DevSettings.from_env().cache_dir)
    done = subprocess.run(["java", "-cp", f"{lib}/*", str(HERE / "AvroDataRecorder.java")],
                          capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    cases = {c["case"]: c["schema"] for c in map(json.loads, done.stdout.splitlines())}
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    OUT.write_text(json.dumps({
        "produced_by": f"tests/unit/converters/avro_data_java/record.py on {time.strftime('%Y-%m-%d')}: "
                       f"{ARTIFACT} (io.apicurio.registry.utils.converter.avro.AvroData.fromConnectSchema, "
                       f"Schema.toString()) on {java}",
        "cases": cases,
    }, indent=1, ensure_ascii=False) + "\n")  # fmt: skip
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
