"""Internal endpoints (POST /connectors/{c}/tasks, PUT /connectors/{c}/fence) and signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from starlette.requests import Request

from connectrt.herder.signature import InternalRequestSignature, signature_headers
from connectrt.model.errors import ForbiddenException
from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig

from .fake_herder import FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit

KEY = b"0123456789abcdef0123456789abcdef"


def test_signature_headers_are_java_compatible() -> None:
    body = b'[{"task.class":"T"}]'
    expected = base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest()).decode()
    assert signature_headers(KEY, body) == {
        "X-Connect-Authorization": expected,
        "X-Connect-Request-Signature-Algorithm": "HmacSHA256",
    }


def test_signature_checks_itself() -> None:
    body = b"[]"
    headers = signature_headers(KEY, body, "HmacSHA512")
    sig = InternalRequestSignature.from_headers(body, headers)
    assert sig is not None
    assert sig.is_valid(KEY)
    assert not sig.is_valid(b"other key")
    assert dict(sig) == headers
    assert sig.key_algorithm() == "HmacSHA512"
    assert InternalRequestSignature.from_headers(body, {"X-Connect-Authorization": "x"}) is None


def test_put_task_configs_passes_body_and_signature(client: AppClient, herder: FakeHerder) -> None:
    body = b'[{"task.class":"T","x":"1"},{"task.class":"T","x":"2"}]'
    r = client.post(
        "/connectors/a/tasks?forward=false",
        content=body,
        headers={**signature_headers(KEY, body), "Content-Type": "application/json"},
    )
    assert (r.status_code, r.content) == (204, b"")
    name, configs, signature = herder.called("put_task_configs")[0]
    assert name == "a"
    assert configs == [{"task.class": "T", "x": "1"}, {"task.class": "T", "x": "2"}]
    assert isinstance(signature, InternalRequestSignature)
    assert signature.body == body
    assert signature.is_valid(KEY)


def test_put_task_configs_without_signature(client: AppClient, herder: FakeHerder) -> None:
    assert client.post("/connectors/a/tasks", json=[]).status_code == 204
    assert herder.called("put_task_configs")[0][2] is None


def test_herder_rejection_is_relayed(client: AppClient, herder: FakeHerder) -> None:
    herder.fail("put_task_configs", ForbiddenException("Internal request contained invalid signature."))
    r = client.post("/connectors/a/tasks", json=[], headers=signature_headers(b"wrong", b"[]"))
    assert (r.status_code, r.json()) == (403, error(403, "Internal request contained invalid signature."))


def test_unknown_algorithm_is_400(client: AppClient) -> None:
    r = client.post(
        "/connectors/a/tasks",
        json=[],
        headers={"X-Connect-Authorization": "AAAA", "X-Connect-Request-Signature-Algorithm": "HmacFoo"},
    )
    assert (r.status_code, r.json()) == (400, error(400, "Algorithm HmacFoo not available"))


def test_bad_base64_is_400(client: AppClient) -> None:
    r = client.post(
        "/connectors/a/tasks",
        json=[],
        headers={
            "X-Connect-Authorization": "not base64!",
            "X-Connect-Request-Signature-Algorithm": "HmacSHA256",
        },
    )
    assert r.status_code == 400
    assert r.json()["message"].startswith("Illegal base64 in the X-Connect-Authorization header")


def test_task_configs_must_be_an_array(client: AppClient) -> None:
    r = client.post("/connectors/a/tasks", json={"task.class": "T"})
    assert (r.status_code, r.json()) == (
        400,
        error(400, "Cannot deserialize value of type `List<Map<String,String>>` from Object value"),
    )


def test_fence(client: AppClient, herder: FakeHerder) -> None:
    r = client.put("/connectors/a/fence", headers=signature_headers(KEY, b""))
    assert r.status_code == 204
    name, signature = herder.called("fence_zombies")[0]
    assert name == "a" and signature.body == b"" and signature.is_valid(KEY)


def test_internal_request_verifier_can_reject(herder: FakeHerder) -> None:
    seen: list[bytes] = []

    async def verifier(request: Request, body: bytes) -> None:
        seen.append(body)
        if request.headers.get("x-client-cert") != "ok":
            raise ForbiddenException("Internal requests need a client certificate.")

    c = AppClient(create_app(herder, RestConfig(internal_request_verifier=verifier)))
    try:
        r = c.put("/connectors/a/fence")
        assert (r.status_code, r.json()) == (403, error(403, "Internal requests need a client certificate."))
        assert c.put("/connectors/a/fence", headers={"x-client-cert": "ok"}).status_code == 204
        assert seen == [b"", b""]
        assert c.get("/connectors").status_code == 200  # public endpoints are not checked
    finally:
        c.close()


def test_signed_request_round_trip(herder: FakeHerder) -> None:
    import asyncio

    import httpx

    from connectrt.rest.forwarding import RestClient

    client = RestClient(transport=httpx.ASGITransport(app=create_app(herder, RestConfig())))
    configs = [{"task.class": "T", "n": "0"}]
    response = asyncio.run(
        client.signed_request("http://leader:8083/connectors/a/tasks", "POST", configs, KEY)
    )
    assert (response.status, response.body) == (204, None)
    name, received, signature = herder.called("put_task_configs")[0]
    assert (name, received) == ("a", configs)
    assert signature.is_valid(KEY)
