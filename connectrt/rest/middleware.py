"""ASGI middleware of the REST app: trailing slashes, response header rules, CORS."""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectrt.config.configdef import ConfigException


class TrailingSlashMiddleware:
    """Serve ``/connectors/`` like ``/connectors`` (Jersey matches both; no redirect)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
                raw = scope.get("raw_path")
                if isinstance(raw, bytes) and len(raw) > 1:
                    scope["raw_path"] = raw.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


class HeadMiddleware:
    """Answer ``HEAD`` like the matching ``GET`` without a body (Jersey does this for every GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["method"] = "GET"

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {
                    "type": "http.response.body",
                    "body": b"",
                    "more_body": message.get("more_body", False),
                }
            await send(message)

        await self.app(scope, receive, send_without_body)


# --- response.http.headers.config (Jetty's HeaderFilter) -------------------------------------------

_ACTIONS = ("set", "add", "setDate", "addDate")


@dataclass(frozen=True)
class HeaderRule:
    action: str  # set | add | setDate | addDate
    name: str
    value: str


def _validate_rule(text: str) -> HeaderRule:
    tokens = text.strip().split(None, 1)
    if len(tokens) != 2:
        raise ConfigException(
            f"Invalid format of header config '{text}'. Expected: '[action] [header name]:[header value]'"
        )
    action = next((a for a in _ACTIONS if a.lower() == tokens[0].lower()), None)
    if action is None:
        raise ConfigException(
            f"Invalid header config action: '{tokens[0]}'. Expected one of {list(_ACTIONS)}"
        )
    parts = tokens[1].strip().split(":")
    if len(parts) != 2:
        raise ConfigException(
            f"Invalid format of header name and header value pair '{tokens[1]}'. "
            "Expected: '[header name]:[header value]'"
        )
    name = parts[0].strip()
    if not name or re.search(r"\s", name):
        raise ConfigException(f"Invalid header name '{name}'. The '[header name]' cannot contain whitespace")
    return HeaderRule(action, name, parts[1].strip())


def parse_header_rules(config: str) -> list[HeaderRule]:
    """``response.http.headers.config``: comma-separated rules, each optionally in double quotes."""
    if not config.strip():
        return []
    rows = list(csv.reader([config], skipinitialspace=True))
    return [_validate_rule(item) for item in rows[0] if item.strip()]


class ResponseHeadersMiddleware:
    """Applies header rules to every response. ``setDate``/``addDate`` values are milliseconds
    added to the current time, sent as an HTTP date."""

    def __init__(self, app: ASGIApp, rules: Sequence[HeaderRule]) -> None:
        self.app = app
        self.rules = list(rules)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.rules:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                for rule in self.rules:
                    value = rule.value
                    if rule.action in ("setDate", "addDate"):
                        value = formatdate(time.time() + int(rule.value) / 1000.0, usegmt=True)
                    key = rule.name.lower().encode("latin-1")
                    if rule.action.startswith("set"):
                        headers = [(k, v) for k, v in headers if k.lower() != key]
                    headers.append((key, value.encode("latin-1")))
                message = dict(message)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- CORS (Jetty's CrossOriginFilter) --------------------------------------------------------------

_DEFAULT_CORS_METHODS = ("GET", "POST", "HEAD")
_DEFAULT_CORS_HEADERS = ("X-Requested-With", "Content-Type", "Accept", "Origin")


def cors_middleware(allowed_origins: str, allowed_methods: str) -> Middleware | None:
    """None when ``access.control.allow.origin`` is blank (CORS off, Java's default)."""
    if not allowed_origins.strip():
        return None
    origins = [o.strip() for o in allowed_origins.split(",") if o.strip()]
    methods = [m.strip().upper() for m in allowed_methods.split(",") if m.strip()] or list(
        _DEFAULT_CORS_METHODS
    )
    exact = [o for o in origins if "*" not in o]
    patterns = [re.escape(o).replace(r"\*", ".*") for o in origins if "*" in o and o != "*"]
    if "*" in origins:
        return Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=methods,
            allow_headers=list(_DEFAULT_CORS_HEADERS),
        )
    return Middleware(
        CORSMiddleware,
        allow_origins=exact,
        allow_origin_regex="|".join(f"(?:{p})" for p in patterns) or None,
        allow_methods=methods,
        allow_headers=list(_DEFAULT_CORS_HEADERS),
    )
