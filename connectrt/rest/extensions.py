"""``rest.extension.classes``: the REST extensions connectrt provides, found the way Java finds them.

Only Kafka's ``BasicAuthSecurityRestExtension`` is available; any other class stops the worker at
start with one line (never silently ignored). Like Java, the extension reads the JVM's JAAS login
configuration: the file named by the ``java.security.auth.login.config`` system property, which
Java users set in the worker's environment, e.g.
``KAFKA_OPTS=-Djava.security.auth.login.config=/etc/connect/jaas.conf``. The ``-D`` options are
read from the variables the Kafka scripts and the JVM read, in the JVM's order (a later one
wins): ``JAVA_TOOL_OPTIONS``, ``JDK_JAVA_OPTIONS``, ``KAFKA_HEAP_OPTS``,
``KAFKA_JVM_PERFORMANCE_OPTS``, ``KAFKA_OPTS``, ``EXTRA_ARGS``, ``_JAVA_OPTIONS``. Without the
property, ``~/.java.login.config`` is used when it exists (the JDK's default).

The ``KafkaConnect`` entry must list ``PropertyFileLoginModule`` modules with a ``file`` option;
a JAAS file that cannot serve requests (no entry, another login module, an unreadable file) stops
the worker at start with the fix, where Java would start and then refuse every request.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

from connectrt.config.configdef import ConfigException
from connectrt.kafka.jaas import parse_login_config
from connectrt.rest.basic_auth import BasicAuthenticator, LoginStep, PropertyFileCredentials

log = logging.getLogger(__name__)

BASIC_AUTH_EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
PROPERTY_FILE_LOGIN_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
REST_EXTENSION_INTERFACE = "org.apache.kafka.connect.rest.ConnectRestExtension"
LOGIN_CONFIG_PROPERTY = "java.security.auth.login.config"
JAAS_ENTRY = "KafkaConnect"
JVM_OPTION_VARIABLES = (
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_OPTS",
    "EXTRA_ARGS",
    "_JAVA_OPTIONS",
)
_ALIASES = {BASIC_AUTH_EXTENSION, "BasicAuthSecurityRestExtension"}


def jvm_system_properties(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``-Dname=value`` options of the JVM option variables, plus ``user.home``,
    ``user.name`` and ``user.dir`` as the JVM sets them."""
    properties = {
        "user.home": environ.get("HOME") or str(Path.home()),
        "user.name": environ.get("USER") or environ.get("LOGNAME") or "",
        "user.dir": os.getcwd(),
    }
    for variable in JVM_OPTION_VARIABLES:
        text = environ.get(variable)
        if not text:
            continue
        try:
            words = shlex.split(text)
        except ValueError as e:
            raise ConfigException(f"Cannot read the JVM options in {variable}: {e}.")
        for word in words:
            if word.startswith("-D") and len(word) > 2:
                name, _, value = word[2:].partition("=")
                properties[name] = value
    return properties


def _login_config_path(properties: Mapping[str, str]) -> tuple[Path, str] | None:
    value = properties.get(LOGIN_CONFIG_PROPERTY)
    if value is not None:
        value = value[1:] if value.startswith("=") else value  # -D...config==file: this file only
        if value.startswith("file:"):
            value = value[len("file:") :]
            value = "/" + value.lstrip("/") if value.startswith("//") else value
        return Path(value).expanduser(), f"-D{LOGIN_CONFIG_PROPERTY}={value}"
    default = Path(properties.get("user.home", str(Path.home()))) / ".java.login.config"
    if default.is_file():
        return default, str(default)
    return None


def basic_auth_from_environment(environ: Mapping[str, str]) -> BasicAuthenticator:
    """The authenticator of the JAAS file the environment points to; ConfigException with the fix."""
    properties = jvm_system_properties(environ)
    found = _login_config_path(properties)
    if found is None:
        raise ConfigException(
            f"rest.extension.classes names BasicAuthSecurityRestExtension but no JAAS file is configured: start "
            f"the worker with KAFKA_OPTS=-D{LOGIN_CONFIG_PROPERTY}=<file> in its environment, the file holding "
            f'a {JAAS_ENTRY} {{ {PROPERTY_FILE_LOGIN_MODULE} required file="<credentials>"; }}; entry.'
        )
    path, source = found
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigException(
            f"Cannot read the JAAS file {path} ({source}): {getattr(e, 'strerror', None) or e}."
        )
    entries = parse_login_config(text, str(path), properties)
    modules = entries.get(JAAS_ENTRY)
    if not modules:
        raise ConfigException(
            f"The JAAS file {path} has no {JAAS_ENTRY} entry, which BasicAuthSecurityRestExtension reads; add "
            f'{JAAS_ENTRY} {{ {PROPERTY_FILE_LOGIN_MODULE} required file="<credentials>"; }};'
        )
    steps = []
    for module in modules:
        if module.class_name != PROPERTY_FILE_LOGIN_MODULE:
            raise ConfigException(
                f"The {JAAS_ENTRY} entry of {path} uses the login module {module.class_name}; connectrt supports "
                f"only {PROPERTY_FILE_LOGIN_MODULE}."
            )
        file = module.options.get("file", "").strip()
        if not file:
            raise ConfigException(
                f'The {PROPERTY_FILE_LOGIN_MODULE} of {path} has no file option; add file="<credentials file>".'
            )
        steps.append(LoginStep(module.flag, PropertyFileCredentials.load(file)))
    authenticator = BasicAuthenticator(steps, str(path))
    log.info(
        "REST API authentication: HTTP Basic with the %s entry of %s (%s)",
        JAAS_ENTRY,
        path,
        ", ".join(f"{s.credentials.path}: {s.credentials.users} user(s)" for s in steps),
    )
    return authenticator


def load_rest_extensions(classes: Iterable[str], environ: Mapping[str, str]) -> BasicAuthenticator | None:
    """The authenticator ``rest.extension.classes`` asks for (None when the list is empty)."""
    names = [name.strip() for name in classes if name.strip()]
    for name in names:
        if name not in _ALIASES:
            raise ConfigException(
                f"Failed to find any class that implements interface {REST_EXTENSION_INTERFACE} and which name "
                f"matches {name}; connectrt provides only {BASIC_AUTH_EXTENSION}: remove the others from "
                "rest.extension.classes."
            )
    return basic_auth_from_environment(environ) if names else None
