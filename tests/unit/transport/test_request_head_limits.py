"""Requests refused before they reach the app (oversized or unparseable heads) get Connect's error
JSON with Jetty's statuses (414 for a long request line, 431 for large headers, 400 for the rest),
over raw sockets against a real listener; the listener keeps serving afterwards."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

import pytest

from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.listeners import parse_listeners
from connectrt.rest.server import RestServer
from tests.unit.rest.fake_herder import FakeHerder

pytestmark = pytest.mark.unit


def exchange(port: int, request: bytes, chunk: int | None = None) -> tuple[bytes, dict[str, Any] | None]:
    """Send ``request`` (in pieces of ``chunk`` bytes when given) and read the answer to its end:
    the status line and the JSON body (None when the body is not JSON)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            if chunk is None:
                s.sendall(request)
            else:
                for i in range(0, len(request), chunk):
                    s.sendall(request[i : i + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading everything, as it may
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    return head.split(b"\r\n", 1)[0], parsed


def serve(check: Callable[[int], None]) -> None:
    async def go() -> None:
        config = RestConfig(listeners=parse_listeners("http://127.0.0.1:0"))
        server = RestServer(create_app(FakeHerder(), config), config)
        await server.start()
        try:
            await asyncio.get_running_loop().run_in_executor(None, check, server.ports()[0])
        finally:
            await server.stop()

    asyncio.run(go())


HEADERS_TOO_LARGE = {
    "error_code": 431,
    "message": "The request headers are larger than 16384 bytes; send fewer or shorter headers.",
}
URI_TOO_LONG = {"error_code": 414, "message": "The request line is longer than 16384 bytes; shorten the URL."}
GOOD = b"GET /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("chunk", [None, 1024], ids=["one-write", "1KiB-writes"])
def test_oversized_heads_answer_connect_json(chunk: int | None) -> None:
    big_header = b"GET /connectors HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100 * 1024 + b"\r\n\r\n"
    long_line = b"GET /connectors/" + b"c" * 100 * 1024 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    many_headers = b"GET /connectors HTTP/1.1\r\nHost: x\r\n" + b"X-H: 0123456789\r\n" * 2000 + b"\r\n"

    def check(port: int) -> None:
        assert exchange(port, big_header, chunk) == (
            b"HTTP/1.1 431 Request Header Fields Too Large",
            HEADERS_TOO_LARGE,
        )
        assert exchange(port, many_headers, chunk) == (
            b"HTTP/1.1 431 Request Header Fields Too Large",
            HEADERS_TOO_LARGE,
        )
        assert exchange(port, long_line, chunk) == (b"HTTP/1.1 414 URI Too Long", URI_TOO_LONG)
        assert exchange(port, GOOD) == (b"HTTP/1.1 200 OK", [])

    serve(check)


def test_heads_within_the_bound_are_served() -> None:
    header = (
        b"GET /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"a" * 15_000 + b"\r\n\r\n"
    )
    line = b"GET /connectors?x=" + b"b" * 15_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

    def check(port: int) -> None:
        assert exchange(port, header) == (b"HTTP/1.1 200 OK", [])
        assert exchange(port, line) == (b"HTTP/1.1 200 OK", [])

    serve(check)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /connectors HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET /connectors HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
        b"GET /connectors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ],
    ids=["garbage", "header-without-colon", "nul-in-header", "negative-content-length"],
)
def test_unparseable_requests_answer_connect_json(request_bytes: bytes) -> None:
    def check(port: int) -> None:
        assert exchange(port, request_bytes) == (
            b"HTTP/1.1 400 Bad Request",
            {
                "error_code": 400,
                "message": "The request is not valid HTTP/1.1; check its request line and headers.",
            },
        )
        assert exchange(port, GOOD) == (b"HTTP/1.1 200 OK", [])

    serve(check)
