"""openapi/connect-rest.yaml is generated from the app; this fails when the checked-in file is stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectrt.rest.openapi import openapi_document, to_yaml

pytestmark = pytest.mark.unit

CHECKED_IN = Path(__file__).resolve().parents[3] / "openapi" / "connect-rest.yaml"
REGENERATE = "python -m connectrt.rest.openapi > openapi/connect-rest.yaml"


def test_checked_in_document_is_current() -> None:
    assert CHECKED_IN.exists(), f"missing {CHECKED_IN}; run `{REGENERATE}`"
    assert CHECKED_IN.read_text() == to_yaml(openapi_document()), f"stale API document; run `{REGENERATE}`"


def test_document_lists_every_public_endpoint() -> None:
    doc = openapi_document()
    operations = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    assert operations == {
        ("GET", "/"),
        ("GET", "/health"),
        ("GET", "/connectors"),
        ("POST", "/connectors"),
        ("GET", "/connectors/{connector}"),
        ("DELETE", "/connectors/{connector}"),
        ("GET", "/connectors/{connector}/config"),
        ("PUT", "/connectors/{connector}/config"),
        ("PATCH", "/connectors/{connector}/config"),
        ("GET", "/connectors/{connector}/status"),
        ("GET", "/connectors/{connector}/tasks"),
        ("GET", "/connectors/{connector}/tasks/{task}/status"),
        ("POST", "/connectors/{connector}/tasks/{task}/restart"),
        ("GET", "/connectors/{connector}/tasks/{task}/metrics"),  # connectrt extension
        ("POST", "/connectors/{connector}/restart"),
        ("PUT", "/connectors/{connector}/pause"),
        ("PUT", "/connectors/{connector}/resume"),
        ("PUT", "/connectors/{connector}/stop"),
        ("GET", "/connectors/{connector}/offsets"),
        ("PATCH", "/connectors/{connector}/offsets"),
        ("DELETE", "/connectors/{connector}/offsets"),
        ("GET", "/connectors/{connector}/topics"),
        ("PUT", "/connectors/{connector}/topics/reset"),
        ("GET", "/connector-plugins"),
        ("GET", "/connector-plugins/{pluginName}/config"),
        ("PUT", "/connector-plugins/{pluginName}/config/validate"),
        ("GET", "/admin/loggers"),
        ("GET", "/admin/loggers/{logger}"),
        ("PUT", "/admin/loggers/{logger}"),
    }


def test_every_reference_resolves() -> None:
    doc = openapi_document()
    text = json.dumps(doc)
    schemas = doc["components"]["schemas"]
    for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name


def test_yaml_round_trips() -> None:
    yaml = pytest.importorskip("yaml")
    doc = openapi_document()
    assert yaml.safe_load(to_yaml(doc)) == json.loads(json.dumps(doc))


def test_yaml_quotes_what_yaml_would_misread() -> None:
    yaml = pytest.importorskip("yaml")
    tricky = {
        "a": ["true", "no", "1.0", "", "x: y", "#c", "- d", "{e}", "null", "3", "it's", " pad", "ok"],
        "": 1,
    }
    assert yaml.safe_load(to_yaml(tricky)) == tricky
