"""TLS of the REST listeners from Java's worker properties (Java's ``SSLUtils``).

- ``listeners=https://...`` listeners use ``listeners.https.ssl.*`` when any such key is set, else
  the worker's top-level ``ssl.*`` (Java's all-or-nothing prefix rule).
- ``admin.listeners=https://...`` listeners use ``admin.listeners.https.ssl.*``, else ``ssl.*``.
- Keys: ``ssl.keystore.*`` / ``ssl.key.password`` (PKCS12 or PEM; JKS refused with the fix),
  ``ssl.truststore.*`` (verifies client certificates), ``ssl.client.auth`` (none, requested,
  required), ``ssl.enabled.protocols`` (default TLSv1.2,TLSv1.3), ``ssl.cipher.suites`` (IANA names,
  see :mod:`connectrt.kafka.cipher_suites`).

Contexts are built when the config is read, so a bad store stops the worker at start.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from typing import Any

from connectrt.config.configdef import ConfigException
from connectrt.kafka.tls import (
    ADMIN_HTTPS_PREFIX,
    REST_HTTPS_PREFIX,
    server_context,
    with_prefix_all_or_nothing,
)
from connectrt.rest.listeners import PROTOCOL_HTTPS, Listener


def listener_ssl_context(
    worker_props: Mapping[str, Any], listeners: Sequence[Listener] | None, *, admin: bool
) -> ssl.SSLContext | None:
    """The server context of the https listeners among ``listeners`` (None when there are none)."""
    https = [lst for lst in listeners or () if lst.protocol == PROTOCOL_HTTPS]
    if not https:
        return None
    own_prefix = ADMIN_HTTPS_PREFIX if admin else REST_HTTPS_PREFIX
    settings, prefix = with_prefix_all_or_nothing(worker_props, own_prefix)
    what = f"{'admin.listeners' if admin else 'listeners'}={https[0]}"
    if not any(settings.get(k) for k in ("ssl.keystore.location", "ssl.keystore.key")):
        raise ConfigException(
            f"{what} needs a keystore: set {own_prefix}ssl.keystore.location (PKCS12 or PEM) with "
            f"{own_prefix}ssl.keystore.type and {own_prefix}ssl.keystore.password."
        )
    return server_context(settings, prefix, what)
