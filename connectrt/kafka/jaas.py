"""JAAS configuration text, as Java reads it.

Two forms:

- a login configuration *file* (``-Djava.security.auth.login.config=<file>``): named entries,
  each a list of login modules::

      KafkaConnect {
          org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
          file="/etc/connect/credentials.properties";
      };

- a client's ``sasl.jaas.config`` value: the module list alone::

      org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";

A module is ``<class> <flag> [option=value ...];`` with flag required/requisite/sufficient/optional;
values are quoted strings (``\\"`` and ``\\\\`` escapes) or bare words; ``//`` and ``/* */``
comments are skipped. In files, ``${name}`` in a value expands from ``properties`` (the JVM's
system properties: ``user.home``, ``-D`` options, ...), as Java's ``ConfigFile`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from connectrt.config.configdef import ConfigException

FLAGS = ("required", "requisite", "sufficient", "optional")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<word>[A-Za-z0-9_$*.\-]+)
  | (?P<punct>[{};=])
    """,
    re.VERBOSE | re.DOTALL,
)
_EXPANSION = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


class JaasError(ConfigException):
    """A JAAS text that cannot be read; the message names where and what."""


@dataclass(frozen=True)
class LoginModule:
    class_name: str
    flag: str  # one of FLAGS, lower case
    options: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # options may hold passwords
        return f"LoginModule({self.class_name} {self.flag}, options={sorted(self.options)})"


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


def _tokens(text: str, source: str) -> Iterator[tuple[str, str]]:
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            line = text.count("\n", 0, pos) + 1
            raise JaasError(f"{source}: unexpected character {text[pos]!r} on line {line}.")
        pos = match.end()
        kind = match.lastgroup or ""
        if kind in ("space", "line_comment", "block_comment"):
            continue
        value = match.group()
        yield (
            ("value" if kind in ("string", "word") else kind),
            (_unquote(value) if kind == "string" else value),
        )


class _Parser:
    def __init__(self, text: str, source: str, properties: Mapping[str, str] | None) -> None:
        self.tokens = list(_tokens(text, source))
        self.pos = 0
        self.source = source
        self.properties = properties

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise JaasError(f"{self.source}: ended early{f'; expected {expected!r}' if expected else ''}.")
        kind, value = token
        if expected is not None and value != expected:
            raise JaasError(f"{self.source}: expected {expected!r} but found {value!r}.")
        if expected is None and kind != "value":
            raise JaasError(f"{self.source}: expected a name or value but found {value!r}.")
        self.pos += 1
        return value

    def expand(self, value: str) -> str:
        properties = self.properties
        if properties is None:
            return value

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "/":
                return "/"
            if name not in properties:
                raise JaasError(f"{self.source}: cannot expand ${{{name}}}: no such system property.")
            return properties[name]

        return _EXPANSION.sub(one, value)

    def module(self) -> LoginModule:
        class_name = self.take()
        flag = self.take().lower()
        if flag not in FLAGS:
            raise JaasError(
                f"{self.source}: login module {class_name} has flag {flag!r}; use one of {', '.join(FLAGS)}."
            )
        options: dict[str, str] = {}
        while (token := self.peek()) is not None and token[1] != ";":
            if token[0] != "value":
                self.take(";")
            key = self.take()
            self.take("=")
            options[key] = self.expand(self.take())
        self.take(";")
        return LoginModule(class_name, flag, options)

    def modules_until(self, end: str | None) -> list[LoginModule]:
        modules = []
        while (token := self.peek()) is not None and token[1] != end:
            modules.append(self.module())
        return modules


def parse_login_config(
    text: str, source: str, properties: Mapping[str, str] | None = None
) -> dict[str, list[LoginModule]]:
    """A JAAS login configuration file: entry name → its modules, in order."""
    parser = _Parser(text, source, properties if properties is not None else {})
    entries: dict[str, list[LoginModule]] = {}
    while parser.peek() is not None:
        name = parser.take()
        parser.take("{")
        modules = parser.modules_until("}")
        parser.take("}")
        parser.take(";")
        if name in entries:
            raise JaasError(f"{source}: the entry {name} is defined twice; keep one.")
        if not modules:
            raise JaasError(f"{source}: the entry {name} lists no login module.")
        entries[name] = modules
    return entries


def parse_jaas_config(text: str, key: str = "sasl.jaas.config") -> list[LoginModule]:
    """A Kafka client's ``sasl.jaas.config``: one or more modules, each ending with ``;``."""
    parser = _Parser(text, key, None)
    modules = parser.modules_until(None)
    if not modules:
        raise JaasError(
            f"{key} names no login module; e.g. org.apache.kafka.common.security.scram."
            'ScramLoginModule required username="..." password="...";'
        )
    return modules
