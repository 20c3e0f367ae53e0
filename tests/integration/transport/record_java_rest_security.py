"""Record how Java Kafka Connect 4.2.1 answers authentication, TLS and admin-listener requests.

Starts real Java ``ConnectDistributed`` workers (connect-runtime 4.2.1 jars resolved with mvn into
~/.cache/connectrt/bench/java-connect-4.2.1, plus connect-basic-auth-extension 4.2.0 — 4.2.1 was
never published to Maven Central — into ~/.cache/connectrt/java-basic-auth; nothing committed)
against the dev Kafka broker, sends the requests below and prints the answers as JSON (kept in
tests/unit/transport/java_rest_security_4_2_1.json; the tests there state them literally). Usage
(dev services running):

    .venv/bin/python -m tests.integration.transport.record_java_rest_security [--bootstrap 127.0.0.1:29092]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _common  # noqa: E402

from connectrt.dev.certs import CertificateAuthority  # noqa: E402

BASIC_AUTH_VERSION = "4.2.0"
BASIC_AUTH_CACHE = Path.home() / ".cache" / "connectrt" / "java-basic-auth"
EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
CREDENTIALS = "alice: wonderland\nbob=builder\ndave:\n# a comment\ncarol  with spaces\n"


def ensure_basic_auth_jar() -> Path:
    jar = BASIC_AUTH_CACHE / f"connect-basic-auth-extension-{BASIC_AUTH_VERSION}.jar"
    if not jar.exists():
        BASIC_AUTH_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "dependency:copy",
                f"-Dartifact=org.apache.kafka:connect-basic-auth-extension:{BASIC_AUTH_VERSION}",
                f"-DoutputDirectory={BASIC_AUTH_CACHE}",
            ],
            check=True,
        )
    return jar


def basic(text: bytes) -> str:
    return "Basic " + base64.b64encode(text).decode()


def answer(response: httpx.Response) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "www-authenticate")}
    return {"status": response.status_code, "headers": headers, "body": response.text[:500]}


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        return answer(client.request(method, url, **kwargs))
    except httpx.HTTPError as e:
        return {"error": type(e).__name__, "detail": str(e)[:300]}


class JavaWorker:
    def __init__(self, tmp: Path, bootstrap: str, props: dict[str, str], jaas: Path | None) -> None:
        suffix = f"sec-{os.getpid()}-{int(time.time() * 1000)}"
        self.props = {
            "bootstrap.servers": bootstrap,
            "group.id": suffix,
            "config.storage.topic": f"{suffix}-configs",
            "offset.storage.topic": f"{suffix}-offsets",
            "status.storage.topic": f"{suffix}-status",
            "config.storage.replication.factor": "1",
            "offset.storage.replication.factor": "1",
            "status.storage.replication.factor": "1",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            **props,
        }
        cache = _common.ensure_java_connect()
        lib = tmp / "lib"
        if not lib.exists():
            shutil.copytree(cache / "lib", lib)
            shutil.copy(ensure_basic_auth_jar(), lib)
        shutil.copy(cache / "log4j2.xml", tmp / "log4j2.xml")
        path = _common.write_properties(tmp / f"{suffix}.properties", self.props)
        argv = _common.java_connect_standalone_argv(tmp, [path], heap_opts="-Xms128M -Xmx512M")
        argv = [
            "org.apache.kafka.connect.cli.ConnectDistributed" if a.endswith("ConnectStandalone") else a
            for a in argv
        ]
        if jaas is not None:
            argv.insert(1, f"-Djava.security.auth.login.config={jaas}")
        self.log_path = tmp / f"{suffix}.log"
        self.argv = argv

    def start(self) -> subprocess.Popen[bytes]:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        return self.proc

    def wait_port(self, port: int, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"Java Connect exited with {self.proc.returncode}:\n{self.tail()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    time.sleep(8)  # the herder joins the group after the listeners open
                    return
            time.sleep(0.5)
        raise SystemExit("Java Connect did not open its port")

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def record_auth(tmp: Path, bootstrap: str, ca: CertificateAuthority) -> dict[str, Any]:
    http, https, admin = (_common.free_port() for _ in range(3))
    server = ca.issue("localhost", ["localhost", "127.0.0.1"])
    server.write_pkcs12(tmp / "server.p12", "storepw", ca)
    (tmp / "credentials.properties").write_text(CREDENTIALS)
    jaas = tmp / "jaas.conf"
    jaas.write_text(
        "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
        f'  file="{tmp / "credentials.properties"}";\n}};\n'
    )
    worker = JavaWorker(
        tmp,
        bootstrap,
        {
            "listeners": f"http://127.0.0.1:{http},https://127.0.0.1:{https}",
            "admin.listeners": f"http://127.0.0.1:{admin}",
            "rest.extension.classes": EXTENSION,
            "listeners.https.ssl.keystore.location": str(tmp / "server.p12"),
            "listeners.https.ssl.keystore.type": "PKCS12",
            "listeners.https.ssl.keystore.password": "storepw",
            "listeners.https.ssl.key.password": "storepw",
            # 4.2.1 throws a NullPointerException at start when this is unset (sslCipherSuites.isEmpty()).
            "listeners.https.ssl.cipher.suites": "",
        },
        jaas,
    )
    worker.start()
    out: dict[str, Any] = {}
    try:
        worker.wait_port(http)
        base = f"http://127.0.0.1:{http}"
        good = basic(b"alice:wonderland")
        with httpx.Client(timeout=10) as c:
            cases: dict[str, tuple[str, str, dict[str, Any]]] = {
                "no_header": ("GET", "/", {}),
                "good": ("GET", "/", {"headers": {"Authorization": good}}),
                "good_lowercase_scheme": ("GET", "/", {"headers": {"Authorization": "basic " + good[6:]}}),
                "wrong_password": ("GET", "/", {"headers": {"Authorization": basic(b"alice:wrong")}}),
                "unknown_user": ("GET", "/", {"headers": {"Authorization": basic(b"mallory:wonderland")}}),
                "equals_separator": ("GET", "/", {"headers": {"Authorization": basic(b"bob:builder")}}),
                "empty_password_user": ("GET", "/", {"headers": {"Authorization": basic(b"dave:")}}),
                "space_separator": ("GET", "/", {"headers": {"Authorization": basic(b"carol:with spaces")}}),
                "password_with_colon": (
                    "GET",
                    "/",
                    {"headers": {"Authorization": basic(b"alice:wonderland:x")}},
                ),
                "no_colon": ("GET", "/", {"headers": {"Authorization": basic(b"alicewonderland")}}),
                "empty_user": ("GET", "/", {"headers": {"Authorization": basic(b":wonderland")}}),
                "not_base64": ("GET", "/", {"headers": {"Authorization": "Basic !!!notbase64"}}),
                "bearer": ("GET", "/", {"headers": {"Authorization": "Bearer abc"}}),
                "scheme_only": ("GET", "/", {"headers": {"Authorization": "Basic"}}),
                "non_utf8": ("GET", "/", {"headers": {"Authorization": basic(b"alice:\xff\xfewonderland")}}),
                "huge_header": ("GET", "/", {"headers": {"Authorization": "Basic " + "A" * 20000}}),
                "connectors_no_header": ("GET", "/connectors", {}),
                "connectors_good": ("GET", "/connectors", {"headers": {"Authorization": good}}),
                "health_no_header": ("GET", "/health", {}),
                "unknown_path_no_header": ("GET", "/no/such/path", {}),
                "head_root_no_header": ("HEAD", "/", {}),
                "options_root_no_header": ("OPTIONS", "/", {}),
                "internal_tasks_no_header": ("POST", "/connectors/x/tasks", {"json": []}),
                "internal_tasks_slash_no_header": ("POST", "/connectors/x/tasks/", {"json": []}),
                "internal_fence_no_header": ("PUT", "/connectors/x/fence", {}),
                "get_tasks_no_header": ("GET", "/connectors/x/tasks", {}),
                "restart_no_header": ("POST", "/connectors/x/restart", {}),
                "loggers_main_good": ("GET", "/admin/loggers", {"headers": {"Authorization": good}}),
            }
            for name, (method, path, kwargs) in cases.items():
                out[name] = send(c, method, base + path, **kwargs)
            admin_base = f"http://127.0.0.1:{admin}"
            out["loggers_admin_no_header"] = send(c, "GET", admin_base + "/admin/loggers/root")
            out["connectors_admin_no_header"] = send(c, "GET", admin_base + "/connectors")
        context = ssl.create_default_context(cafile=None, cadata=ca.cert_pem().decode())
        with httpx.Client(timeout=10, verify=context) as c:
            out["https_good"] = send(c, "GET", f"https://localhost:{https}/", headers={"Authorization": good})
            out["https_no_header"] = send(c, "GET", f"https://localhost:{https}/")
    finally:
        worker.stop()
    return out


def record_client_auth(tmp: Path, bootstrap: str, ca: CertificateAuthority) -> dict[str, Any]:
    https = _common.free_port()
    server = ca.issue("localhost", ["localhost", "127.0.0.1"])
    server.write_pkcs12(tmp / "server2.p12", "storepw", ca)
    ca.write_truststore(tmp / "trust.p12", "trustpw")
    client = ca.issue("client")
    client.write_pem(tmp / "client.pem")
    worker = JavaWorker(
        tmp,
        bootstrap,
        {
            "listeners": f"https://127.0.0.1:{https}",
            "admin.listeners": "",
            "listeners.https.ssl.keystore.location": str(tmp / "server2.p12"),
            "listeners.https.ssl.keystore.type": "PKCS12",
            "listeners.https.ssl.keystore.password": "storepw",
            "listeners.https.ssl.truststore.location": str(tmp / "trust.p12"),
            "listeners.https.ssl.truststore.type": "PKCS12",
            "listeners.https.ssl.truststore.password": "trustpw",
            "listeners.https.ssl.client.auth": "required",
            "listeners.https.ssl.endpoint.identification.algorithm": "",
            "listeners.https.ssl.cipher.suites": "",
        },
        None,
    )
    worker.start()
    out: dict[str, Any] = {}
    try:
        worker.wait_port(https)
        url = f"https://localhost:{https}"
        without = ssl.create_default_context(cadata=ca.cert_pem().decode())
        with httpx.Client(timeout=10, verify=without) as c:
            out["no_client_cert"] = send(c, "GET", url + "/")
        with_cert = ssl.create_default_context(cadata=ca.cert_pem().decode())
        with_cert.load_cert_chain(tmp / "client.pem")
        with httpx.Client(timeout=10, verify=with_cert) as c:
            out["client_cert"] = send(c, "GET", url + "/connectors")
            out["admin_disabled_loggers"] = send(c, "GET", url + "/admin/loggers")
    finally:
        worker.stop()
    return out


def record_start_failures(tmp: Path, bootstrap: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, props, jaas in (
        ("unknown_extension", {"rest.extension.classes": "com.example.NoSuchExtension"}, None),
        ("basic_auth_without_jaas", {"rest.extension.classes": EXTENSION}, None),
    ):
        port = _common.free_port()
        worker = JavaWorker(tmp, bootstrap, {"listeners": f"http://127.0.0.1:{port}", **props}, jaas)
        proc = worker.start()
        try:
            proc.wait(120)
            lines = [
                line
                for line in worker.log_path.read_text(errors="replace").splitlines()
                if "ERROR" in line or "Exception" in line
            ]
            out[name] = {"exit": proc.returncode, "errors": lines[:6]}
        except subprocess.TimeoutExpired:
            out[name] = {"exit": None, "note": "still running after 120 s", "tail": worker.tail()}
            worker.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:29092")
    parser.add_argument("--only", choices=["auth", "client_auth", "start_failures"])
    args = parser.parse_args()
    ca = CertificateAuthority.create("java recorder CA")
    document: dict[str, Any] = {
        "produced_by": "tests/integration/transport/record_java_rest_security.py: Java Kafka Connect 4.2.1 "
        "ConnectDistributed with connect-basic-auth-extension 4.2.0 from Maven Central",
    }
    with tempfile.TemporaryDirectory(prefix="java-rest-security-") as tmp:
        for name, fn in (("auth", record_auth), ("client_auth", record_client_auth)):
            if args.only in (None, name):
                document[name] = fn(Path(tmp), args.bootstrap, ca)
        if args.only in (None, "start_failures"):
            document["start_failures"] = record_start_failures(Path(tmp), args.bootstrap)
    print(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
