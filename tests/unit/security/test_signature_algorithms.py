"""Issue #13 item 7: Java's DistributedConfig checks of the inter-worker signature settings."""

from __future__ import annotations

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.herder.signature import check_algorithm_configs, unsupported_signature_message

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("signature", "verification", "message"),
    [
        (
            "HmacSHA256",
            ["HmacSHA1"],
            "Invalid value HmacSHA256 for configuration inter.worker.signature.algorithm: Signature algorithm must be "
            "present in inter.worker.verification.algorithms list",
        ),
        (
            "HmacSHA256",
            ["HmacSHA256", "HmacFoo"],
            "Invalid value HmacFoo for configuration inter.worker.verification.algorithms: the algorithm is not supported "
            "by this worker; the supported algorithms are: HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, "
            "HmacSHA512, HmacSHA512/224, HmacSHA512/256, HmacSHA3-224, HmacSHA3-256, HmacSHA3-384, HmacSHA3-512",
        ),
        (
            "HmacSHA256",
            [],
            "Invalid value [] for configuration inter.worker.verification.algorithms: At least one signature verification "
            "algorithm must be provided",
        ),
        (
            "HmacBad",
            ["HmacBad"],
            "Invalid value HmacBad for configuration inter.worker.signature.algorithm: the algorithm is not supported by "
            "this worker; the supported algorithms are: HmacMD5, ",
        ),
    ],
)
def test_bad_settings(signature: str, verification: list[str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        check_algorithm_configs(signature, verification)
    assert str(e.value).startswith(message)


def test_good_settings() -> None:
    check_algorithm_configs("HmacSHA256", ["HmacSHA256"])
    check_algorithm_configs("HmacSHA512", ["HmacSHA256", "HmacSHA512"])


def test_refusal_message_is_javas() -> None:
    # Java 4.2.1's answer, recorded in tests/integration/security/data/java_security_4_2_1.json.
    assert unsupported_signature_message("HmacMD5", ["HmacSHA256"]) == (
        "This worker does not support the 'HmacMD5' key signing algorithm used by other workers. This worker is "
        "currently configured to use: [HmacSHA256]. Check that all workers' configuration files permit the same set "
        "of signature algorithms, and correct any misconfigured worker and restart it."
    )
