"""`connectrt dev` and the BigQuery emulator service: ports, defaults, environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from connectrt.dev import bigquery
from connectrt.dev.config import DevSettings, parse_services
from connectrt.dev.errors import DevError
from connectrt.dev.state import ServiceRecord

pytestmark = pytest.mark.unit


def test_the_emulator_is_optional_and_has_its_own_ports(tmp_path: Path) -> None:
    assert parse_services(None) == ("kafka", "postgres", "s3")
    assert parse_services("bigquery,kafka") == ("kafka", "bigquery")
    with pytest.raises(DevError, match="Unknown service bq; choose from kafka, postgres, s3, bigquery"):
        parse_services("bq")
    settings = DevSettings(cache_dir=tmp_path, port_base=31000)
    assert (settings.bigquery_port, settings.bigquery_grpc_port) == (31050, 31060)
    ports = settings.ports(("bigquery",))
    assert ports == {"BigQuery emulator": 31050, "BigQuery emulator gRPC": 31060}
    assert len(set(settings.ports(("kafka", "postgres", "s3", "bigquery")).values())) == 6


def test_env_vars_and_private_environment(tmp_path: Path) -> None:
    record = ServiceRecord(
        name="bigquery",
        kind="bigquery",
        pid=1,
        address="http://127.0.0.1:29050",
        marker="m",
        log="l",
        info={"grpc": "127.0.0.1:29060", "project": "connectrt-dev"},
    )
    assert bigquery.env_vars(record) == {
        "CONNECTRT_BIGQUERY_ENDPOINT": "http://127.0.0.1:29050",
        "CONNECTRT_BIGQUERY_STORAGE_ENDPOINT": "127.0.0.1:29060",
        "CONNECTRT_BIGQUERY_PROJECT": "connectrt-dev",
    }
    venv = bigquery.environment_dir(DevSettings(cache_dir=tmp_path))
    assert venv.parent == tmp_path / "bigquery" and venv.name.startswith("venv-")
    assert "bqemulator==1.4.0" in bigquery.REQUIREMENTS
