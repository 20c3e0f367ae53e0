"""HTTP Basic authentication (BasicAuthSecurityRestExtension) against the recording of Java 4.2.1.

The Java answers quoted below come from tests/unit/transport/java_rest_security_4_2_1.json, produced
by tests/integration/transport/record_java_rest_security.py (Java ConnectDistributed 4.2.1 with
connect-basic-auth-extension 4.2.0, credentials file CREDENTIALS below).
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectrt.rest.app import create_app
from connectrt.rest.basic_auth import (
    BasicAuthenticator,
    LoginStep,
    PropertyFileCredentials,
    parse_basic_authorization,
)
from connectrt.rest.config import RestConfig
from tests.unit.rest.fake_herder import FakeHerder
from tests.unit.rest.helpers import AppClient

pytestmark = pytest.mark.unit

RECORDING = json.loads((Path(__file__).parent / "java_rest_security_4_2_1.json").read_text())
CREDENTIALS = "alice: wonderland\nbob=builder\ndave:\n# a comment\ncarol  with spaces\n"
# What Java 4.2.1 answers without valid credentials (recorded): the sentence alone, as "JSON".
JAVA_401 = {
    "status": 401,
    "headers": {"content-type": "application/json"},
    "body": "User cannot access the resource.",
}
# What connectrt answers instead (a deliberate difference: Connect's error JSON and the
# WWW-Authenticate challenge RFC 7235 asks for).
OUR_401_BODY = {"error_code": 401, "message": "User cannot access the resource."}
OUR_CHALLENGE = 'Basic realm="Kafka Connect", charset="UTF-8"'


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


GOOD = basic(b"alice:wonderland")


def authenticator_for(tmp_path: Path, text: str = CREDENTIALS, flag: str = "required") -> BasicAuthenticator:
    path = tmp_path / "credentials.properties"
    path.write_text(text, encoding="iso-8859-1")
    return BasicAuthenticator([LoginStep(flag, PropertyFileCredentials.load(str(path)))], "jaas.conf")


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
def client(tmp_path: Path, herder: FakeHerder) -> Iterator[AppClient]:
    config = RestConfig(version="0.1.0", commit="abc", authenticator=authenticator_for(tmp_path))
    c = AppClient(create_app(herder, config))
    yield c
    c.close()


# case name in the Java recording → (method, path, Authorization header or None)
CASES: dict[str, tuple[str, str, str | None]] = {
    "no_header": ("GET", "/", None),
    "good": ("GET", "/", GOOD),
    "good_lowercase_scheme": ("GET", "/", "basic " + GOOD[6:]),
    "wrong_password": ("GET", "/", basic(b"alice:wrong")),
    "unknown_user": ("GET", "/", basic(b"mallory:wonderland")),
    "equals_separator": ("GET", "/", basic(b"bob:builder")),
    "empty_password_user": ("GET", "/", basic(b"dave:")),
    "space_separator": ("GET", "/", basic(b"carol:with spaces")),
    "password_with_colon": ("GET", "/", basic(b"alice:wonderland:x")),
    "no_colon": ("GET", "/", basic(b"alicewonderland")),
    "empty_user": ("GET", "/", basic(b":wonderland")),
    "bearer": ("GET", "/", "Bearer abc"),
    "scheme_only": ("GET", "/", "Basic"),
    "non_utf8": ("GET", "/", basic(b"alice:\xff\xfewonderland")),
    "connectors_no_header": ("GET", "/connectors", None),
    "connectors_good": ("GET", "/connectors", GOOD),
    "health_no_header": ("GET", "/health", None),
    "get_tasks_no_header": ("GET", "/connectors/x/tasks", None),
    "restart_no_header": ("POST", "/connectors/x/restart", None),
    "head_root_no_header": ("HEAD", "/", None),
}


def _send(client: AppClient, method: str, path: str, header: str | None) -> Any:
    headers = {"Authorization": header} if header is not None else {}
    return client.request(method, path, headers=headers)


@pytest.mark.parametrize("case", sorted(CASES))
def test_status_matches_java(client: AppClient, herder: FakeHerder, case: str) -> None:
    method, path, header = CASES[case]
    herder.add_connector("x")
    java = RECORDING["auth"][case]
    response = _send(client, method, path, header)
    assert response.status_code == java["status"], case
    if java["status"] == 401:
        assert java == (JAVA_401 if method != "HEAD" else {**JAVA_401, "body": ""})
        assert response.headers["www-authenticate"] == OUR_CHALLENGE
        assert response.headers["content-type"] == "application/json"
        assert response.json() == OUR_401_BODY if method != "HEAD" else response.content == b""


def test_recorded_java_answers_stated_literally() -> None:
    """The recording's key facts, so a re-recording that changes them shows up here."""
    auth = RECORDING["auth"]
    assert {k: v["status"] for k, v in auth.items()} == {
        "no_header": 401,
        "good": 200,
        "good_lowercase_scheme": 200,
        "wrong_password": 401,
        "unknown_user": 401,
        "equals_separator": 200,
        "empty_password_user": 200,
        "space_separator": 200,
        "password_with_colon": 401,
        "no_colon": 401,
        "empty_user": 401,
        "not_base64": 500,
        "bearer": 401,
        "scheme_only": 401,
        "non_utf8": 401,
        "huge_header": 431,
        "connectors_no_header": 401,
        "connectors_good": 200,
        "health_no_header": 401,
        "unknown_path_no_header": 404,
        "head_root_no_header": 401,
        "options_root_no_header": 401,
        "internal_tasks_no_header": 400,
        "internal_tasks_slash_no_header": 400,
        "internal_fence_no_header": 400,
        "get_tasks_no_header": 401,
        "restart_no_header": 401,
        "loggers_main_good": 404,
        "loggers_admin_no_header": 200,
        "connectors_admin_no_header": 404,
        "https_good": 200,
        "https_no_header": 401,
    }
    assert auth["not_base64"]["body"] == '{"error_code":500,"message":"Illegal base64 character 21"}'
    assert auth["internal_tasks_no_header"]["body"] == (
        '{"error_code":400,"message":"Internal request missing required signature"}'
    )
    assert "www-authenticate" not in auth["no_header"]["headers"]


def test_internal_endpoints_are_exempt(client: AppClient, herder: FakeHerder) -> None:
    """Java lets POST /connectors/<c>/tasks and PUT /connectors/<c>/fence through: the herder checks
    their signature. Everything else on those paths needs credentials."""
    herder.add_connector("x")
    for method, path in (
        ("POST", "/connectors/x/tasks"),
        ("POST", "/connectors/x/tasks/"),
        ("PUT", "/connectors/x/fence"),
        ("PUT", "/connectors/x/fence/"),
    ):
        response = client.request(method, path, json=[] if method == "POST" else None)
        assert response.status_code != 401, (method, path)
    assert [c[0] for c in herder.called("put_task_configs")] == ["x", "x"]
    assert client.get("/connectors/x/tasks").status_code == 401
    assert client.request("DELETE", "/connectors/x/fence").status_code == 401
    # A path that only looks like an internal one is not exempt.
    assert client.post("/connectors/x/y/tasks", json=[]).status_code == 401


def test_deliberate_differences(client: AppClient) -> None:
    """Java answers 500 "Illegal base64 character 21" and 431 (Jetty's 8 KiB header limit); we
    answer 401 to both, without decoding an oversize header. Unknown paths: Java 404 (its filter
    runs after routing), we 401 (no route is revealed without credentials)."""
    for header in ("Basic !!!notbase64", "Basic " + "A" * 20000, basic(b"alice:" + b"w" * 9000)):
        response = client.get("/", headers={"Authorization": header})
        assert (response.status_code, response.json()) == (401, OUR_401_BODY)
    assert client.get("/no/such/path").status_code == 401
    assert client.get("/no/such/path", headers={"Authorization": GOOD}).status_code == 404


def test_two_authorization_headers_are_refused(client: AppClient) -> None:
    response = client.get("/", headers=[("Authorization", GOOD), ("Authorization", GOOD)])
    assert response.status_code == 401


def test_cors_preflight_passes_and_401_carries_cors_headers(tmp_path: Path, herder: FakeHerder) -> None:
    config = RestConfig(
        authenticator=authenticator_for(tmp_path), access_control_allow_origin="http://ui.example"
    )
    c = AppClient(create_app(herder, config))
    try:
        preflight = c.request(
            "OPTIONS",
            "/connectors",
            headers={"Origin": "http://ui.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 200
        denied = c.get("/connectors", headers={"Origin": "http://ui.example"})
        assert denied.status_code == 401
        assert denied.headers["access-control-allow-origin"] == "http://ui.example"
    finally:
        c.close()


def test_parse_basic_authorization() -> None:
    assert parse_basic_authorization(GOOD.encode()) == ("alice", "wonderland")
    assert parse_basic_authorization(b"BASIC " + base64.b64encode(b"u:p:q")) == ("u", "p:q")
    # Java's decoder does not require the padding.
    assert parse_basic_authorization(b"Basic " + base64.b64encode(b"ab:c").rstrip(b"=")) == ("ab", "c")
    assert parse_basic_authorization(basic(b"\xc3\xa9:\xff").encode()) == ("\u00e9", "\ufffd")
    for bad in (None, b"", b"Basic", b" Basic abc", b"Basic a b", b"Digest x", basic(b"nocolon").encode()):
        assert parse_basic_authorization(bad) == (None, None), bad


def test_credentials_file_is_java_properties_in_latin1(tmp_path: Path) -> None:
    auth = authenticator_for(
        tmp_path, "eve\\u00e9 = p\\u00e4ss\nraw: caf\u00e9\n  # indented comment\nlong = a\\\n  b\n"
    )
    assert auth.authenticate("eve\u00e9", "p\u00e4ss")
    assert auth.authenticate("raw", "caf\u00e9")
    assert auth.authenticate("long", "ab")
    assert not auth.authenticate("# indented comment", "")


def test_empty_credentials_file_lets_everything_through_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        auth = authenticator_for(tmp_path, "# nobody\n")
    assert auth.authenticate(None, None)
    assert "is empty: every request is let through without authentication" in caplog.text


@pytest.mark.parametrize(
    ("flags", "results", "expected"),
    [
        (["required", "required"], [True, False], False),
        (["required", "optional"], [True, False], True),
        (["sufficient", "required"], [True, False], True),
        (["required", "sufficient"], [False, True], False),
        (["requisite", "sufficient"], [False, True], False),
        (["optional", "optional"], [False, True], True),
        (["optional", "optional"], [False, False], False),
        (["sufficient"], [False], False),
    ],
)
def test_jaas_flags_combine_like_login_context(
    tmp_path: Path, flags: list[str], results: list[bool], expected: bool
) -> None:
    steps = []
    for i, (flag, ok) in enumerate(zip(flags, results, strict=True)):
        path = tmp_path / f"c{i}"
        path.write_text("u: right\n" if ok else "u: other\n")
        steps.append(LoginStep(flag, PropertyFileCredentials.load(str(path))))
    assert BasicAuthenticator(steps, "f").authenticate("u", "right") is expected


def test_password_comparison_is_constant_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check runs exactly one hmac.compare_digest over two 32-byte digests, whether the user
    exists, the password is right, wrong, longer or empty: no early exit tells them apart."""
    auth = authenticator_for(tmp_path)
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr("connectrt.rest.basic_auth.hmac.compare_digest", counting)
    attempts = [
        ("alice", "wonderland"),
        ("alice", "w"),
        ("alice", "x" * 5000),
        ("alice", ""),
        ("mallory", "wonderland"),
        ("mallory", ""),
        ("dave", ""),
    ]
    for user, password in attempts:
        auth.authenticate(user, password)
    assert calls == [(32, 32)] * len(attempts)
    assert [auth.authenticate(u, p) for u, p in attempts] == [True, False, False, False, False, False, True]


def test_passwords_never_logged(tmp_path: Path, herder: FakeHerder, caplog: pytest.LogCaptureFixture) -> None:
    config = RestConfig(authenticator=authenticator_for(tmp_path))
    c = AppClient(create_app(herder, config))
    try:
        with caplog.at_level(logging.DEBUG):
            c.get("/", headers={"Authorization": basic(b"alice:not-the-password")})
            c.get("/", headers={"Authorization": GOOD})
    finally:
        c.close()
    assert "not-the-password" not in caplog.text
    assert "wonderland" not in caplog.text
    assert "wonderland" not in repr(config)
