from __future__ import annotations

from pathlib import Path

import pytest

from connectrt.dev.config import DevSettings, default_cache_dir, parse_broker_prop, parse_services, pg_dsn
from connectrt.dev.errors import DevError

pytestmark = pytest.mark.unit


def test_defaults_and_ports(tmp_path: Path) -> None:
    settings = DevSettings.from_env({"CONNECTRT_CACHE_DIR": str(tmp_path)})
    assert settings.cache_dir == tmp_path
    assert settings.instance == "default"
    assert settings.kafka_version == "4.2.1"
    assert settings.instance_dir == tmp_path / "dev" / "default"
    assert settings.state_file == tmp_path / "dev" / "default" / "state.json"
    assert settings.kafka_cache_dir == tmp_path / "kafka" / "4.2.1"
    assert (settings.broker_port(1), settings.controller_port(1)) == (29092, 29192)
    assert (settings.postgres_port, settings.s3_port) == (29432, 29900)
    assert settings.bootstrap_servers == "127.0.0.1:29092"


def test_three_brokers_and_overrides(tmp_path: Path) -> None:
    env = {
        "CONNECTRT_CACHE_DIR": str(tmp_path),
        "CONNECTRT_KAFKA_VERSION": "4.4.0",
        "CONNECTRT_DEV_INSTANCE": "other",
        "CONNECTRT_DEV_PORT_BASE": "31000",
    }
    settings = DevSettings.from_env(env, brokers=3, instance=None)
    assert settings.kafka_version == "4.4.0"
    assert settings.instance == "other"
    assert settings.bootstrap_servers == "127.0.0.1:31092,127.0.0.1:31093,127.0.0.1:31094"
    assert settings.ports(("kafka",)) == {
        "Kafka broker 1": 31092,
        "KRaft controller 1": 31192,
        "Kafka broker 2": 31093,
        "KRaft controller 2": 31193,
        "Kafka broker 3": 31094,
        "KRaft controller 3": 31194,
    }
    assert settings.kafka_topology_dir("4.4.0") == tmp_path / "dev" / "other" / "kafka-4.4.0-3node"
    assert DevSettings.from_env(env, kafka_version="4.2.1").kafka_version == "4.2.1"


def test_default_cache_dir_follows_xdg(tmp_path: Path) -> None:
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "connectrt"
    assert default_cache_dir({}) == Path.home() / ".cache" / "connectrt"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kafka_version": "3.9.0"}, "Kafka version '3.9.0' is not supported"),
        ({"brokers": 0}, "between 1 and 9"),
        ({"port_base": 80}, "Port base 80 is out of range"),
        ({"instance": "../x"}, "Instance name '../x' is not valid"),
    ],
)
def test_invalid_settings_are_one_sentence(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DevError, match=message.replace("(", r"\(").replace(".", r"\.")):
        DevSettings.from_env({"CONNECTRT_CACHE_DIR": str(tmp_path)}, **kwargs)


def test_bad_port_base_variable(tmp_path: Path) -> None:
    with pytest.raises(DevError, match="CONNECTRT_DEV_PORT_BASE must be a number"):
        DevSettings.from_env({"CONNECTRT_CACHE_DIR": str(tmp_path), "CONNECTRT_DEV_PORT_BASE": "x"})


def test_parse_services() -> None:
    assert parse_services(None) == ("kafka", "postgres", "s3")
    assert parse_services("s3, kafka") == ("kafka", "s3")
    with pytest.raises(DevError, match="Unknown service redis"):
        parse_services("kafka,redis")


def test_parse_broker_prop(tmp_path: Path) -> None:
    assert parse_broker_prop("auto.create.topics.enable=false") == ("auto.create.topics.enable", "false")
    assert parse_broker_prop(" log.cleaner.enable = true ") == ("log.cleaner.enable", "true")
    assert parse_broker_prop("a.b=x=y") == ("a.b", "x=y")
    assert parse_broker_prop("a.b=") == ("a.b", "")
    for text in ("auto.create.topics.enable", "=1", ""):
        with pytest.raises(DevError, match="is not of the form KEY=VALUE"):
            parse_broker_prop(text)
    for key in ("a\nb", "a b", "-x"):
        with pytest.raises(DevError, match="Broker property name .* is not valid"):
            DevSettings(cache_dir=tmp_path, broker_props=((key, "1"),))
    with pytest.raises(DevError, match="must be a single line"):
        DevSettings(cache_dir=tmp_path, broker_props=(("a.b", "1\nc=2"),))


def test_pg_dsn() -> None:
    assert pg_dsn(29432) == "postgresql://connectrt:connectrt@127.0.0.1:29432/connectrt"
