"""Another user's dev services are never reused or stopped: `up` refuses ports another user's process
listens on (naming the user and free ports), and every command refuses an instance another user owns."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.errors import DevError
from connectrt.dev.procs import listener_uid, port_accepts
from connectrt.dev.state import InstanceState, save_state

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(os.getuid() != 0, reason="needs root, to run a process as another user"),
]

OTHER_USER = "nobody"


def settings(tmp_path: Path, base: int, instance: str = "default") -> DevSettings:
    return DevSettings(tmp_path / "cache", instance=instance, port_base=base)


@pytest.fixture
def others_kafka_port(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """(port base, broker port) where user nobody listens on the broker port."""
    base = services.free_port_base(settings(tmp_path, 29000))
    port = settings(tmp_path, base).broker_port(1)
    python = "/usr/bin/python3"  # the venv's may not be readable by another user
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} is needed to listen as user {OTHER_USER}")
    server = subprocess.Popen(
        [
            python,
            "-c",
            f"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(); "
            "time.sleep(60)",
        ],
        user=OTHER_USER,
        cwd="/",
    )
    try:
        deadline = time.monotonic() + 10
        while not port_accepts(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield base, port
    finally:
        server.kill()
        server.wait()


def test_up_refuses_ports_of_another_users_services(
    tmp_path: Path, others_kafka_port: tuple[int, int]
) -> None:
    base, port = others_kafka_port
    assert listener_uid(port) not in (None, 0)
    with pytest.raises(DevError) as info:
        services.up(settings(tmp_path, base), ("kafka",))
    message = str(info.value)
    suggested = int(message.rsplit("CONNECTRT_DEV_PORT_BASE=", 1)[1].rstrip(")."))
    assert message == (
        f"Port {port} (Kafka broker 1) on 127.0.0.1 is in use by a process of user {OTHER_USER}, probably their "
        f"`connectrt dev` services; start your own on other ports: `connectrt dev up --port-base {suggested}` "
        f"(or export CONNECTRT_DEV_PORT_BASE={suggested})."
    )
    assert suggested != base and all(
        listener_uid(p) is None for p in settings(tmp_path, suggested).ports().values()
    )


def test_an_instance_another_user_owns_is_neither_reused_nor_stopped(tmp_path: Path) -> None:
    mine = settings(tmp_path, 29000)
    save_state(mine.state_file, InstanceState("default", 29000))
    assert services.load_running(mine) is None  # mine: no refusal
    os.chown(mine.state_file, 65534, 65534)
    expected = (
        f"Dev instance 'default' in {mine.instance_dir} belongs to user {OTHER_USER}; use a cache directory "
        "of your own (--cache-dir or CONNECTRT_CACHE_DIR; the default is ~/.cache/connectrt) or another "
        "--instance and --port-base."
    )
    for command in (
        lambda: services.load_running(mine),
        lambda: services.down(mine),
        lambda: services.up(mine, ("kafka",)),
    ):
        with pytest.raises(DevError) as info:
            command()
        assert str(info.value) == expected
