"""CORS (access.control.allow.*) and response.http.headers.config."""

from __future__ import annotations

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.middleware import HeaderRule, parse_header_rules

from .fake_herder import FakeHerder
from .helpers import AppClient

pytestmark = pytest.mark.unit


def _client(config: RestConfig) -> AppClient:
    return AppClient(create_app(FakeHerder(), config))


def test_cors_off_by_default() -> None:
    c = _client(RestConfig())
    try:
        r = c.get("/connectors", headers={"Origin": "http://ui.example.com"})
        assert "access-control-allow-origin" not in r.headers
    finally:
        c.close()


def test_cors_allowed_origins() -> None:
    c = _client(
        RestConfig(
            access_control_allow_origin="http://ui.example.com, https://*.corp.example",
            access_control_allow_methods="GET,PUT",
        )
    )
    try:
        r = c.get("/connectors", headers={"Origin": "http://ui.example.com"})
        assert r.headers["access-control-allow-origin"] == "http://ui.example.com"
        r = c.get("/connectors", headers={"Origin": "https://a.corp.example"})
        assert r.headers["access-control-allow-origin"] == "https://a.corp.example"
        r = c.get("/connectors", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        r = c.request(
            "OPTIONS",
            "/connectors",
            headers={"Origin": "http://ui.example.com", "Access-Control-Request-Method": "PUT"},
        )
        assert r.status_code == 200
        assert "PUT" in r.headers["access-control-allow-methods"]
    finally:
        c.close()


def test_cors_wildcard() -> None:
    c = _client(RestConfig(access_control_allow_origin="*"))
    try:
        r = c.get("/connectors", headers={"Origin": "http://anything"})
        assert r.headers["access-control-allow-origin"] == "*"
    finally:
        c.close()


def test_header_rules_parse() -> None:
    assert parse_header_rules("") == []
    assert parse_header_rules(
        'set X-Frame-Options: DENY,"add Cache-Control: no-cache, no-store", addDate Expires: 3600000'
    ) == [
        HeaderRule("set", "X-Frame-Options", "DENY"),
        HeaderRule("add", "Cache-Control", "no-cache, no-store"),
        HeaderRule("addDate", "Expires", "3600000"),
    ]
    with pytest.raises(ConfigException, match="Invalid header config action: 'put'"):
        parse_header_rules("put X: y")
    with pytest.raises(ConfigException, match="Invalid format of header config"):
        parse_header_rules("set")


def test_header_rules_apply_to_responses() -> None:
    c = _client(
        RestConfig(response_http_headers="set X-Frame-Options: DENY, add X-Extra: 1, setDate Expires: 0")
    )
    try:
        r = c.get("/connectors")
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-extra"] == "1"
        assert r.headers["expires"].endswith("GMT")
        r = c.get("/nope")
        assert r.headers["x-frame-options"] == "DENY"
    finally:
        c.close()
