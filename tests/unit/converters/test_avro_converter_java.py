"""Byte compatibility with a Java AvroConverter, from a recording (data/apicurio_avro_converter_2.6.13.json).

Confluent's io.confluent jars are not served by Maven Central, so the recording is of Apicurio Registry's
Kafka Connect converter, io.apicurio:apicurio-registry-utils-converter:2.6.13.Final (its own port of
Confluent's AvroData), writing Confluent's wire format against the dev registry; how it was produced is in
the file's ``produced_by`` line and tests/integration/avro_java/record_apicurio.py. For every case:
- connectrt registers the same schema text and writes the same Avro bytes after the 5-byte header;
- connectrt reads Java's bytes back to the Connect data Java started from;
- Java read the bytes connectrt wrote to exactly what it reads from its own (recorded).
Where Java's reading is wrong (a top-level string comes back as Avro's Utf8, primitives lose their schema:
Apicurio's defects, the same for its bytes and ours) the recorded texts show it; connectrt's reading is
checked against the original Connect data instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectrt.converters import AvroConverter, JsonConverter
from connectrt.converters.avro import AvroData
from tests.unit.converters.avro_java_cases import cases
from tests.unit.converters.test_avro_converter import MemoryRegistry

pytestmark = pytest.mark.unit

RECORDING = json.loads((Path(__file__).parent / "data" / "apicurio_avro_converter_2.6.13.json").read_text())
CASES = cases()


def test_the_recording_says_how_it_was_made() -> None:
    assert RECORDING["produced_by"].startswith("tests/integration/avro_java/record_apicurio.py on ")
    assert "io.apicurio:apicurio-registry-utils-converter:2.6.13.Final" in RECORDING["produced_by"]
    assert set(RECORDING["cases"]) == set(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_same_schema_text_and_same_bytes_as_java(name: str) -> None:
    recorded = RECORDING["cases"][name]
    schema, value = CASES[name]
    assert AvroData().from_connect_schema(schema).text == recorded["java_schema"]
    registry = MemoryRegistry()
    conv = AvroConverter(registry)
    conv.configure({"schema.registry.url": "http://registry.invalid"}, False)
    data = conv.from_connect_data("t", schema, value)
    assert data is not None
    assert data[:5] == b"\x00\x00\x00\x00\x01"
    assert data[5:].hex() == recorded["java_payload_hex"]


@pytest.mark.parametrize("name", list(CASES))
def test_javas_bytes_read_back_to_the_connect_data_java_wrote(name: str) -> None:
    recorded = RECORDING["cases"][name]
    registry = MemoryRegistry()
    registry.register("t-value", recorded["java_schema"])  # id 1, version 1 under t-value
    conv = AvroConverter(registry)
    conv.configure({"schema.registry.url": "http://registry.invalid"}, False)
    schema, value = conv.to_connect_data(
        "t", b"\x00\x00\x00\x00\x01" + bytes.fromhex(recorded["java_payload_hex"])
    )
    json_conv = JsonConverter()
    json_conv.configure({"schemas.enable": "true"}, False)
    got = json.loads(json_conv.from_connect_data("t", schema, value) or b"null")
    expected: dict[str, Any] = json.loads(recorded["connect"])
    # The registry's version becomes the Connect version of a schema without one (Confluent's converter does
    # this; Apicurio's leaves it out), except for a top-level optional schema: AvroData returns a union's
    # member without it.
    if not isinstance(json.loads(recorded["java_schema"]), list):
        expected["schema"].setdefault("version", 1)
    assert got == expected


@pytest.mark.parametrize("name", list(CASES))
def test_java_read_connectrts_bytes_as_it_reads_its_own(name: str) -> None:
    recorded = RECORDING["cases"][name]
    assert recorded["java_reads_ours"] == recorded["java_read_back"]
    if (
        not recorded["java_read_back"].startswith("ERROR")
        and json.loads(recorded["java_read_back"])["schema"]
    ):
        assert json.loads(recorded["java_read_back"]) == json.loads(recorded["connect"])
