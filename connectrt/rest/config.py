"""``RestConfig``: what the REST app and server need from the worker config (Java's
``RestServerConfig`` plus the timeouts of ``RestServer``)."""

from __future__ import annotations

import functools
import os
import re
import ssl
import subprocess
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request

import connectrt
from connectrt.config.configdef import ConfigException
from connectrt.kafka.tls import rest_client_verify
from connectrt.rest.basic_auth import BasicAuthenticator
from connectrt.rest.extensions import load_rest_extensions
from connectrt.rest.listeners import Listener, parse_admin_listeners, parse_listeners, split_list
from connectrt.rest.tls import listener_ssl_context

DEFAULT_REQUEST_TIMEOUT_S = 90.0
DEFAULT_HEALTH_CHECK_TIMEOUT_S = 10.0
DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_S = 60.0
# connectrt extensions (Java sets these only through a test hook, RestServer.requestTimeout):
# how long a herder-backed REST request, and GET /health, wait before answering 500 "Request timed
# out. <what the worker is doing>".
REQUEST_TIMEOUT_CONFIG = "rest.request.timeout.ms"
HEALTH_CHECK_TIMEOUT_CONFIG = "rest.health.check.timeout.ms"

InternalRequestVerifier = Callable[[Request, bytes], Awaitable[None]]
"""Called with the request and its raw body before an internal endpoint hands them to the herder;
raise a ``ConnectRestException`` to reject the request."""


def connectrt_version() -> str:
    """The installed distribution's version (its metadata), else the package's own."""
    try:
        return metadata.version("connectrt")
    except metadata.PackageNotFoundError:
        return connectrt.__version__


#: A file a packager may write into the package (``git rev-parse HEAD > connectrt/COMMIT``).
COMMIT_FILE = Path(connectrt.__file__).resolve().parent / "COMMIT"


@functools.cache
def connectrt_commit() -> str:
    """The source commit of this build, as Java's ``GET /`` shows it (16 hex digits):
    ``CONNECTRT_COMMIT`` from the environment, else the package's ``COMMIT`` file, else the commit
    checked out where the package is (a source checkout or an editable install), else "unknown"."""
    commit = os.environ.get("CONNECTRT_COMMIT", "").strip()
    if not commit:
        try:
            commit = COMMIT_FILE.read_text().strip()
        except OSError:
            commit = _checkout_commit() or ""
    return commit[:16] if commit else "unknown"


def _checkout_commit() -> str | None:
    root = COMMIT_FILE.parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def _int_or_none(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigException(name, value, "Not a number of type INT")


@dataclass
class RestConfig:
    """REST settings. Timeouts are read per request, so tests may shorten them on a live app."""

    listeners: list[Listener] = field(default_factory=lambda: parse_listeners("http://:8083"))
    # None: logging endpoints on the main listeners; []: disabled; else served on these listeners only.
    admin_listeners: list[Listener] | None = None
    advertised_host_name: str | None = None
    advertised_port: int | None = None
    advertised_listener: str | None = None
    # CORS (Jetty's CrossOriginFilter): comma-separated origins ("*" and "*.example.com" forms allowed).
    access_control_allow_origin: str = ""
    access_control_allow_methods: str = ""
    # Jetty HeaderFilter rules: "set X-Frame-Options: DENY, add Cache-Control: no-cache, ...".
    response_http_headers: str = ""
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    health_check_timeout_s: float = DEFAULT_HEALTH_CHECK_TIMEOUT_S
    graceful_shutdown_timeout_s: float = DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_S
    version: str = field(default_factory=connectrt_version)
    commit: str = field(default_factory=connectrt_commit)
    # TLS of the https listeners (from listeners.https.ssl.* / admin.listeners.https.ssl.* / ssl.*).
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    admin_ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    # Or PEM files for the https listeners (a shortcut for tests and embedding).
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    # How the forwarding client verifies other workers' https URLs (True: the system CAs).
    client_verify: ssl.SSLContext | bool = field(default=True, repr=False)
    # rest.extension.classes=...BasicAuthSecurityRestExtension: HTTP Basic authentication of the
    # main listeners (admin listeners are not authenticated, as in Java).
    authenticator: BasicAuthenticator | None = field(default=None, repr=False)
    internal_request_verifier: InternalRequestVerifier | None = None
    # For tests: the transport the forwarding client uses (e.g. httpx.ASGITransport of another app).
    forward_transport: httpx.AsyncBaseTransport | None = None

    @property
    def admin_on_main_listener(self) -> bool:
        """True when ``admin.listeners`` is unset: ``/admin/loggers`` is served with everything else."""
        return self.admin_listeners is None

    @classmethod
    def from_worker_props(
        cls, props: Mapping[str, Any], *, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> RestConfig:
        """From worker properties (raw strings, or values a ConfigDef already parsed). ``environ``
        (default: the process environment) holds the JVM options that name the JAAS file."""

        def opt_str(name: str) -> str | None:
            value = props.get(name)
            return None if value is None or str(value) == "" else str(value)

        port = props.get("rest.advertised.port")
        listeners_value = props.get("listeners")
        listeners = parse_listeners(listeners_value if listeners_value is not None else "http://:8083")
        admin_listeners = parse_admin_listeners(props.get("admin.listeners"))
        kwargs: dict[str, Any] = {
            "listeners": listeners,
            "admin_listeners": admin_listeners,
            "ssl_context": listener_ssl_context(props, listeners, admin=False),
            "admin_ssl_context": listener_ssl_context(props, admin_listeners, admin=True),
            "client_verify": rest_client_verify(props),
            "authenticator": load_rest_extensions(
                split_list(props.get("rest.extension.classes")) or [],
                os.environ if environ is None else environ,
            ),
            "advertised_host_name": opt_str("rest.advertised.host.name"),
            "advertised_port": _int_or_none("rest.advertised.port", port),
            "advertised_listener": opt_str("rest.advertised.listener"),
            "access_control_allow_origin": str(props.get("access.control.allow.origin") or ""),
            "access_control_allow_methods": str(props.get("access.control.allow.methods") or ""),
            "response_http_headers": str(props.get("response.http.headers.config") or ""),
        }
        for key, attr in (
            (REQUEST_TIMEOUT_CONFIG, "request_timeout_s"),
            (HEALTH_CHECK_TIMEOUT_CONFIG, "health_check_timeout_s"),
        ):
            ms = _int_or_none(key, props.get(key))
            if ms is not None:
                if ms <= 0:
                    raise ConfigException(key, ms, "Value must be at least 1")
                kwargs[attr] = ms / 1000
        kwargs.update(overrides)
        return cls(**kwargs)
