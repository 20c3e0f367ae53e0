"""Issue #13 item 4: task configs are stored with placeholders, and what a provider resolved is never
shown (logs, status traces, error answers, validation answers)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from connectrt.cli.runner import RedactingFilter
from connectrt.config.providers import RESOLVED_VALUES, ConfigTransformer, redact
from connectrt.herder.task_configs import java_hash_map_order, java_string_hash, reverse_transform
from connectrt.herder.validation import invalid_config_message, validate_connector_config
from connectrt.runtime.plugins import Plugins
from connectrt.storage.kafka_records import encode_properties

pytestmark = pytest.mark.unit

JAVA = json.loads(
    (Path(__file__).parents[2] / "integration" / "security" / "data" / "java_security_4_2_1.json").read_text()
)["answers"]
SECRET = "s3cr3t-Pa55"


def test_java_string_hash() -> None:
    # "…".hashCode() printed by jshell (JDK 17), as unsigned 32-bit values.
    assert java_string_hash("") == 0
    assert java_string_hash("name") == 3373707
    assert java_string_hash("connector.class") == -862495593 & 0xFFFFFFFF
    assert java_string_hash("\u00e9\U0001f600") == 1996812


def test_task_record_is_byte_identical_to_javas() -> None:
    """The connector config and the task config FileStreamSource generated from its resolved values,
    as Java 4.2.1 recorded them; the task record is Java's, byte for byte."""
    raw_connector = json.loads(JAVA["secret_connector_record"])["properties"]
    resolved = {
        **raw_connector,
        "file": "/tmp/connectrt-security-recording/input.txt",
        "database.password": SECRET,
        "mixed": f"prefix-{SECRET}-suffix",
        "task.class": "org.apache.kafka.connect.file.FileStreamSourceTask",
    }
    [stored] = reverse_transform(raw_connector, [resolved])
    assert encode_properties(stored).decode() == JAVA["secret_task_record"]
    assert SECRET not in json.dumps(stored)


def test_only_keys_with_placeholders_in_the_connector_config_are_restored() -> None:
    raw = {"a": "${file:/s:a}", "b": "plain", "c": "${file:/s:c}"}
    [task] = reverse_transform(raw, [{"a": "resolved", "b": "task-b", "d": "new"}])
    assert task == {"a": "${file:/s:a}", "b": "task-b", "d": "new"}


def test_java_hash_map_order_of_larger_maps() -> None:
    keys = [f"key.{i}" for i in range(40)]
    ordered = list(java_hash_map_order(dict.fromkeys(keys, "v")))
    assert sorted(ordered) == sorted(keys)
    # 40 entries: new HashMap<>(map) pre-sizes to 64 buckets; order is by (h ^ h>>>16) & 63.
    buckets = [(java_string_hash(k) ^ (java_string_hash(k) >> 16)) & 63 for k in ordered]
    assert buckets == sorted(buckets)


@pytest.fixture
def transformer(tmp_path: Path) -> ConfigTransformer:
    (tmp_path / "s.properties").write_text(f"password={SECRET}\nclass={SECRET}\n")
    return ConfigTransformer.from_worker_props(
        {
            "config.providers": "file",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        }
    )


def test_redact_puts_the_placeholder_back(transformer: ConfigTransformer, tmp_path: Path) -> None:
    placeholder = f"${{file:{tmp_path}/s.properties:password}}"
    assert transformer.transform({"p": placeholder}) == {"p": SECRET}
    assert redact(f"could not log in with {SECRET}!") == f"could not log in with {placeholder}!"
    assert RESOLVED_VALUES


def test_log_lines_and_tracebacks_are_redacted(transformer: ConfigTransformer, tmp_path: Path) -> None:
    transformer.transform({"p": f"${{file:{tmp_path}/s.properties:password}}"})
    try:
        raise ValueError(f"bad password {SECRET}")
    except ValueError as e:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "login %s failed", (SECRET,), (type(e), e, None)
        )
    assert RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert SECRET not in text and "login ${file:" in text and "bad password ${file:" in text


def test_validation_answers_placeholders_and_redacts_errors(
    transformer: ConfigTransformer, tmp_path: Path
) -> None:
    placeholder = f"${{file:{tmp_path}/s.properties:class}}"
    config = {
        "name": "c",
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "topic": placeholder,
        "value.converter": placeholder,
    }
    infos = validate_connector_config(Plugins(), config, transformer)
    answer = json.dumps(infos.to_json() if hasattr(infos, "to_json") else infos.configs)
    assert SECRET not in answer and SECRET not in invalid_config_message(infos)
    values = {c["value"]["name"]: c["value"] for c in infos.configs}
    assert values["topic"]["value"] == placeholder
    assert values["value.converter"]["errors"] == [
        f"Invalid value {placeholder} for configuration value.converter: Class {placeholder} could not be found."
    ]
