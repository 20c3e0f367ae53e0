"""rest.extension.classes and the JAAS file, found the way Java users point to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.rest.config import RestConfig
from connectrt.rest.extensions import BASIC_AUTH_EXTENSION, jvm_system_properties, load_rest_extensions

pytestmark = pytest.mark.unit

MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
RECORDING = json.loads((Path(__file__).parent / "java_rest_security_4_2_1.json").read_text())


def jaas(tmp_path: Path, body: str | None = None, name: str = "jaas.conf") -> Path:
    creds = tmp_path / "credentials.properties"
    creds.write_text("admin: s3cret\n")
    path = tmp_path / name
    path.write_text(body if body is not None else f'KafkaConnect {{ {MODULE} required file="{creds}"; }};\n')
    return path


def env(**variables: str) -> dict[str, str]:
    return {"HOME": "/nonexistent-home", **variables}


@pytest.mark.parametrize(
    "variable",
    [
        "KAFKA_OPTS",
        "EXTRA_ARGS",
        "JAVA_TOOL_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "KAFKA_JVM_PERFORMANCE_OPTS",
        "_JAVA_OPTIONS",
    ],
)
def test_jaas_file_from_jvm_options(tmp_path: Path, variable: str) -> None:
    path = jaas(tmp_path)
    auth = load_rest_extensions(
        [BASIC_AUTH_EXTENSION], env(**{variable: f"-Xmx1g -Djava.security.auth.login.config={path}"})
    )
    assert auth is not None and auth.authenticate("admin", "s3cret") and not auth.authenticate("admin", "x")


def test_later_variables_win_like_the_jvm(tmp_path: Path) -> None:
    good = jaas(tmp_path)
    props = jvm_system_properties(
        env(
            JAVA_TOOL_OPTIONS="-Djava.security.auth.login.config=/wrong",
            KAFKA_OPTS=f"-Dx=1 -Djava.security.auth.login.config={good}",
        )
    )
    assert props["java.security.auth.login.config"] == str(good)
    assert props["x"] == "1"


def test_double_equals_and_file_url_and_quotes(tmp_path: Path) -> None:
    path, spaced = jaas(tmp_path), jaas(tmp_path, name="my jaas.conf")
    for option in (
        f"-Djava.security.auth.login.config=={path}",
        f"-Djava.security.auth.login.config=file:{path}",
        f"-Djava.security.auth.login.config=file://{path}",
        f"'-Djava.security.auth.login.config={spaced}'",
    ):
        assert load_rest_extensions(["BasicAuthSecurityRestExtension"], env(KAFKA_OPTS=option)) is not None


def test_default_java_login_config_in_home(tmp_path: Path) -> None:
    jaas(tmp_path, name=".java.login.config")
    assert load_rest_extensions([BASIC_AUTH_EXTENSION], {"HOME": str(tmp_path)}) is not None


def test_system_properties_expand_in_the_jaas_file(tmp_path: Path) -> None:
    jaas(tmp_path)
    body = f'KafkaConnect {{ {MODULE} required file="${{creds.dir}}${{/}}credentials.properties"; }};'
    path = jaas(tmp_path, body, name="expanding.conf")
    auth = load_rest_extensions(
        [BASIC_AUTH_EXTENSION],
        env(KAFKA_OPTS=f"-Dcreds.dir={tmp_path} -Djava.security.auth.login.config={path}"),
    )
    assert auth is not None and auth.authenticate("admin", "s3cret")


def test_no_extension_no_authenticator() -> None:
    assert load_rest_extensions([], {}) is None
    assert load_rest_extensions([""], {}) is None


def test_unknown_extension_refuses_to_start_with_javas_sentence() -> None:
    java = RECORDING["start_failures"]["unknown_extension"]["errors"][1]
    assert java == (
        "org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements interface "
        "org.apache.kafka.connect.rest.ConnectRestExtension and which name matches com.example.NoSuchExtension"
    )
    with pytest.raises(ConfigException) as info:
        load_rest_extensions([BASIC_AUTH_EXTENSION, "com.example.NoSuchExtension"], {})
    assert str(info.value) == (
        "Failed to find any class that implements interface org.apache.kafka.connect.rest.ConnectRestExtension "
        "and which name matches com.example.NoSuchExtension; connectrt provides only "
        "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension: remove the others "
        "from rest.extension.classes."
    )


def test_basic_auth_without_jaas_file_refuses_to_start() -> None:
    """Java starts and then answers 401 to everything (recorded); we stop at start with the fix."""
    assert RECORDING["start_failures"]["basic_auth_without_jaas"]["exit"] is None
    with pytest.raises(ConfigException) as info:
        load_rest_extensions([BASIC_AUTH_EXTENSION], env())
    assert str(info.value) == (
        "rest.extension.classes names BasicAuthSecurityRestExtension but no JAAS file is configured: start the "
        "worker with KAFKA_OPTS=-Djava.security.auth.login.config=<file> in its environment, the file holding a "
        f'KafkaConnect {{ {MODULE} required file="<credentials>"; }}; entry.'
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "KafkaServer { x.Y required; };",
            "has no KafkaConnect entry, which BasicAuthSecurityRestExtension reads",
        ),
        (
            'KafkaConnect { com.sun.security.auth.module.LdapLoginModule required userProvider="ldap://x"; };',
            "uses the login module com.sun.security.auth.module.LdapLoginModule; connectrt supports only",
        ),
        (f"KafkaConnect {{ {MODULE} required; }};", 'has no file option; add file="<credentials file>"'),
        (
            f'KafkaConnect {{ {MODULE} required file="/no/such/creds"; }};',
            "Cannot read the REST credentials file /no/such/creds named in the JAAS KafkaConnect entry: No such file",
        ),
        (f'KafkaConnect {{ {MODULE} required file="x" }};', "expected ';' but found '}'"),
    ],
)
def test_unusable_jaas_files_refuse_to_start(tmp_path: Path, body: str, message: str) -> None:
    path = jaas(tmp_path, body)
    with pytest.raises(ConfigException) as info:
        load_rest_extensions(
            [BASIC_AUTH_EXTENSION], env(KAFKA_OPTS=f"-Djava.security.auth.login.config={path}")
        )
    assert message in str(info.value)


def test_missing_jaas_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigException, match=r"Cannot read the JAAS file /no/jaas.conf \(-Djava.security.auth"
    ):
        load_rest_extensions(
            [BASIC_AUTH_EXTENSION], env(KAFKA_OPTS="-Djava.security.auth.login.config=/no/jaas.conf")
        )


def test_rest_config_from_worker_props(tmp_path: Path) -> None:
    path = jaas(tmp_path)
    config = RestConfig.from_worker_props(
        {"rest.extension.classes": BASIC_AUTH_EXTENSION},
        environ=env(KAFKA_OPTS=f"-Djava.security.auth.login.config={path}"),
    )
    assert config.authenticator is not None
    assert RestConfig.from_worker_props({"rest.extension.classes": ""}, environ={}).authenticator is None
    with pytest.raises(ConfigException, match="which name matches Other"):
        RestConfig.from_worker_props({"rest.extension.classes": "Other"}, environ={})


def test_malformed_jvm_options_are_named() -> None:
    with pytest.raises(
        ConfigException, match="Cannot read the JVM options in KAFKA_OPTS: No closing quotation"
    ):
        jvm_system_properties({"KAFKA_OPTS": "-Dx='unterminated"})
