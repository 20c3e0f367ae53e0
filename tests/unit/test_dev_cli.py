from __future__ import annotations

import socket
from pathlib import Path

import pytest

from connectrt.cli import main

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CONNECTRT_CACHE_DIR", str(tmp_path))
    for name in (
        "CONNECTRT_DEV_INSTANCE",
        "CONNECTRT_DEV_PORT_BASE",
        "CONNECTRT_KAFKA_VERSION",
        "KAFKA_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("connectrt: ")
    return lines[0]


def test_env_without_services(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Right after the demo stopped the services: the hint is a command this shell can run."""
    monkeypatch.setattr("sys.argv", [".venv/bin/connectrt", "dev", "env"])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["dev", "env"]) == 1
    assert _one_line_error(capsys) == (
        "connectrt: No dev services are running for instance 'default'; start them with "
        "`.venv/bin/connectrt dev up`."
    )
    assert main(["dev", "env", "--instance", "sasl"]) == 1
    assert _one_line_error(capsys).endswith("start them with `.venv/bin/connectrt dev up --instance sasl`.")


def test_hints_name_the_program_as_this_shell_can_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from connectrt.dev.cli import command_name

    program = tmp_path / "bin" / "connectrt"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setattr("sys.argv", [str(program), "dev", "up"])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert command_name() == str(program)  # not on PATH: the path it was started by
    monkeypatch.setenv("PATH", str(program.parent))
    assert command_name() == "connectrt"  # on PATH, and the same program
    monkeypatch.setattr("sys.argv", ["/usr/lib/python3/site-packages/connectrt/cli.py", "dev", "up"])
    assert command_name() == f"{sys.executable} -m connectrt.cli"


def test_status_and_down_without_services(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "status"]) == 0
    assert "No dev services are recorded" in capsys.readouterr().out
    assert main(["dev", "down"]) == 0
    assert "Nothing was running for instance 'default'." in capsys.readouterr().out
    assert main(["dev", "down", "--all"]) == 0


def test_port_taken_by_someone_else(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["dev", "up", "--services", "kafka", "--port-base", str(port - 92)]) == 1
    line = _one_line_error(capsys)
    assert f"Port {port} (Kafka broker 1) on 127.0.0.1 is already in use by another process" in line


def test_java_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with socket.socket() as sock:  # a port base whose ports are very likely free
        sock.bind(("127.0.0.1", 0))
        base = sock.getsockname()[1] - 500
    assert main(["dev", "up", "--services", "kafka", "--port-base", str(base)]) == 1
    assert "Java was not found on PATH" in _one_line_error(capsys)


def test_unsupported_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "up", "--kafka-version", "3.9.0"]) == 1
    assert "Kafka version '3.9.0' is not supported" in _one_line_error(capsys)


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (
            "auto.create.topics.enable",
            "Broker property 'auto.create.topics.enable' is not of the form KEY=VALUE",
        ),
        ("=false", "Broker property '=false' is not of the form KEY=VALUE"),
        ("bad key=1", "Broker property name 'bad key' is not valid"),
    ],
)
def test_malformed_broker_prop(capsys: pytest.CaptureFixture[str], arg: str, message: str) -> None:
    assert main(["dev", "up", "--services", "kafka", "--broker-prop", arg]) == 1
    assert message in _one_line_error(capsys)


def test_broker_props_reach_the_settings() -> None:
    import argparse

    from connectrt.dev.cli import add_dev_parser, settings_from_args

    parser = argparse.ArgumentParser()
    add_dev_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "dev",
            "up",
            "--broker-prop",
            "auto.create.topics.enable=false",
            "--broker-prop",
            "log.retention.ms=-1",
        ]
    )
    assert settings_from_args(args).broker_props == (
        ("auto.create.topics.enable", "false"),
        ("log.retention.ms", "-1"),
    )
    assert settings_from_args(parser.parse_args(["dev", "up"])).broker_props == ()


def test_no_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: connectrt" in capsys.readouterr().err
    assert main(["dev"]) == 2
