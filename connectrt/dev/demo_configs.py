"""The CDC demo's connector configs: the files users already have (``compose/*.json``), with only this
machine's hosts, URLs and credentials put in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectrt.dev.demo_database import WAREHOUSE_DB
from connectrt.dev.errors import DevError

COMPOSE = Path(__file__).resolve().parents[2] / "compose"
CONFIG_FILE = COMPOSE / "postgres-cdc-source.json"
SINK_FILE = COMPOSE / "warehouse-sink.json"
ARCHIVE_FILE = COMPOSE / "cdc-archive-sink.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise DevError(f"Cannot read the demo connector config {path}: {e}.")
    return data


def load_config() -> dict[str, Any]:
    return _read(CONFIG_FILE)


def local_config(env: dict[str, str]) -> dict[str, Any]:
    """The shared source config with this machine's host and credentials (nothing else changes)."""
    data = load_config()
    config = dict(data["config"])
    config.update(
        {
            "database.hostname": env["CONNECTRT_PG_HOST"],
            "database.port": env["CONNECTRT_PG_PORT"],
            "database.user": env["CONNECTRT_PG_USER"],
            "database.password": env["CONNECTRT_PG_PASSWORD"],
        }
    )
    return {"name": data["name"], "config": config}


def warehouse_url(env: dict[str, str], warehouse: str | None, duckdb_file: Path) -> str:
    """The sink's ``connection.url``: a DuckDB file (default), the dev PostgreSQL's warehouse database
    (``postgresql``), or any JDBC / SQLAlchemy URL the user gives."""
    if not warehouse or warehouse == "duckdb":
        return f"jdbc:duckdb:{duckdb_file}"
    if warehouse in ("postgresql", "postgres"):
        return f"jdbc:postgresql://{env['CONNECTRT_PG_HOST']}:{env['CONNECTRT_PG_PORT']}/{WAREHOUSE_DB}"
    return warehouse


def local_sink_config(env: dict[str, str], url: str) -> dict[str, Any]:
    """The shared sink config with this machine's warehouse URL and credentials (nothing else changes)."""
    data = _read(SINK_FILE)
    config = dict(data["config"])
    config["connection.url"] = url
    if url.startswith("jdbc:postgresql://") and f":{env['CONNECTRT_PG_PORT']}/" in url:
        config["connection.username"] = env["CONNECTRT_PG_USER"]
        config["connection.password"] = env["CONNECTRT_PG_PASSWORD"]
    elif not url.startswith("jdbc:postgresql"):
        config.pop("connection.username", None)
        config.pop("connection.password", None)
    return {"name": data["name"], "config": config}


def local_archive_config(env: dict[str, str]) -> dict[str, Any]:
    """The shared S3 archive config pointed at the dev S3 server: its endpoint, region and keys (the file
    itself names no endpoint and no keys: on AWS the default credentials chain applies)."""
    data = _read(ARCHIVE_FILE)
    config = dict(data["config"])
    config.update(
        {
            "store.url": env["CONNECTRT_S3_ENDPOINT"],
            "s3.region": env["CONNECTRT_S3_REGION"],
            "aws.access.key.id": env["CONNECTRT_S3_ACCESS_KEY_ID"],
            "aws.secret.access.key": env["CONNECTRT_S3_SECRET_ACCESS_KEY"],
        }
    )
    return {"name": data["name"], "config": config}
