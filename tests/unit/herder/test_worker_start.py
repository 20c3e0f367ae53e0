"""A worker checks its config at start as Java's does, and says what is wrong in one line.

Config errors are found before Kafka is contacted (these tests need no broker); an unreachable
broker is reported after a few seconds in one line, without librdkafka's own output.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectrt.cli import main
from tests.integration.worker_process import free_port

pytestmark = pytest.mark.unit

BASE = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "listeners": "http://127.0.0.1:0",
}


def write(path: Path, props: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, **extra: str) -> str:
    props = {**BASE, "bootstrap.servers": f"127.0.0.1:{free_port()}", **extra}
    if mode == "standalone":
        props.setdefault("offset.storage.file.filename", str(tmp_path / "offsets"))
    else:
        props.update(
            {
                "group.id": "g",
                "config.storage.topic": "c",
                "offset.storage.topic": "o",
                "status.storage.topic": "s",
            }
        )
    path = write(tmp_path / "worker.properties", {k: v for k, v in props.items() if v is not None})
    capsys.readouterr()
    assert main([mode, str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    lines = [line for line in err if line.startswith("connectrt: ")]
    assert len(lines) == 1, err
    return lines[0].removeprefix(f"connectrt: {path}: ")


def test_class_valued_settings_name_installed_plugins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert refusal(
        tmp_path, capsys, "distributed", **{"key.converter": "org.apache.kafka.connect.json.JsonConvertr"}
    ) == (
        "Invalid value org.apache.kafka.connect.json.JsonConvertr for configuration key.converter: Class "
        "org.apache.kafka.connect.json.JsonConvertr could not be found. Did you mean "
        "org.apache.kafka.connect.json.JsonConverter? (`connectrt plugins` lists the installed converters.)"
    )
    assert refusal(
        tmp_path,
        capsys,
        "standalone",
        **{"value.converter": "org.apache.kafka.connect.transforms.RegexRouter"},
    ) == (
        "Invalid value org.apache.kafka.connect.transforms.RegexRouter for configuration value.converter: "
        "org.apache.kafka.connect.transforms.RegexRouter is a transformation, not a converter. "
        "(`connectrt plugins` lists the installed converters.)"
    )
    assert refusal(tmp_path, capsys, "standalone", **{"header.converter": "com.example.Nope"}) == (
        "Invalid value com.example.Nope for configuration header.converter: Class com.example.Nope could not be "
        "found. (`connectrt plugins` lists the installed header converters.)"
    )


def test_types_required_keys_and_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refusal(tmp_path, capsys, "standalone", **{"offset.flush.interval.ms": "often"}) == (
        "Invalid value often for configuration offset.flush.interval.ms: Not a number of type LONG"
    )
    assert refusal(tmp_path, capsys, "distributed", **{"value.converter": None}) == (
        'Missing required configuration "value.converter" which has no default value.'
    )
    assert refusal(
        tmp_path, capsys, "standalone", **{"connector.client.config.override.policy": "Nnoe"}
    ).startswith(
        "Invalid value Nnoe for configuration connector.client.config.override.policy: Class Nnoe could not be "
        "found; choose All or None"
    )
    assert refusal(tmp_path, capsys, "standalone", **{"bootstrap.servers": ""}) == (
        "bootstrap.servers is empty: set it to the host:port of one or more Kafka brokers, e.g. "
        "bootstrap.servers=localhost:9092."
    )
    assert refusal(tmp_path, capsys, "standalone", **{"bootstrap.servers": "kafka1"}) == (
        "Invalid url in bootstrap.servers: kafka1 (each broker is host:port, e.g. localhost:9092)."
    )


def test_worker_placeholders_are_resolved_and_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``${file:...}`` in the worker properties resolve with the providers the same file configures; a
    resolved value that makes the config invalid is shown as its placeholder."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "worker.properties").write_text(
        "interval=not-a-number-7c1\nconverter=org.apache.kafka.connect.json.JsonConverter\n"
    )
    providers = {
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.file.param.allowed.paths": str(secrets),
    }
    placeholder = f"${{file:{secrets}/worker.properties:interval}}"
    line = refusal(
        tmp_path,
        capsys,
        "standalone",
        **providers,
        **{
            "key.converter": f"${{file:{secrets}/worker.properties:converter}}",
            "offset.flush.interval.ms": placeholder,
        },
    )
    assert (
        line
        == f"Invalid value {placeholder} for configuration offset.flush.interval.ms: Not a number of type LONG"
    )
    # A path outside allowed.paths resolves to nothing: the placeholder stays, and is refused as a class name.
    (tmp_path / "outside.properties").write_text("converter=org.apache.kafka.connect.json.JsonConverter\n")
    outside = f"${{file:{tmp_path}/outside.properties:converter}}"
    assert refusal(tmp_path, capsys, "standalone", **providers, **{"key.converter": outside}).startswith(
        f"Invalid value {outside} for configuration key.converter: Class {outside} could not be found."
    )


def test_standalone_connector_files_are_optional() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "connectrt.cli", "standalone"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        "connectrt standalone: error: the following arguments are required: worker_properties"
    )


def test_unreachable_kafka_is_one_line_within_seconds(tmp_path: Path) -> None:
    """~560 librdkafka lines over 30 s before; now the console script prints one line after ~5 s."""
    port = free_port()
    path = write(
        tmp_path / "worker.properties",
        {
            **BASE,
            "bootstrap.servers": f"127.0.0.1:{port}",
            "offset.storage.file.filename": str(tmp_path / "offsets"),
        },
    )
    connectrt = str(Path(sys.executable).parent / "connectrt")
    began = time.monotonic()
    proc = subprocess.run([connectrt, "standalone", str(path)], capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - began
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"connectrt: Could not connect to Kafka at bootstrap.servers=127.0.0.1:{port} within 5 s (127.0.0.1:{port}: "
        f"Connect to ipv4#127.0.0.1:{port} failed: Connection refused); check that the brokers are running and "
        "reachable from this host and that bootstrap.servers names their listeners."
    ]
    assert elapsed < 20, elapsed
