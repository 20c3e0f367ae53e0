from __future__ import annotations

import pytest

from connectrt.kafka.jaas import JaasError, LoginModule, parse_jaas_config, parse_login_config

pytestmark = pytest.mark.unit

PROPERTY_FILE_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"


def test_the_documented_connect_entry() -> None:
    text = f"""
    // Kafka Connect's REST credentials
    KafkaConnect {{
        {PROPERTY_FILE_MODULE} required
        file="/etc/connect/credentials.properties";
    }};
    """
    assert parse_login_config(text, "jaas.conf") == {
        "KafkaConnect": [
            LoginModule(PROPERTY_FILE_MODULE, "required", {"file": "/etc/connect/credentials.properties"})
        ]
    }


def test_several_entries_flags_comments_and_escapes() -> None:
    text = r"""
    /* the broker's, ignored by Connect */
    KafkaServer { org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED; };
    KafkaConnect {
      a.First sufficient file="/a" debug=true;   // trailing comment
      b.Second optional file="C:\\creds \"x\".properties";
    };
    """
    entries = parse_login_config(text, "f")
    assert list(entries) == ["KafkaServer", "KafkaConnect"]
    assert entries["KafkaServer"] == [
        LoginModule("org.apache.kafka.common.security.scram.ScramLoginModule", "required", {})
    ]
    assert entries["KafkaConnect"] == [
        LoginModule("a.First", "sufficient", {"file": "/a", "debug": "true"}),
        LoginModule("b.Second", "optional", {"file": 'C:\\creds "x".properties'}),
    ]


def test_system_properties_expand_in_values() -> None:
    text = 'KafkaConnect { M required file="${user.home}${/}creds"; };'
    assert parse_login_config(text, "f", {"user.home": "/home/kc"})["KafkaConnect"][0].options == {
        "file": "/home/kc/creds"
    }
    with pytest.raises(JaasError, match=r"f: cannot expand \$\{nope\}: no such system property"):
        parse_login_config('KafkaConnect { M required file="${nope}"; };', "f", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "KafkaConnect { M mandatory; };",
            "flag 'mandatory'; use one of required, requisite, sufficient, optional",
        ),
        ('KafkaConnect { M required file="x" }', "expected ';' but found '}'"),
        ("KafkaConnect { M required; }", "ended early; expected ';'"),
        ("KafkaConnect { };", "the entry KafkaConnect lists no login module"),
        ("A { M required; }; A { M required; };", "the entry A is defined twice"),
        ("KafkaConnect { M required file=/etc/x; };", "unexpected character '/' on line 1"),
        ('KafkaConnect { M required file="unterminated; };', "unexpected character '\"'"),
    ],
)
def test_malformed_files_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(JaasError) as info:
        parse_login_config(text, "jaas.conf")
    assert str(info.value).startswith("jaas.conf: ")
    assert message in str(info.value)


def test_client_jaas_config() -> None:
    modules = parse_jaas_config(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="p;a\\"ss";'
    )
    assert modules == [
        LoginModule(
            "org.apache.kafka.common.security.scram.ScramLoginModule",
            "required",
            {"username": "connect", "password": 'p;a"ss'},
        )
    ]
    # Passwords never show in a repr (logs, tracebacks).
    assert "p;a" not in repr(modules)


def test_client_jaas_config_without_module() -> None:
    with pytest.raises(JaasError, match="producer.sasl.jaas.config names no login module"):
        parse_jaas_config("  ", "producer.sasl.jaas.config")
