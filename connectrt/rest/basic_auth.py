"""HTTP Basic authentication of REST requests (Java's ``JaasBasicAuthFilter`` with
``PropertyFileLoginModule``).

Behaviour, as recorded from Java Kafka Connect 4.2.1 (tests/unit/transport/java_rest_security_4_2_1.json):

- Every request needs ``Authorization: Basic base64(user:password)`` (scheme in any case), except
  the two internal endpoints workers call on each other, which are checked by their signature
  instead: ``POST /connectors/<c>/tasks`` and ``PUT /connectors/<c>/fence``.
- The credentials are split at the first ``:``: an empty user or no ``:`` fails; the password is
  everything after it. Bytes that are not UTF-8 decode to U+FFFD and so never match.
- A credentials file is a Java ``.properties`` file (``user: password`` or ``user=password``
  lines, ISO-8859-1, ``\\uXXXX`` escapes). An *empty* file lets every request through (Java's
  behaviour; a warning is logged at start).
- Several login modules in the ``KafkaConnect`` entry combine by their JAAS flags.

Deliberate differences: the 401 carries ``WWW-Authenticate: Basic realm="Kafka Connect"`` and
Connect's error JSON ``{"error_code":401,"message":"User cannot access the resource."}`` (Java
sends the sentence alone under ``application/json``, and no ``WWW-Authenticate``); a header that is
not valid base64 gets this 401 too (Java: 500 "Illegal base64 character"). Passwords are compared
in constant time and never logged; a header longer than 8 KiB is refused without decoding it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from connectrt.config.configdef import ConfigException
from connectrt.config.properties import parse_properties

log = logging.getLogger(__name__)

UNAUTHORIZED_MESSAGE = "User cannot access the resource."
REALM = "Kafka Connect"
MAX_AUTHORIZATION_BYTES = 8192
# Internal requests between workers: authenticated by their signature, not by Basic auth.
_INTERNAL_REQUESTS = (
    ("POST", re.compile(r"^/?connectors/[^/]+/tasks/?$")),
    ("PUT", re.compile(r"^/?connectors/[^/]+/fence/?$")),
)
_DIGEST = hashlib.sha256


def _digest(text: str) -> bytes:
    return _DIGEST(text.encode("utf-8", "surrogatepass")).digest()


class PropertyFileCredentials:
    """The ``user: password`` pairs of one credentials file, read once at start."""

    def __init__(self, path: str, entries: Mapping[str, str]) -> None:
        self.path = path
        self._digests = {user: _digest(password) for user, password in entries.items()}
        self._dummy = _digest("\x00connectrt-unknown-user")

    @classmethod
    def load(cls, path: str) -> PropertyFileCredentials:
        try:
            data = Path(path).expanduser().read_bytes()
        except OSError as e:
            raise ConfigException(
                f"Cannot read the REST credentials file {path} named in the JAAS KafkaConnect entry: "
                f"{e.strerror or e}."
            )
        credentials = cls(path, parse_properties(data.decode("iso-8859-1")))
        if credentials.empty:
            log.warning(
                "The REST credentials file %s is empty: every request is let through without authentication "
                "(as Java's PropertyFileLoginModule does). Add 'user: password' lines to require credentials.",
                path,
            )
        return credentials

    @property
    def empty(self) -> bool:
        return not self._digests

    @property
    def users(self) -> int:
        return len(self._digests)

    def check(self, username: str | None, password: str | None) -> bool:
        """Java's ``PropertyFileLoginModule.login``; the comparison takes the same time whether
        the user exists or not and whatever the password."""
        if self.empty:
            return True
        if username is None:
            return False
        stored = self._digests.get(username)
        given = _digest(password) if password is not None else self._dummy
        matched = hmac.compare_digest(stored if stored is not None else self._dummy, given)
        return matched and stored is not None and password is not None


@dataclass(frozen=True)
class LoginStep:
    flag: str  # required | requisite | sufficient | optional
    credentials: PropertyFileCredentials


class BasicAuthenticator:
    """The ``KafkaConnect`` entry's modules, evaluated with JAAS ``LoginContext`` semantics."""

    def __init__(self, steps: Sequence[LoginStep], source: str) -> None:
        self.steps = list(steps)
        self.source = source

    def authenticate(self, username: str | None, password: str | None) -> bool:
        required_failed = False
        any_success = False
        for step in self.steps:
            ok = step.credentials.check(username, password)
            if step.flag == "required":
                required_failed = required_failed or not ok
            elif step.flag == "requisite":
                if not ok:
                    return False
            elif step.flag == "sufficient":
                if ok and not required_failed:
                    return True
            any_success = any_success or ok
        if required_failed:
            return False
        if any(step.flag in ("required", "requisite") for step in self.steps):
            return True
        return any_success

    def authenticate_header(self, header: bytes | None) -> bool:
        username, password = parse_basic_authorization(header)
        return self.authenticate(username, password)


def parse_basic_authorization(header: bytes | None) -> tuple[str | None, str | None]:
    """(user, password) from an ``Authorization`` value, or (None, None) when it holds none
    (absent, another scheme, not base64, no ``:``, empty user, longer than 8 KiB)."""
    if header is None or len(header) > MAX_AUTHORIZATION_BYTES:
        return None, None
    text = header.decode("latin-1")
    space = text.find(" ")
    if space <= 0 or text[:space].lower() != "basic":
        return None, None
    encoded = text[space + 1 :]
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None, None
    decoded = raw.decode("utf-8", errors="replace")
    colon = decoded.find(":")
    if colon <= 0:
        return None, None
    return decoded[:colon], decoded[colon + 1 :]


def is_internal_request(method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in _INTERNAL_REQUESTS)


_UNAUTHORIZED_BODY = orjson.dumps({"error_code": 401, "message": UNAUTHORIZED_MESSAGE})
_UNAUTHORIZED_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_UNAUTHORIZED_BODY)).encode()),
    (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode()),
]


class BasicAuthMiddleware:
    """Answers 401 to every HTTP request whose credentials ``authenticator`` does not accept."""

    def __init__(self, app: ASGIApp, authenticator: BasicAuthenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_internal_request(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope.get("headers", ()) if k == b"authorization"]
        header = values[0] if len(values) == 1 else None
        if self.authenticator.authenticate_header(header):
            await self.app(scope, receive, send)
            return
        log.debug("Request %s %s failed authentication", scope["method"], scope["path"])
        await send({"type": "http.response.start", "status": 401, "headers": list(_UNAUTHORIZED_HEADERS)})
        await send({"type": "http.response.body", "body": _UNAUTHORIZED_BODY})
