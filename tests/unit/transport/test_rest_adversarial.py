"""Hostile Authorization headers against a real authenticating listener: every one is refused
with a 4xx, none takes the server down, and the next good request is served."""

from __future__ import annotations

import asyncio
import base64
import socket
from pathlib import Path

import pytest

from connectrt.rest.app import create_app
from connectrt.rest.basic_auth import BasicAuthenticator, LoginStep, PropertyFileCredentials
from connectrt.rest.config import RestConfig
from connectrt.rest.listeners import parse_listeners
from connectrt.rest.server import RestServer
from tests.unit.rest.fake_herder import FakeHerder

pytestmark = pytest.mark.unit


def exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def get(header: bytes) -> bytes:
    return (
        b"GET /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + header + b"\r\n\r\n"
    )


GOOD = b"Basic " + base64.b64encode(b"u:p")
HOSTILE = {
    "raw latin-1 bytes": (b"Basic \xe9\xff\xfe", b"HTTP/1.1 401 Unauthorized"),
    "utf-8 bytes in the header": ("Basic \u00e9\u00e8".encode(), b"HTTP/1.1 401 Unauthorized"),
    "base64 of non-UTF-8 credentials": (
        b"Basic " + base64.b64encode(b"u:\xff\xfe"),
        b"HTTP/1.1 401 Unauthorized",
    ),
    "9 KiB of base64": (b"Basic " + base64.b64encode(b"u:" + b"p" * 7000), b"HTTP/1.1 401 Unauthorized"),
    "60 KiB header": (b"Basic " + b"A" * 60_000, b"HTTP/1.1 431 Request Header Fields Too Large"),
    "1 MiB header": (b"Basic " + b"A" * 1_000_000, b"HTTP/1.1 431 Request Header Fields Too Large"),
    "NUL byte": (b"Basic \x00abc", b"HTTP/1.1 400 Bad Request"),
    "only spaces": (b"      ", b"HTTP/1.1 401 Unauthorized"),
    "colon flood": (b"Basic " + base64.b64encode(b":" * 5000), b"HTTP/1.1 401 Unauthorized"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_authorization_headers(tmp_path: Path, case: str) -> None:
    header, expected = HOSTILE[case]
    (tmp_path / "creds").write_text("u: p\n")
    auth = BasicAuthenticator(
        [LoginStep("required", PropertyFileCredentials.load(str(tmp_path / "creds")))], "x"
    )

    async def go() -> None:
        config = RestConfig(listeners=parse_listeners("http://127.0.0.1:0"), authenticator=auth)
        server = RestServer(create_app(FakeHerder(), config), config)
        await server.start()
        try:
            port = server.ports()[0]
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, exchange, port, get(header)) == expected
            # Many at once, then a good request: still served.
            results = await asyncio.gather(
                *(loop.run_in_executor(None, exchange, port, get(header)) for _ in range(8))
            )
            assert set(results) == {expected}
            assert await loop.run_in_executor(None, exchange, port, get(GOOD)) == b"HTTP/1.1 200 OK"
        finally:
            await server.stop()

    asyncio.run(go())
