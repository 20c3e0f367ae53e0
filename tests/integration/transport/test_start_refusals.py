"""A worker whose REST security settings cannot be honoured refuses to start with one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connectrt.dev.certs import CertificateAuthority
from tests.integration.worker_process import free_port, write_properties

pytestmark = pytest.mark.integration


def start(
    tmp_path: Path, kafka_bootstrap: str, extra: dict[str, str], env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    props = write_properties(
        tmp_path / "worker.properties",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets"),
            "listeners": f"http://127.0.0.1:{free_port()}",
            **extra,
        },
    )
    environ = {
        k: v for k, v in os.environ.items() if k not in ("KAFKA_OPTS", "JAVA_TOOL_OPTIONS", "EXTRA_ARGS")
    }
    environ["HOME"] = str(tmp_path)
    # The console script, as users run it.
    connectrt = str(Path(sys.executable).parent / "connectrt")
    proc = subprocess.run(
        [connectrt, "standalone", str(props)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environ, **(env or {})},
        cwd=tmp_path,
    )
    lines = [line for line in proc.stderr.splitlines() if line.startswith("connectrt: ")]
    return proc.returncode, lines


def test_start_refusals(tmp_path: Path, kafka_bootstrap: str) -> None:
    """Two of the refusals through the CLI (the others' messages are checked in tests/unit/transport)."""
    code, lines = start(tmp_path, kafka_bootstrap, {"rest.extension.classes": "com.example.MyExtension"})
    assert code == 1
    assert lines == [
        "connectrt: Failed to find any class that implements interface "
        "org.apache.kafka.connect.rest.ConnectRestExtension and which name matches com.example.MyExtension; "
        "connectrt provides only org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension: "
        "remove the others from rest.extension.classes."
    ]
    jks = tmp_path / "keystore.jks"
    jks.write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + b"\x00" * 32)
    code, lines = start(
        tmp_path,
        kafka_bootstrap,
        {
            "listeners": f"https://127.0.0.1:{free_port()}",
            "listeners.https.ssl.keystore.location": str(jks),
            "listeners.https.ssl.keystore.password": "x",
        },
    )
    assert code == 1
    assert lines == [
        f"connectrt: listeners.https.ssl.keystore.location={jks} is a JKS keystore, which connectrt cannot read; "
        f"convert it to PKCS12 (keytool -importkeystore -srckeystore {jks} -destkeystore keystore.p12 "
        "-deststoretype PKCS12) and set listeners.https.ssl.keystore.type=PKCS12, or use PEM files."
    ]


def test_unknown_cipher_suite_refuses_to_start(tmp_path: Path, kafka_bootstrap: str) -> None:
    """A suite name nobody knows in listeners.https.ssl.cipher.suites: one line, exit 1 (the keystore is
    read first, so a real one is written)."""
    ca = CertificateAuthority.create("test-ca")
    leaf = ca.issue("localhost", ["localhost"])
    leaf.write_pem(tmp_path / "server.pem")
    code, lines = start(
        tmp_path,
        kafka_bootstrap,
        {
            "listeners": f"https://127.0.0.1:{free_port()}",
            "listeners.https.ssl.keystore.type": "PEM",
            "listeners.https.ssl.keystore.location": str(tmp_path / "server.pem"),
            "listeners.https.ssl.cipher.suites": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_NOTHING",
        },
    )
    assert code == 1
    assert lines == [
        "connectrt: listeners.https.ssl.cipher.suites names 'TLS_RSA_WITH_NOTHING', which is not a cipher suite "
        "connectrt knows; use the IANA names Java uses, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384."
    ]
