"""Listeners, the advertised URL, RestConfig from worker properties, and RestServer on real ports."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from connectrt.config.configdef import ConfigException
from connectrt.rest.app import create_admin_app, create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.listeners import (
    Listener,
    advertised_url,
    parse_admin_listeners,
    parse_listener,
    parse_listeners,
)
from connectrt.rest.server import RestServer

from .fake_herder import FakeHerder

pytestmark = pytest.mark.unit


# --- listeners -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://:8083", Listener("http", "", 8083)),
        ("http://localhost:8083", Listener("http", "localhost", 8083)),
        ("HTTPS://10.0.0.1:8443", Listener("https", "10.0.0.1", 8443)),
        ("http://[::1]:0", Listener("http", "::1", 0)),
        (" http://host-1.example.com:80 ", Listener("http", "host-1.example.com", 80)),
    ],
)
def test_parse_listener(text: str, expected: Listener) -> None:
    assert parse_listener(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("localhost:8083", "Listener doesn't have the right format (protocol://hostname:port)."),
        ("http://localhost", "Listener doesn't have the right format (protocol://hostname:port)."),
        ("ftp://:21", 'Listener protocol must be either "http" or "https".'),
    ],
)
def test_parse_listener_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigException, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        parse_listener(text)


def test_parse_listeners_lists() -> None:
    assert parse_listeners("http://:8083, https://localhost:8443") == [
        Listener("http", "", 8083),
        Listener("https", "localhost", 8443),
    ]
    assert parse_listeners(["http://a:1"]) == [Listener("http", "a", 1)]
    with pytest.raises(ConfigException, match="at least one URL is expected"):
        parse_listeners("")
    with pytest.raises(ConfigException, match="Empty URL found when parsing listeners list."):
        parse_listeners("http://:1,,http://:2")


def test_admin_listeners() -> None:
    assert parse_admin_listeners(None) is None
    assert parse_admin_listeners("") == []
    assert parse_admin_listeners([]) == []
    assert parse_admin_listeners("http://localhost:9093") == [Listener("http", "localhost", 9093)]


def test_advertised_url_rules() -> None:
    listeners = parse_listeners("http://:8083")
    assert advertised_url(listeners, [8083], default_host="worker1") == "http://worker1:8083/"
    assert advertised_url(parse_listeners("http://myhost:0"), [40000]) == "http://myhost:40000/"
    assert (
        advertised_url(
            listeners, [8083], advertised_host_name="connect", advertised_port=18083, default_host="x"
        )
        == "http://connect:18083/"
    )
    both = parse_listeners("https://secure:8443,http://plain:8083")
    assert advertised_url(both, [8443, 8083]) == "http://plain:8083/"
    assert advertised_url(both, [8443, 8083], advertised_listener="HTTPS") == "https://secure:8443/"
    assert advertised_url(parse_listeners("http://[::1]:1"), [1]) == "http://[::1]:1/"


# --- RestConfig ------------------------------------------------------------------------------------


def test_rest_config_from_worker_props() -> None:
    config = RestConfig.from_worker_props(
        {
            "listeners": "http://:8083,http://localhost:8084",
            "rest.advertised.host.name": "connect-1",
            "rest.advertised.port": "18083",
            "rest.advertised.listener": "http",
            "admin.listeners": "",
            "access.control.allow.origin": "*",
            "access.control.allow.methods": "GET,PUT",
            "response.http.headers.config": "set X-Frame-Options: DENY",
            "bootstrap.servers": "ignored:9092",
        }
    )
    assert config.listeners == [Listener("http", "", 8083), Listener("http", "localhost", 8084)]
    assert config.admin_listeners == []
    assert not config.admin_on_main_listener
    assert (config.advertised_host_name, config.advertised_port, config.advertised_listener) == (
        "connect-1",
        18083,
        "http",
    )
    assert config.access_control_allow_origin == "*"
    assert config.response_http_headers == "set X-Frame-Options: DENY"
    assert config.request_timeout_s == 90.0 and config.health_check_timeout_s == 10.0


def test_rest_config_defaults() -> None:
    config = RestConfig.from_worker_props({})
    assert config.listeners == [Listener("http", "", 8083)]
    assert config.admin_listeners is None and config.admin_on_main_listener
    assert config.advertised_host_name is None and config.advertised_port is None


# --- RestServer ------------------------------------------------------------------------------------


def _serve(config: RestConfig, herder: FakeHerder) -> RestServer:
    admin = create_admin_app(herder, config) if config.admin_listeners else None
    return RestServer(create_app(herder, config), config, admin_app=admin)


def test_rest_server_ephemeral_ports_and_admin_listener() -> None:
    herder = FakeHerder()
    herder.add_connector("a")
    config = RestConfig(
        listeners=parse_listeners("http://127.0.0.1:0,http://:0"),
        admin_listeners=parse_listeners("http://127.0.0.1:0"),
        advertised_host_name="127.0.0.1",
    )
    server = _serve(config, herder)

    async def run() -> None:
        server.bind()
        ports = server.ports()
        assert len(ports) == 2 and all(p > 0 for p in ports)
        assert server.advertised_url() == f"http://127.0.0.1:{ports[0]}/"
        admin_url = server.admin_url()
        assert admin_url is not None and admin_url != server.advertised_url()
        await server.start()
        try:
            async with httpx.AsyncClient() as http:
                for port in ports:
                    r = await http.get(f"http://127.0.0.1:{port}/connectors")
                    assert (r.status_code, r.json()) == (200, ["a"])
                r = await http.get(f"http://127.0.0.1:{ports[0]}/admin/loggers")
                assert r.status_code == 404
                r = await http.get(admin_url + "admin/loggers")
                assert r.status_code == 200 and "root" in r.json()
        finally:
            await server.stop()
        async with httpx.AsyncClient() as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{ports[0]}/connectors")

    asyncio.run(run())


def test_rest_server_graceful_stop_finishes_in_flight_requests() -> None:
    herder = FakeHerder()
    config = RestConfig(listeners=parse_listeners("http://127.0.0.1:0"), graceful_shutdown_timeout_s=5)
    server = _serve(config, herder)
    release = asyncio.Event()
    original = herder.connectors

    async def slow_connectors() -> list[str]:
        await release.wait()
        return await original()

    herder.connectors = slow_connectors  # type: ignore[method-assign]

    async def run() -> None:
        await server.start()
        port = server.ports()[0]
        async with httpx.AsyncClient() as http:
            request = asyncio.create_task(http.get(f"http://127.0.0.1:{port}/connectors"))
            await asyncio.sleep(0.2)
            stopping = asyncio.create_task(server.stop())
            await asyncio.sleep(0.2)
            release.set()
            r = await request
            await stopping
        assert (r.status_code, r.json()) == (200, [])

    asyncio.run(run())


def test_admin_url_without_admin_listeners() -> None:
    config = RestConfig(listeners=parse_listeners("http://127.0.0.1:0"))
    server = _serve(config, FakeHerder())
    server.bind()
    try:
        assert server.admin_url() == server.advertised_url()
    finally:
        asyncio.run(server.stop())
    disabled = RestConfig(listeners=parse_listeners("http://127.0.0.1:0"), admin_listeners=[])
    server = _serve(disabled, FakeHerder())
    server.bind()
    try:
        assert server.admin_url() is None
    finally:
        asyncio.run(server.stop())


def test_https_listener_needs_a_certificate() -> None:
    config = RestConfig(listeners=parse_listeners("https://127.0.0.1:0"))
    server = _serve(config, FakeHerder())

    async def run() -> None:
        with pytest.raises(
            ConfigException,
            match="HTTPS listeners need a keystore: set listeners.https.ssl.keystore.location",
        ):
            await server.start()
        await server.stop()

    asyncio.run(run())


def test_port_in_use_is_a_config_error() -> None:
    first = _serve(RestConfig(listeners=parse_listeners("http://127.0.0.1:0")), FakeHerder())
    first.bind()
    try:
        port = first.ports()[0]
        second = _serve(RestConfig(listeners=parse_listeners(f"http://127.0.0.1:{port}")), FakeHerder())
        with pytest.raises(ConfigException, match="Cannot bind listener"):
            second.bind()
    finally:
        asyncio.run(first.stop())


def test_rest_config_bad_port() -> None:
    with pytest.raises(
        ConfigException, match="Invalid value abc for configuration rest.advertised.port: Not a number"
    ):
        RestConfig.from_worker_props({"rest.advertised.port": "abc"})
