"""``RestServer``: serves the REST apps with uvicorn inside the worker's asyncio loop.

The apps are built by the caller (``create_app`` / ``create_admin_app``); the server binds the
listeners and serves them:

    server = RestServer(create_app(herder, rest_config), rest_config, admin_app=...)
    server.bind()                         # optional: sockets bound, advertised_url() known
    await server.start()                  # binds if needed, then serves
    ...
    await server.stop()                   # graceful: in-flight requests finish (60 s at most)

The herder needs the advertised URL (its worker id) before it exists: either call ``bind()`` and
``advertised_url()`` first and build the apps afterwards (pass ``app=None`` to the constructor and
the apps to :meth:`RestServer.set_apps`), or serve a stand-in herder until the real one exists.

Advertised URL: ``rest.advertised.listener`` (else http if any listener is http) picks the
listener; host = ``rest.advertised.host.name``, else that listener's host, else the address of
this machine's hostname (what Java's Jetty reports; see ``listeners.default_advertised_host``);
port = ``rest.advertised.port``, else the listener's bound port. The URL ends with ``/``.

An empty listener host binds all interfaces (IPv6 dual-stack where available, else 0.0.0.0).
uvicorn's signal handling is disabled: the process's owner (the CLI) handles signals.

HTTPS listeners serve ``RestConfig.ssl_context`` (admin listeners ``admin_ssl_context``), built
from the worker's ``listeners.https.ssl.*`` / ``admin.listeners.https.ssl.*`` / ``ssl.*`` keys
(see ``connectrt.rest.tls``). A listener on a non-loopback address that asks for no credentials
is named in a warning at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from connectrt.config.configdef import ConfigException
from connectrt.rest.app import create_admin_app
from connectrt.rest.config import RestConfig
from connectrt.rest.http_protocol import ConnectH11Protocol
from connectrt.rest.listeners import PROTOCOL_HTTPS, Listener, format_url
from connectrt.rest.listeners import advertised_url as compute_advertised_url

log = logging.getLogger(__name__)

_BACKLOG = 2048


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the process owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class _Bound:
    listener: Listener
    sock: socket.socket
    admin: bool

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


def _is_loopback(sock: socket.socket) -> bool:
    try:
        address = ipaddress.ip_address(str(sock.getsockname()[0]).split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def _bind(listener: Listener) -> socket.socket:
    if not listener.host:
        if socket.has_ipv6:
            try:
                # IPPROTO_TCP as the protocol lets asyncio set TCP_NODELAY on accepted connections.
                sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("::", listener.port))
                sock.listen(_BACKLOG)
                return sock
            except OSError:
                with contextlib.suppress(Exception):
                    sock.close()
        candidates: list[tuple[int, Any]] = [(socket.AF_INET, ("0.0.0.0", listener.port))]
    else:
        try:
            infos = socket.getaddrinfo(listener.host, listener.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConfigException(f"Cannot resolve the host of listener {listener}: {exc}")
        candidates = [(family, addr) for family, _, _, _, addr in infos]
    error: OSError | None = None
    for family, address in candidates:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(_BACKLOG)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise ConfigException(f"Cannot bind listener {listener}: {error}")


class RestServer:
    def __init__(self, app: FastAPI | None, config: RestConfig, *, admin_app: FastAPI | None = None) -> None:
        self.app = app
        self.admin_app = admin_app
        self.config = config
        self._bound: list[_Bound] = []
        self._servers: list[_EmbeddedServer] = []
        self._tasks: list[asyncio.Task[None]] = []

    def set_apps(self, app: FastAPI, admin_app: FastAPI | None = None) -> None:
        """The apps to serve, when they are built after :meth:`bind` (before :meth:`start`)."""
        self.app = app
        self.admin_app = admin_app

    # --- binding -------------------------------------------------------------------------------
    def bind(self) -> None:
        """Bind every listener (idempotent). Port 0 gets an ephemeral port."""
        if self._bound:
            return
        try:
            for listener in self.config.listeners:
                self._bound.append(_Bound(listener, _bind(listener), admin=False))
                log.info("Added connector for %s", listener)
            for listener in self.config.admin_listeners or []:
                self._bound.append(_Bound(listener, _bind(listener), admin=True))
                log.info("Added admin connector for %s", listener)
        except Exception:
            self._close_sockets()
            raise

    def _close_sockets(self) -> None:
        for bound in self._bound:
            with contextlib.suppress(OSError):
                bound.sock.close()
        self._bound = []

    def _main(self) -> list[_Bound]:
        if not self._bound:
            raise RuntimeError("RestServer.bind() must be called first")
        return [b for b in self._bound if not b.admin]

    def ports(self) -> list[int]:
        """The bound ports of the regular listeners, in listener order."""
        return [b.port for b in self._main()]

    def advertised_url(self) -> str:
        main = self._main()
        return compute_advertised_url(
            [b.listener for b in main],
            [b.port for b in main],
            advertised_host_name=self.config.advertised_host_name,
            advertised_port=self.config.advertised_port,
            advertised_listener=self.config.advertised_listener,
        )

    def server_url(self) -> str:
        """The first regular listener's URL as bound (``localhost`` for an all-interfaces host)."""
        first = self._main()[0]
        return format_url(first.listener.protocol, first.listener.host or "localhost", first.port)

    def admin_url(self) -> str | None:
        """Where ``/admin/loggers`` is served; None when ``admin.listeners`` is empty."""
        admin = [b for b in self._bound if b.admin]
        if admin:
            first = admin[0]
            return format_url(first.listener.protocol, first.listener.host or "localhost", first.port)
        if self.config.admin_listeners is None:
            return self.advertised_url()
        return None

    # --- serving -------------------------------------------------------------------------------
    def _ssl_context(self, admin: bool) -> ssl.SSLContext | None:
        context = self.config.admin_ssl_context if admin else self.config.ssl_context
        if context is None and self.config.ssl_certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.config.ssl_certfile, self.config.ssl_keyfile)
        if context is None:
            name = "admin.listeners.https." if admin else "listeners.https."
            raise ConfigException(
                f"HTTPS {'admin ' if admin else ''}listeners need a keystore: set {name}ssl.keystore.location "
                f"(PKCS12 or PEM) with {name}ssl.keystore.type and {name}ssl.keystore.password."
            )
        return context

    def _uvicorn_config(self, app: ASGIApp, https: bool, admin: bool = False) -> uvicorn.Config:
        context = self._ssl_context(admin) if https else None
        return uvicorn.Config(
            app,
            http=ConnectH11Protocol,
            lifespan="off",
            log_config=None,
            access_log=True,
            proxy_headers=False,
            server_header=False,
            backlog=_BACKLOG,
            timeout_graceful_shutdown=int(self.config.graceful_shutdown_timeout_s),
            ssl_context_factory=(lambda _config, _default: context) if context is not None else None,
        )

    def _warn_unauthenticated(self) -> None:
        """Java binds all interfaces by default, as we do: say so when nothing asks for credentials."""
        for bound in self._bound:
            if bound.admin or self.config.authenticator is None:
                if _is_loopback(bound.sock):
                    continue
                what = "admin endpoints (/admin/loggers)" if bound.admin else "REST API"
                log.warning(
                    "The %s listens on %s without authentication: anyone who can reach this address can %s. "
                    "Bind %s to 127.0.0.1, or %s.",
                    what,
                    bound.listener,
                    "change log levels" if bound.admin else "create and delete connectors",
                    "admin.listeners" if bound.admin else "listeners",
                    "firewall the port"
                    if bound.admin
                    else "set rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension."
                    "BasicAuthSecurityRestExtension",
                )

    async def start(self) -> None:
        """Serve the apps on the bound sockets; returns once every listener accepts connections."""
        if self.app is None:
            raise RuntimeError("RestServer has no app to serve; pass one or call set_apps() first")
        self.bind()
        groups: dict[tuple[bool, bool], list[socket.socket]] = {}
        for bound in self._bound:
            groups.setdefault((bound.admin, bound.listener.protocol == PROTOCOL_HTTPS), []).append(bound.sock)
        if any(admin for admin, _ in groups) and self.admin_app is None:
            log.warning(
                "admin.listeners is set but no admin app was given; serving worker-scope loggers only"
            )
            self.admin_app = create_admin_app(None, self.config)
        for (admin, https), sockets in groups.items():
            app = self.admin_app if admin else self.app
            assert app is not None
            server = _EmbeddedServer(self._uvicorn_config(app, https, admin))
            self._servers.append(server)
            self._tasks.append(asyncio.create_task(server.serve(sockets=sockets), name="connect-rest-server"))
        await self._wait_started()
        self._warn_unauthenticated()
        log.info("REST server listening at %s, advertising URL %s", self.server_url(), self.advertised_url())
        admin_url = self.admin_url()
        if admin_url is not None:
            log.info("REST admin endpoints at %s", admin_url)

    async def _wait_started(self) -> None:
        while not all(server.started for server in self._servers):
            failed = [task for task in self._tasks if task.done()]
            if failed:
                await self.stop()
                exc = failed[0].exception() if not failed[0].cancelled() else None
                raise RuntimeError(f"The REST server failed to start: {exc}") from exc
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop accepting connections and let in-flight requests finish (up to the graceful timeout)."""
        log.info("Stopping REST server")
        for server in self._servers:
            server.should_exit = True
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.config.graceful_shutdown_timeout_s + 5)
            for server in self._servers:
                server.force_exit = True
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        self._servers = []
        self._tasks = []
        self._close_sockets()
        log.info("REST server stopped")
