"""Java ``listeners`` / ``admin.listeners`` values and the advertised URL (Java's ``RestServer``).

A listener is ``protocol://host:port`` with protocol ``http`` or ``https``; the host may be empty
(all interfaces), a name, an IPv4 address or a bracketed IPv6 address; port 0 binds an ephemeral
port. Several listeners are separated by commas.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectrt.config.configdef import ConfigException

PROTOCOL_HTTP = "http"
PROTOCOL_HTTPS = "https"

_LISTENER_PATTERN = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$")


@dataclass(frozen=True)
class Listener:
    protocol: str  # "http" | "https"
    host: str  # "" = all interfaces
    port: int  # 0 = ephemeral

    @property
    def bind_host(self) -> str:
        """The address to bind: all IPv4 interfaces when the host is empty."""
        return self.host or "0.0.0.0"

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}"


def parse_listener(text: str) -> Listener:
    match = _LISTENER_PATTERN.match(text.strip())
    if match is None:
        raise ConfigException("Listener doesn't have the right format (protocol://hostname:port).")
    protocol = match.group(1).lower()
    if protocol not in (PROTOCOL_HTTP, PROTOCOL_HTTPS):
        raise ConfigException(f'Listener protocol must be either "{PROTOCOL_HTTP}" or "{PROTOCOL_HTTPS}".')
    port = int(match.group(3))
    if not 0 <= port <= 65535:
        raise ConfigException(f"Listener port {port} is out of range (0-65535) in '{text.strip()}'.")
    return Listener(protocol, match.group(2), port)


def split_list(value: str | Iterable[str] | None) -> list[str] | None:
    """A Java LIST config value: a comma-separated string (``""`` → ``[]``) or a list; None stays None."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    stripped = [item.strip() for item in items]
    if isinstance(value, str) and not value.strip():
        return []
    return stripped


def parse_listeners(value: str | Iterable[str], config_name: str = "listeners") -> list[Listener]:
    items = split_list(value) or []
    if not items:
        raise ConfigException(
            f"Invalid value for {config_name}, at least one URL is expected, ex: "
            "http://localhost:8080,https://localhost:8443."
        )
    if any(not item for item in items):
        raise ConfigException(f"Empty URL found when parsing {config_name} list.")
    return [parse_listener(item) for item in items]


def parse_admin_listeners(value: str | Iterable[str] | None) -> list[Listener] | None:
    """None: admin endpoints on the main listeners; ``[]``: admin endpoints disabled."""
    items = split_list(value)
    if items is None:
        return None
    if any(not item for item in items):
        raise ConfigException("Empty URL found when parsing admin.listeners list.")
    return [parse_listener(item) for item in items]


def default_advertised_host() -> str:
    """The host advertised when neither ``rest.advertised.host.name`` nor the listener names one.

    Java's Jetty reports the address of the machine's hostname; we do the same, falling back to
    the hostname itself and then ``localhost`` when it does not resolve.
    """
    hostname = socket.gethostname()
    try:
        return socket.gethostbyname(hostname)
    except OSError:
        return hostname or "localhost"


def advertised_protocol(advertised_listener: str | None, raw_listeners: str | Sequence[str] | None) -> str:
    """``rest.advertised.listener``, else http if any listener is http, else https if any, else http."""
    if advertised_listener:
        return advertised_listener.lower()
    if raw_listeners is None:
        return PROTOCOL_HTTP
    text = (raw_listeners if isinstance(raw_listeners, str) else ",".join(raw_listeners)).lower()
    if f"{PROTOCOL_HTTP}://" in text:
        return PROTOCOL_HTTP
    if f"{PROTOCOL_HTTPS}://" in text:
        return PROTOCOL_HTTPS
    return PROTOCOL_HTTP


def format_url(protocol: str, host: str, port: int) -> str:
    """``protocol://host:port/`` (IPv6 hosts bracketed), with Java's trailing slash."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{protocol}://{host}:{port}/"


def advertised_url(
    listeners: Sequence[Listener],
    bound_ports: Sequence[int],
    *,
    advertised_host_name: str | None = None,
    advertised_port: int | None = None,
    advertised_listener: str | None = None,
    default_host: str | None = None,
) -> str:
    """The URL other workers and clients use to reach this worker.

    ``bound_ports[i]`` is the real port of ``listeners[i]`` (so port 0 reports the ephemeral
    port). Host: ``rest.advertised.host.name``, else the chosen listener's host, else
    :func:`default_advertised_host`. Port: ``rest.advertised.port``, else the listener's port.
    The listener chosen is the first one with the advertised protocol.
    """
    protocol = advertised_protocol(advertised_listener, [str(listener) for listener in listeners])
    chosen: int | None = next((i for i, lst in enumerate(listeners) if lst.protocol == protocol), None)
    if advertised_host_name:
        host = advertised_host_name
    elif chosen is not None and listeners[chosen].host:
        host = listeners[chosen].host
    else:
        host = default_host if default_host is not None else default_advertised_host()
    if advertised_port is not None:
        port = advertised_port
    elif chosen is not None:
        port = bound_ports[chosen]
    else:
        port = bound_ports[0] if bound_ports else 8083
    return format_url(protocol, host, port)
