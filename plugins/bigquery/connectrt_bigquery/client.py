"""BigQuery clients from the connector config: credentials by ``keySource``, endpoint overrides.

``keyfile`` is a PASSWORD: its contents (or the path) never reach a log line or an error
message; problems are described without the secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectrt_bigquery import config as c

USER_AGENT = "connectrt-bigquery"


def _service_account_info(source: str, key: str) -> dict[str, Any]:
    if source == "FILE":
        try:
            text = Path(key).read_text()
        except OSError as exc:
            raise ValueError(
                f"the keyfile could not be read ({exc.strerror or type(exc).__name__})"
            ) from None
    else:
        text = key
    try:
        info = json.loads(text)
    except ValueError:
        raise ValueError("the key is not valid JSON") from None
    if not isinstance(info, dict):
        raise ValueError("the key is not a JSON object")
    return info


def credentials_problem(source: str, key: str) -> str | None:
    """A one-line description of why the key cannot be used, or None (never includes the key)."""
    try:
        _credentials(source, key)
    except ValueError as exc:
        return str(exc)
    return None


def _credentials(source: str, key: str | None) -> Any:
    if source == "NONE":
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    if source == "APPLICATION_DEFAULT" or not key:
        return None  # the client library finds the application default credentials itself
    info = _service_account_info(source, key)
    from google.oauth2 import service_account

    try:
        return service_account.Credentials.from_service_account_info(
            info, scopes=["https://www.googleapis.com/auth/bigquery"]
        )
    except (ValueError, KeyError) as exc:
        name = exc.args[0] if isinstance(exc, KeyError) and exc.args else None
        detail = f"missing field {name}" if name else "not a service account key"
        raise ValueError(f"the key is not a usable service account key ({detail})") from None


def _key(values: Mapping[str, Any]) -> str | None:
    keyfile = values.get(c.KEYFILE)
    return keyfile.value if keyfile is not None else None


def bigquery_client(values: Mapping[str, Any]) -> Any:
    """A ``google.cloud.bigquery.Client`` for the configured project, credentials and endpoint."""
    from google.api_core.client_info import ClientInfo
    from google.api_core.client_options import ClientOptions
    from google.cloud import bigquery

    endpoint = values.get(c.ENDPOINT)
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return bigquery.Client(
        project=values[c.PROJECT],
        credentials=_credentials(values[c.KEY_SOURCE], _key(values)),
        client_options=options,
        client_info=ClientInfo(user_agent=USER_AGENT),
    )


def write_client(values: Mapping[str, Any]) -> Any:
    """A ``BigQueryWriteClient`` (Storage Write API, gRPC); insecure only with keySource NONE."""
    from google.cloud import bigquery_storage_v1

    endpoint = values.get(c.STORAGE_WRITE_ENDPOINT)
    credentials = _credentials(values[c.KEY_SOURCE], _key(values))
    if values[c.KEY_SOURCE] == "NONE" and endpoint:
        import grpc
        from google.cloud.bigquery_storage_v1.services.big_query_write.transports import (
            BigQueryWriteGrpcTransport,
        )

        channel = grpc.insecure_channel(endpoint, options=[("grpc.max_send_message_length", 64 << 20)])
        return bigquery_storage_v1.BigQueryWriteClient(transport=BigQueryWriteGrpcTransport(channel=channel))
    from google.api_core.client_options import ClientOptions

    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return bigquery_storage_v1.BigQueryWriteClient(credentials=credentials, client_options=options)
