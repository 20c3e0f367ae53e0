"""RestServer on real local ports from Java worker properties: HTTPS (PKCS12, PEM), client
certificates, admin.listeners, forwarding over HTTPS with authentication, the warning."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectrt.config.configdef import ConfigException
from connectrt.model.errors import NotLeaderException
from connectrt.rest.app import create_admin_app, create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.server import RestServer
from tests.unit.rest.fake_herder import FakeHerder

from .conftest import KEY_PASSWORD, STORE_PASSWORD, TRUST_PASSWORD, Stores

pytestmark = pytest.mark.unit

RECORDING = json.loads((Path(__file__).parent / "java_rest_security_4_2_1.json").read_text())
EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
GOOD = "Basic " + base64.b64encode(b"admin:s3cret").decode()


def auth_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "creds").write_text("admin: s3cret\n")
    (tmp_path / "jaas.conf").write_text(
        "KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required "
        f'file="{tmp_path / "creds"}"; }};'
    )
    return {
        "KAFKA_OPTS": f"-Djava.security.auth.login.config={tmp_path / 'jaas.conf'}",
        "HOME": str(tmp_path),
    }


def pkcs12_listener(stores: Stores, prefix: str = "listeners.https.") -> dict[str, str]:
    return {
        f"{prefix}ssl.keystore.location": str(stores.server_p12),
        f"{prefix}ssl.keystore.type": "PKCS12",
        f"{prefix}ssl.keystore.password": STORE_PASSWORD,
        f"{prefix}ssl.key.password": STORE_PASSWORD,
    }


@asynccontextmanager
async def serving(
    props: Mapping[str, Any], herder: FakeHerder, environ: Mapping[str, str] | None = None
) -> AsyncIterator[RestServer]:
    config = RestConfig.from_worker_props(props, environ=environ or {})
    admin = create_admin_app(herder, config) if config.admin_listeners else None
    server = RestServer(create_app(herder, config), config, admin_app=admin)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def trusting(stores: Stores, client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=stores.ca.cert_pem().decode())
    if client_cert:
        context.load_cert_chain(stores.client_pem)
    return context


def run(coro: Callable[[], Any]) -> None:
    asyncio.run(coro())


def test_https_with_pkcs12_keystore(stores: Stores) -> None:
    async def go() -> None:
        props = {"listeners": "https://127.0.0.1:0", **pkcs12_listener(stores)}
        async with serving(props, FakeHerder()) as server:
            port = server.ports()[0]
            assert server.advertised_url().startswith("https://127.0.0.1:")
            async with httpx.AsyncClient(verify=trusting(stores)) as http:
                r = await http.get(f"https://localhost:{port}/connectors")
                assert (r.status_code, r.json()) == (200, [])
            async with httpx.AsyncClient(verify=ssl.create_default_context()) as http:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await http.get(f"https://localhost:{port}/")
            async with httpx.AsyncClient() as http:  # plain HTTP to a TLS port gets nothing
                with pytest.raises(httpx.HTTPError):
                    await http.get(f"http://localhost:{port}/")

    run(go)


def test_https_with_top_level_pem_settings(stores: Stores) -> None:
    """Without any listeners.https.* key, Java uses the top-level ssl.* keys (all or nothing)."""

    async def go() -> None:
        props = {
            "listeners": "https://127.0.0.1:0,http://127.0.0.1:0",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(stores.server_pem_encrypted),
            "ssl.key.password": KEY_PASSWORD,
        }
        async with serving(props, FakeHerder()) as server:
            https_port, http_port = server.ports()
            assert server.advertised_url() == f"http://127.0.0.1:{http_port}/"  # http first, as Java
            async with httpx.AsyncClient(verify=trusting(stores)) as http:
                assert (await http.get(f"https://localhost:{https_port}/")).status_code == 200
                assert (await http.get(f"http://127.0.0.1:{http_port}/")).status_code == 200

    run(go)


def test_client_auth_required(stores: Stores) -> None:
    async def go() -> None:
        props = {
            "listeners": "https://127.0.0.1:0",
            **pkcs12_listener(stores),
            "listeners.https.ssl.truststore.location": str(stores.truststore_p12),
            "listeners.https.ssl.truststore.type": "PKCS12",
            "listeners.https.ssl.truststore.password": TRUST_PASSWORD,
            "listeners.https.ssl.client.auth": "required",
        }
        async with serving(props, FakeHerder()) as server:
            url = f"https://localhost:{server.ports()[0]}/connectors"
            # Java 4.2.1 (recorded): the handshake fails without a client certificate.
            assert RECORDING["client_auth"]["no_client_cert"]["error"] == "ReadError"
            async with httpx.AsyncClient(verify=trusting(stores)) as http:
                with pytest.raises(httpx.HTTPError):
                    await http.get(url)
            async with httpx.AsyncClient(verify=trusting(stores, client_cert=True)) as http:
                assert (await http.get(url)).status_code == 200

    run(go)


def test_admin_listeners_like_java(stores: Stores, tmp_path: Path) -> None:
    """Recorded from Java: with admin.listeners set, /admin/loggers is served there only, without
    authentication (the REST extension is registered on the main listeners only); the main
    listeners answer 404 to it, the admin listener 404 to everything else."""
    auth = RECORDING["auth"]
    assert auth["loggers_admin_no_header"]["status"] == 200
    assert auth["loggers_main_good"] == {
        "status": 404,
        "headers": {},
        "body": '{"error_code":404,"message":"HTTP 404 Not Found"}',
    }
    assert auth["connectors_admin_no_header"]["status"] == 404

    async def go() -> None:
        props = {
            "listeners": "http://127.0.0.1:0",
            "admin.listeners": "https://127.0.0.1:0",
            "rest.extension.classes": EXTENSION,
            **pkcs12_listener(stores, "admin.listeners.https."),
        }
        async with serving(props, FakeHerder(), auth_env(tmp_path)) as server:
            main = f"http://127.0.0.1:{server.ports()[0]}"
            admin = server.admin_url()
            assert admin is not None and admin.startswith("https://127.0.0.1:")
            admin = admin.replace("127.0.0.1", "localhost")
            async with httpx.AsyncClient(verify=trusting(stores)) as http:
                r = await http.get(admin + "admin/loggers/root")
                assert r.status_code == 200 and "level" in r.json()
                r = await http.get(admin + "connectors")
                assert (r.status_code, r.json()) == (
                    404,
                    {"error_code": 404, "message": "HTTP 404 Not Found"},
                )
                r = await http.get(main + "/admin/loggers", headers={"Authorization": GOOD})
                assert (r.status_code, r.json()) == (
                    404,
                    {"error_code": 404, "message": "HTTP 404 Not Found"},
                )
                assert (await http.get(main + "/connectors")).status_code == 401

    run(go)


def test_admin_listeners_empty_disables_them() -> None:
    assert RECORDING["client_auth"]["admin_disabled_loggers"]["status"] == 404

    async def go() -> None:
        async with serving(
            {"listeners": "http://127.0.0.1:0", "admin.listeners": ""}, FakeHerder()
        ) as server:
            assert server.admin_url() is None
            async with httpx.AsyncClient() as http:
                r = await http.get(f"http://127.0.0.1:{server.ports()[0]}/admin/loggers")
                assert r.status_code == 404

    run(go)


def test_admin_endpoints_on_main_listener_are_authenticated(tmp_path: Path) -> None:
    async def go() -> None:
        props = {"listeners": "http://127.0.0.1:0", "rest.extension.classes": EXTENSION}
        async with serving(props, FakeHerder(), auth_env(tmp_path)) as server:
            url = f"http://127.0.0.1:{server.ports()[0]}/admin/loggers"
            async with httpx.AsyncClient() as http:
                assert (await http.get(url)).status_code == 401
                assert (await http.get(url, headers={"Authorization": GOOD})).status_code == 200

    run(go)


def test_https_admin_listener_without_keystore_refuses_to_start(stores: Stores) -> None:
    props = {
        "listeners": "https://127.0.0.1:0",
        "admin.listeners": "https://127.0.0.1:0",
        **pkcs12_listener(stores),
    }
    with pytest.raises(ConfigException) as info:
        RestConfig.from_worker_props(props, environ={})
    assert str(info.value) == (
        "admin.listeners=https://127.0.0.1:0 needs a keystore: set admin.listeners.https.ssl.keystore.location "
        "(PKCS12 or PEM) with admin.listeners.https.ssl.keystore.type and admin.listeners.https.ssl.keystore.password."
    )


def test_jks_listener_refuses_to_start(stores: Stores) -> None:
    props = {"listeners": "https://:8443", "listeners.https.ssl.keystore.location": str(stores.jks)}
    with pytest.raises(
        ConfigException, match=r"is a JKS keystore, which connectrt cannot read; convert it to PKCS12"
    ):
        RestConfig.from_worker_props(props, environ={})


def test_warning_for_unauthenticated_non_loopback_listeners(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def go() -> None:
        with caplog.at_level(logging.WARNING, logger="connectrt.rest.server"):
            async with serving({"listeners": "http://127.0.0.1:0"}, FakeHerder()):
                pass
            assert "without authentication" not in caplog.text
            async with serving({"listeners": "http://:0"}, FakeHerder()):
                pass
            assert "The REST API listens on http://:0 without authentication" in caplog.text
            caplog.clear()
            props = {"listeners": "http://:0", "rest.extension.classes": EXTENSION}
            async with serving(props, FakeHerder(), auth_env(tmp_path)):
                pass
            assert "without authentication" not in caplog.text
            async with serving({**props, "admin.listeners": "http://:0"}, FakeHerder(), auth_env(tmp_path)):
                pass
            assert (
                "The admin endpoints (/admin/loggers) listens on http://:0 without authentication"
                in caplog.text
            )

    run(go)


def test_forwarding_over_https_with_authentication(stores: Stores, tmp_path: Path) -> None:
    """A follower forwards a create to the leader over HTTPS: it verifies the leader with its
    truststore, presents its keystore (the leader requires client certificates) and passes the
    client's Authorization header on (Java's RestClient). A leader's 401 comes back to the client
    as Connect's error JSON."""

    async def go() -> None:
        worker = {
            "listeners": "https://127.0.0.1:0",
            "rest.extension.classes": EXTENSION,
            **pkcs12_listener(stores),
            "listeners.https.ssl.truststore.location": str(stores.ca_pem),
            "listeners.https.ssl.truststore.type": "PEM",
            "listeners.https.ssl.client.auth": "required",
        }
        leader, follower = FakeHerder(), FakeHerder()
        env = auth_env(tmp_path)
        async with serving(worker, leader, env) as leader_server:
            leader_url = f"https://localhost:{leader_server.ports()[0]}/"
            follower.fail("put_connector_config", NotLeaderException("not the leader", leader_url))
            async with serving(worker, follower, env) as follower_server:
                url = f"https://localhost:{follower_server.ports()[0]}/connectors"
                body = {"name": "a", "config": {"connector.class": "FileStreamSource"}}
                async with httpx.AsyncClient(verify=trusting(stores, client_cert=True)) as http:
                    r = await http.post(url, json=body, headers={"Authorization": GOOD})
                    assert r.status_code == 201, r.text
                    assert "a" in leader.configs and "a" not in follower.configs
                    assert (await http.post(url, json=body)).status_code == 401  # the follower's own check
            # A follower without authentication in front of an authenticating leader.
            open_follower = {k: v for k, v in worker.items() if k != "rest.extension.classes"}
            async with serving(open_follower, follower, env) as follower_server:
                url = f"https://localhost:{follower_server.ports()[0]}/connectors"
                async with httpx.AsyncClient(verify=trusting(stores, client_cert=True)) as http:
                    r = await http.post(
                        url, json={"name": "b", "config": {"connector.class": "FileStreamSource"}}
                    )
                    assert (r.status_code, r.json()) == (
                        401,
                        {"error_code": 401, "message": "User cannot access the resource."},
                    )
                    assert "b" not in leader.configs

    run(go)


def test_advertised_https_listener(stores: Stores) -> None:
    """rest.advertised.listener=https: the worker's URL (its id, where others forward) is the https one."""

    async def go() -> None:
        props = {
            "listeners": "http://127.0.0.1:0,https://127.0.0.1:0",
            "rest.advertised.listener": "https",
            "rest.advertised.host.name": "localhost",
            **pkcs12_listener(stores),
        }
        async with serving(props, FakeHerder()) as server:
            assert server.advertised_url() == f"https://localhost:{server.ports()[1]}/"
            async with httpx.AsyncClient(verify=trusting(stores)) as http:
                assert (await http.get(server.advertised_url())).status_code == 200

    run(go)
