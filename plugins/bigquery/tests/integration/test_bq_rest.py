"""The connector through the REST API: validation answers never echo the key, bad configs get 400."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bq_harness import worker

pytestmark = pytest.mark.integration

PLUGIN = "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"


def test_validate_and_create_through_rest(kafka_bootstrap: str, unique_name: Any, tmp_path: Path) -> None:
    secret = json.dumps(
        {"type": "service_account", "private_key": "TOPSECRET-MATERIAL", "client_email": "x@y"}
    )
    config = {
        "connector.class": PLUGIN, "topics": "t", "project": "p", "defaultDataset": "d",
        "keySource": "JSON", "keyfile": secret, "bigQueryEndpoint": "ftp://somewhere",
    }  # fmt: skip
    with worker(kafka_bootstrap, tmp_path, []) as w, w.client() as c:
        answer = c.put(f"/connector-plugins/{PLUGIN}/config/validate", json=config)
        assert answer.status_code == 200
        assert "TOPSECRET" not in answer.text
        configs = {item["value"]["name"]: item["value"] for item in answer.json()["configs"]}
        assert configs["keyfile"]["value"] == "[hidden]"
        assert configs["keyfile"]["errors"][0].startswith(
            "An unexpected error occurred while validating credentials for BigQuery: the key is not a usable"
        )
        assert configs["bigQueryEndpoint"]["errors"] == [
            "Invalid value ftp://somewhere for configuration bigQueryEndpoint: Must be an http:// or https:// URL "
            "such as http://127.0.0.1:29050"
        ]
        name = unique_name("bq-rest")
        created = c.put(f"/connectors/{name}/config", json={**config, "keySource": "NONE", "keyfile": ""})
        assert created.status_code == 400
        body = created.json()
        assert body["error_code"] == 400
        assert "bigQueryEndpoint" in body["message"] and "TOPSECRET" not in created.text
        log = w.tail(400)
    assert "TOPSECRET" not in log
