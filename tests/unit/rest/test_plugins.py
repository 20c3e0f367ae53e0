"""/connector-plugins endpoints."""

from __future__ import annotations

import pytest

from .fake_herder import FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit


def test_list_connector_plugins_defaults_to_connectors_only(client: AppClient, herder: FakeHerder) -> None:
    r = client.get("/connector-plugins")
    assert r.status_code == 200
    assert r.json() == [
        {
            "class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "type": "sink",
            "version": "3.9.0",
        },
        {
            "class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "type": "source",
            "version": "3.9.0",
        },
    ]
    assert herder.called("connector_plugins") == [(True,)]


def test_list_all_plugins(client: AppClient, herder: FakeHerder) -> None:
    r = client.get("/connector-plugins?connectorsOnly=false")
    assert r.json()[2:] == [
        {"class": "org.apache.kafka.connect.transforms.RegexRouter", "type": "transformation"},
        {"class": "org.apache.kafka.connect.json.JsonConverter", "type": "converter", "version": "3.9.0"},
    ]
    client.get("/connector-plugins?connectorsOnly=")
    assert herder.called("connector_plugins")[-1] == (True,)


def test_plugin_config(client: AppClient) -> None:
    r = client.get("/connector-plugins/FileStreamSourceConnector/config")
    assert r.status_code == 200
    assert r.json()[0]["name"] == "file"
    r = client.get("/connector-plugins/Nope/config")
    assert (r.status_code, r.json()) == (404, error(404, "Unknown plugin Nope."))


def test_validate(client: AppClient, herder: FakeHerder) -> None:
    body = {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "tasks.max": 1}
    r = client.put("/connector-plugins/FileStreamSource/config/validate", json=body)
    assert r.status_code == 200
    assert r.json() == {
        "name": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "error_count": 0,
        "groups": ["Common"],
        "configs": [],
    }
    assert herder.called("validate_connector_config")[0][0]["tasks.max"] == "1"


FQCN = "org.apache.kafka.connect.file.FileStreamSourceConnector"


@pytest.mark.parametrize(
    ("plugin", "included"),
    [
        ("FileStreamSourceConnector", "FileStreamSource"),
        ("FileStreamSource", "FileStreamSourceConnector"),
        ("FileStreamSource", FQCN),
        (FQCN, FQCN),
    ],
)
def test_validate_accepts_aliases(client: AppClient, plugin: str, included: str) -> None:
    r = client.put(f"/connector-plugins/{plugin}/config/validate", json={"connector.class": included})
    assert r.status_code == 200


def test_validate_type_mismatch(client: AppClient) -> None:
    r = client.put(
        "/connector-plugins/FileStreamSink/config/validate", json={"connector.class": "FileStreamSource"}
    )
    assert (r.status_code, r.json()) == (
        400,
        error(400, "Included connector type FileStreamSource does not match request type FileStreamSink"),
    )


def test_validate_without_connector_class(client: AppClient) -> None:
    r = client.put("/connector-plugins/FileStreamSource/config/validate", json={"name": "x"})
    assert (r.status_code, r.json()) == (
        400,
        error(400, "Connector config {name=x} contains no connector type"),
    )


def test_validate_bad_body(client: AppClient) -> None:
    r = client.put("/connector-plugins/X/config/validate", json=[1])
    assert (r.status_code, r.json()) == (
        400,
        error(400, "Cannot deserialize value of type `Map<String,String>` from Array value"),
    )
