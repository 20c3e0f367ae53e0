"""The compose file cannot run here (no Docker engine); check it statically: services, images,
ports, and that it registers the same connector config file the local demo uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectrt.dev import cdc_demo

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "compose" / "docker-compose.yml"

SEED_CONFIG = {
    "name": "postgres-cdc-source",
    "config": {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "postgres-primary",
        "database.port": "5432",
        "database.user": "replication_user",
        "database.dbname": "production",
        "topic.prefix": "cdc",
        "table.include.list": "public.orders,public.customers,public.products",
        "slot.name": "debezium_slot",
        "plugin.name": "pgoutput",
        "publication.name": "dbz_publication",
        "snapshot.mode": "initial",
        "transforms": "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "cdc\\.public\\.(.*)",
        "transforms.route.replacement": "warehouse.$1",
    },
}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_connector_config_is_the_seed_config() -> None:
    assert json.loads((ROOT / "compose" / "postgres-cdc-source.json").read_text()) == SEED_CONFIG


def test_services_images_and_ports() -> None:
    services = _compose()["services"]
    assert set(services) == {"kafka-1", "kafka-2", "kafka-3", "postgres-primary", "connect-1", "connect-2",
                             "register-connector"}
    for i in (1, 2, 3):
        kafka = services[f"kafka-{i}"]
        assert kafka["image"].startswith("apache/kafka:4.2")
        env = kafka["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_NODE_ID"] == i
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
    pg = services["postgres-primary"]
    assert pg["image"].startswith("postgres:")
    assert "wal_level=logical" in pg["command"]
    assert pg["environment"]["POSTGRES_DB"] == "production"
    assert pg["environment"]["POSTGRES_USER"] == "replication_user"
    for name, port in (("connect-1", "8083:8083"), ("connect-2", "8084:8083")):
        worker = services[name]
        assert worker["build"]["dockerfile"] == "Dockerfile"
        assert (ROOT / worker["build"]["dockerfile"]).exists()
        assert worker["command"][:2] == ["connectrt", "distributed"]
        assert worker["ports"] == [port]


def test_registration_posts_the_shared_config_file() -> None:
    reg = _compose()["services"]["register-connector"]
    [volume] = reg["volumes"]
    source, target, _ = volume.split(":")
    assert (COMPOSE.parent / source).resolve() == cdc_demo.CONFIG_FILE
    assert f"--data @{target}" in " ".join(reg["command"])
    assert "/connectors" in " ".join(reg["command"])


def test_local_demo_changes_only_host_and_credentials() -> None:
    env = {"CONNECTRT_PG_HOST": "127.0.0.1", "CONNECTRT_PG_PORT": "29432", "CONNECTRT_PG_USER": "u",
           "CONNECTRT_PG_PASSWORD": "p"}
    spec = cdc_demo.local_config(env)
    changed = {k for k in spec["config"] if spec["config"][k] != SEED_CONFIG["config"].get(k)}
    assert changed == {"database.hostname", "database.port", "database.user", "database.password"}


def test_worker_properties_are_java_keys() -> None:
    from connectrt.config.properties import load_properties
    from connectrt.config.worker_config import DistributedConfig

    props = load_properties(ROOT / "compose" / "worker.properties")
    config = DistributedConfig(props)
    assert config.get("group.id") == "connect-cluster"
    assert config.bootstrap_servers == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
