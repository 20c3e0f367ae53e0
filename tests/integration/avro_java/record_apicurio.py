"""Record Apicurio's Java AvroConverter against the dev registry, for tests/unit/converters/test_avro_converter_java.py.

    .venv/bin/python -m tests.integration.avro_java.record_apicurio   # needs `connectrt dev up --with registry`

Confluent's own AvroConverter (io.confluent:*) is not served by Maven Central, so the Java side is Apicurio
Registry's Kafka Connect converter, ``io.apicurio:apicurio-registry-utils-converter:2.6.13.Final`` (the newest
whose serdes Maven Central serves; it carries a port of Confluent's AvroData), configured for Confluent's
wire format (``apicurio.registry.as-confluent=true``, ids in the payload, content ids = the Confluent API's ids).
Its jars are resolved with ``mvn`` into ``<cache dir>/apicurio-converter-2.6.13.Final`` (never committed).
For each case of avro_java_cases.py it records: the bytes Java writes, the schema Java registered (from the
Confluent API by id), Java's reading of its own bytes, Java's reading of the bytes connectrt writes for the
same Connect data (registered through the Confluent API in the same registry), all as Kafka's JsonConverter
envelope text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from connectrt.converters import AvroConverter
from connectrt.dev.config import DevSettings
from connectrt.dev.services import env_vars, load_running
from tests.unit.converters.avro_java_cases import cases

VERSION = "2.6.13.Final"
ARTIFACT = f"io.apicurio:apicurio-registry-utils-converter:{VERSION}"
HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "unit" / "converters" / "data" / "apicurio_avro_converter_2.6.13.json"
_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dev.connectrt.local</groupId><artifactId>apicurio-converter-classpath</artifactId><version>1</version>
<packaging>pom</packaging><dependencies>
<dependency><groupId>io.apicurio</groupId><artifactId>apicurio-registry-utils-converter</artifactId><version>{VERSION}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
</dependencies></project>
"""
# The converter's POMs name repositories besides Maven Central that cannot be reached here.
_SETTINGS = """<settings><mirrors><mirror><id>central-only</id><mirrorOf>*</mirrorOf>
<url>https://repo.maven.apache.org/maven2</url></mirror></mirrors></settings>
"""


def resolve_jars(cache: Path) -> Path:
    base = cache / f"apicurio-converter-{VERSION}"
    lib = base / "lib"
    if (lib / ".complete").exists():
        return lib
    base.mkdir(parents=True, exist_ok=True)
    (base / "pom.xml").write_text(_POM)
    (base / "settings.xml").write_text(_SETTINGS)
    shutil.rmtree(lib, ignore_errors=True)
    subprocess.run(
        ["mvn", "-B", "-q", "-ntp", "-s", str(base / "settings.xml"), "-f", str(base / "pom.xml"),
         "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies", f"-DoutputDirectory={lib}"],
        check=True,
    )  # fmt: skip
    (lib / ".complete").write_text(ARTIFACT + "\n")
    return lib


def java(lib: Path, *args: str, stdin: str | None = None) -> list[dict[str, str]]:
    cmd = ["java", "-cp", f"{lib}/*", str(HERE / "ApicurioAvroRecorder.java"), *args]
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"Java failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    settings = DevSettings.from_env()
    state = load_running(settings)
    url = env_vars(state).get("CONNECTRT_SCHEMA_REGISTRY_URL") if state else None
    if not url:
        raise SystemExit("Start the dev registry first: connectrt dev up --with registry")
    v2 = url.replace("/apis/ccompat/v7", "/apis/registry/v2")
    lib = resolve_jars(settings.cache_dir)
    run = uuid.uuid4().hex[:8]
    written = java(lib, "write", v2, f"java-{run}")
    ours = AvroConverter()
    ours.configure({"schema.registry.url": url}, False)
    by_case = cases()
    our_lines = []
    recorded: dict[str, dict[str, str]] = {}
    with httpx.Client(base_url=url) as http:
        for item in written:
            name = item["case"]
            data = bytes.fromhex(item["hex"])
            schema_id = int.from_bytes(data[1:5], "big")
            schema, value = by_case[name]
            mine = ours.from_connect_data(f"py-{run}-{name}", schema, value)
            assert mine is not None
            our_lines.append(
                json.dumps(
                    {"case": name, "topic": f"py-{run}-{name}", "hex": mine.hex()}, separators=(",", ":")
                )
            )
            recorded[name] = {
                "java_payload_hex": data[5:].hex(),
                "java_schema": http.get(f"/schemas/ids/{schema_id}").json()["schema"],
                "connect": item["connect"],
                "java_read_back": item["read_back"],
            }
    for item in java(lib, "read", v2, stdin="\n".join(our_lines) + "\n"):
        recorded[item["case"]]["java_reads_ours"] = item["read"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "produced_by": (
            f"tests/integration/avro_java/record_apicurio.py on {time.strftime('%Y-%m-%d')}: {ARTIFACT} "
            "(AvroConverter, apicurio.registry.as-confluent=true, use-id=contentId) on "
            f"{subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0]}, "
            "against Apicurio Registry 3.3.3 (connectrt dev up --with registry)"
        ),
        "cases": recorded,
    }, indent=1, ensure_ascii=False) + "\n")  # fmt: skip
    print(f"wrote {OUT} ({len(recorded)} cases)", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    main()
