"""RegexRouter: renames the topic with a Java regex and replacement (Java's RegexRouter)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from connectrt.api.plugin import Transformation
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
    Validator,
)
from connectrt.transforms.fused import CHANGED, Step, step_apply
from connectrt.transforms.java_regex import (
    JavaRegexError,
    JavaReplacementError,
    compile_java_regex,
    compile_java_replacement,
)
from connectrt.transforms.util import VERSION, R

REGEX_CONFIG = "regex"
REPLACEMENT_CONFIG = "replacement"

_TOPIC_CACHE_SIZE = 10_000


class RegexValidator(Validator):
    """Java's RegexValidator: the value must be a Java regex we can apply exactly."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            # A missing regex is reported twice by Java 4.2's validation, the second time with the
            # NullPointerException text its Pattern.compile(null) raises; the same answer here.
            raise ConfigException(
                name, None, 'Invalid regex: Cannot invoke "String.isEmpty()" because "this.pattern" is null'
            )
        try:
            compile_java_regex(value)
        except (JavaRegexError, TypeError) as e:
            raise ConfigException(name, value, "Invalid regex: " + str(e))

    def __str__(self) -> str:
        return "valid regex"


CONFIG_DEF = (
    ConfigDef()
    .define(
        REGEX_CONFIG,
        Type.STRING,
        NO_DEFAULT_VALUE,
        RegexValidator(),
        Importance.HIGH,
        "Regular expression to use for matching.",
    )
    .define(REPLACEMENT_CONFIG, Type.STRING, NO_DEFAULT_VALUE, None, Importance.HIGH, "Replacement string.")
)


def _unconfigured(record: Any) -> Any:
    raise RuntimeError("RegexRouter is not configured")


class RegexRouter(Transformation[R]):
    """Update the record topic using the configured regular expression and replacement string.

    The regex is a Java regex (``java.util.regex.Pattern``). If it matches the whole topic,
    ``Matcher.replaceFirst()`` with the replacement (``$1``, ``${name}``) gives the new topic.
    """

    ALIASES = ("org.apache.kafka.connect.transforms.RegexRouter",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._regex: re.Pattern[str] | None = None
        self._replace: Callable[[re.Match[str]], str] | None = None
        self._routes: dict[str, str | None] = {}
        self._apply: Callable[[R], R | None] = _unconfigured
        self._step: Step | None = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._regex = compile_java_regex(values[REGEX_CONFIG])
        replacement = values[REPLACEMENT_CONFIG]
        try:
            self._replace = compile_java_replacement(replacement, self._regex)
        except JavaReplacementError as e:
            raise ConfigException(REPLACEMENT_CONFIG, replacement, str(e))
        self._routes = {}
        self._step = self._compile()
        self._apply = step_apply(self._step)
        self.apply = self._apply  # type: ignore[method-assign,assignment]  # the hot path skips a call

    def route(self, topic: str) -> str | None:
        """The new topic for ``topic``, or None when the regex does not match it."""
        regex = self._regex
        assert regex is not None and self._replace is not None, "RegexRouter is not configured"
        routed = regex.sub(self._replace, topic, count=1) if regex.fullmatch(topic) else None
        if len(self._routes) >= _TOPIC_CACHE_SIZE:
            self._routes.clear()
        self._routes[topic] = routed
        return routed

    def apply(self, record: R) -> R | None:
        return self._apply(record)

    def fused_step(self) -> Step | None:
        """This transform as a step for a fused chain (see connectrt.transforms.fused)."""
        return self._step

    def _compile(self) -> Step:
        """The step; ``apply`` is the step on a copy of the record. Topics are few, so the route of each
        is computed once and cached."""
        routes = self._routes
        route = self.route

        def step(draft: Any, flags: int) -> int:
            topic = draft.topic
            try:
                routed = routes[topic]
            except KeyError:
                routed = route(topic)
            if routed is None:
                return flags
            draft.topic = routed
            return flags | CHANGED

        return step

    def config(self) -> ConfigDef:
        return CONFIG_DEF
