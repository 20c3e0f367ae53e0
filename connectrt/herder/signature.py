"""Internal request signatures (Java's ``InternalRequestSignature``, KIP-507).

Workers sign the exact body of internal requests (``POST /connectors/{c}/tasks``,
``PUT /connectors/{c}/fence``) with the cluster's session key:

    X-Connect-Authorization: base64(HMAC(sessionKey, body))
    X-Connect-Request-Signature-Algorithm: HmacSHA256

:class:`InternalRequestSignature` is what the REST layer hands to the herder. It is a read-only
mapping of those two headers (so it fits ``Herder.put_task_configs(..., signature: Mapping[str,
str] | None)``) that also carries the body bytes and can check itself against a key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from connectrt.config.configdef import ConfigException
from connectrt.model.errors import BadRequestException

SIGNATURE_HEADER = "X-Connect-Authorization"
SIGNATURE_ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm"

# Java Mac algorithm names → hashlib digest names.
_ALGORITHMS: dict[str, str] = {
    "HmacMD5": "md5",
    "HmacSHA1": "sha1",
    "HmacSHA224": "sha224",
    "HmacSHA256": "sha256",
    "HmacSHA384": "sha384",
    "HmacSHA512": "sha512",
    "HmacSHA512/224": "sha512_224",
    "HmacSHA512/256": "sha512_256",
    "HmacSHA3-224": "sha3_224",
    "HmacSHA3-256": "sha3_256",
    "HmacSHA3-384": "sha3_384",
    "HmacSHA3-512": "sha3_512",
}


def _digest_name(algorithm: str) -> str:
    for java_name, digest in _ALGORITHMS.items():
        if java_name.lower() == algorithm.lower():
            return digest
    raise BadRequestException(f"Algorithm {algorithm} not available")


def is_supported_algorithm(algorithm: str) -> bool:
    return any(java_name.lower() == algorithm.lower() for java_name in _ALGORITHMS)


SIGNATURE_ALGORITHM_CONFIG = "inter.worker.signature.algorithm"
VERIFICATION_ALGORITHMS_CONFIG = "inter.worker.verification.algorithms"


def _unsupported(config: str, algorithm: str) -> ConfigException:
    supported = ", ".join(_ALGORITHMS)
    return ConfigException(
        config,
        algorithm,
        f"the algorithm is not supported by this worker; the supported algorithms are: {supported}",
    )


def check_algorithm_configs(signature_algorithm: str, verification_algorithms: list[str]) -> None:
    """Java's DistributedConfig checks of the two settings, run when a distributed worker starts."""
    if not is_supported_algorithm(signature_algorithm):
        raise _unsupported(SIGNATURE_ALGORITHM_CONFIG, signature_algorithm)
    if not verification_algorithms:
        raise ConfigException(
            VERIFICATION_ALGORITHMS_CONFIG,
            verification_algorithms,
            "At least one signature verification algorithm must be provided",
        )
    for algorithm in verification_algorithms:
        if not is_supported_algorithm(algorithm):
            raise _unsupported(VERIFICATION_ALGORITHMS_CONFIG, algorithm)
    if signature_algorithm not in verification_algorithms:
        raise ConfigException(
            SIGNATURE_ALGORITHM_CONFIG,
            signature_algorithm,
            f"Signature algorithm must be present in {VERIFICATION_ALGORITHMS_CONFIG} list",
        )


KEY_GENERATION_ALGORITHM_CONFIG = "inter.worker.key.generation.algorithm"
KEY_SIZE_CONFIG = "inter.worker.key.size"

# The key length, in bits, of a key Java's SunJCE KeyGenerator makes when not given a size: the
# digest's size, except HmacMD5 and HmacSHA1, whose generators make 64-byte keys.
_DEFAULT_KEY_BITS = {
    "HmacMD5": 512,
    "HmacSHA1": 512,
    "HmacSHA224": 224,
    "HmacSHA256": 256,
    "HmacSHA384": 384,
    "HmacSHA512": 512,
    "HmacSHA512/224": 224,
    "HmacSHA512/256": 256,
    "HmacSHA3-224": 224,
    "HmacSHA3-256": 256,
    "HmacSHA3-384": 384,
    "HmacSHA3-512": 512,
}
MIN_KEY_BITS = 40
# Ours: the key travels in a config-topic record, which must stay far below the broker's message size.
MAX_KEY_BITS = 65536


class SessionKeyGenerator:
    """Java's ``KeyGenerator`` as DistributedConfig builds it from ``inter.worker.key.generation.algorithm``
    and ``inter.worker.key.size``: the leader makes each new session key with it and writes its
    algorithm into the session-key record."""

    def __init__(self, algorithm: str, key_size: int | None = None) -> None:
        java_name = next((n for n in _DEFAULT_KEY_BITS if n.lower() == algorithm.lower()), None)
        if java_name is None:
            raise ConfigException(
                KEY_GENERATION_ALGORITHM_CONFIG,
                algorithm,
                f"the algorithm is not supported by this worker; use one of {', '.join(_DEFAULT_KEY_BITS)}",
            )
        bits = _DEFAULT_KEY_BITS[java_name] if key_size is None else key_size
        if bits < MIN_KEY_BITS:
            raise ConfigException(
                KEY_SIZE_CONFIG, key_size, f"Key length must be at least {MIN_KEY_BITS} bits"
            )
        if bits > MAX_KEY_BITS:
            raise ConfigException(
                KEY_SIZE_CONFIG, key_size, f"Key length must be at most {MAX_KEY_BITS} bits"
            )
        self.algorithm = java_name
        self.key_bytes = (bits + 7) // 8

    @classmethod
    def from_config(cls, config: Any) -> SessionKeyGenerator:
        """From a worker config (anything with ``get(key)``)."""
        size = config.get(KEY_SIZE_CONFIG)
        return cls(str(config.get(KEY_GENERATION_ALGORITHM_CONFIG)), None if size is None else int(size))

    def generate(self) -> bytes:
        return secrets.token_bytes(self.key_bytes)


def unsupported_signature_message(algorithm: str, verification_algorithms: list[str]) -> str:
    """Java's 400 answer to an internal request signed with an algorithm this worker does not permit."""
    return (
        f"This worker does not support the '{algorithm}' key signing algorithm used by other workers. "
        f"This worker is currently configured to use: [{', '.join(verification_algorithms)}]. "
        "Check that all workers' configuration files permit the same set of signature algorithms, "
        "and correct any misconfigured worker and restart it."
    )


def sign(key: bytes, body: bytes, algorithm: str = "HmacSHA256") -> bytes:
    """The raw MAC of ``body``; an empty body signs the empty input."""
    return hmac.new(key, body, _digest_name(algorithm)).digest()


def signature_headers(key: bytes, body: bytes, algorithm: str = "HmacSHA256") -> dict[str, str]:
    """The two headers a worker adds to an internal request it sends."""
    return {
        SIGNATURE_HEADER: base64.b64encode(sign(key, body, algorithm)).decode("ascii"),
        SIGNATURE_ALGORITHM_HEADER: algorithm,
    }


class InternalRequestSignature(Mapping[str, str]):
    """The signature of one internal request: its headers (as a mapping) and the body they sign."""

    def __init__(self, algorithm: str, encoded_signature: str, body: bytes) -> None:
        self.algorithm = algorithm
        self.encoded_signature = encoded_signature
        self.body = body
        self._digest = _digest_name(algorithm)
        try:
            self.signature = base64.b64decode(encoded_signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequestException(f"Illegal base64 in the {SIGNATURE_HEADER} header: {exc}")

    @classmethod
    def from_headers(cls, body: bytes, headers: Mapping[str, str]) -> InternalRequestSignature | None:
        """None when either header is absent (the herder then decides whether that is allowed)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        algorithm = lowered.get(SIGNATURE_ALGORITHM_HEADER.lower())
        encoded = lowered.get(SIGNATURE_HEADER.lower())
        if algorithm is None or encoded is None:
            return None
        return cls(algorithm, encoded, body)

    def key_algorithm(self) -> str:
        return self.algorithm

    def is_valid(self, key: bytes) -> bool:
        expected = hmac.new(key, self.body, self._digest).digest()
        return hmac.compare_digest(expected, self.signature)

    # --- Mapping of the two headers --------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {SIGNATURE_HEADER: self.encoded_signature, SIGNATURE_ALGORITHM_HEADER: self.algorithm}

    def __getitem__(self, key: str) -> str:
        return self._headers()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers())

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return f"InternalRequestSignature(algorithm={self.algorithm!r}, body={len(self.body)} bytes)"
