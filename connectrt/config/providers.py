"""Config providers and the ``${provider:path:key}`` transformer (Java's ConfigTransformer).

Built in, by their Java names too: ``file`` (FileConfigProvider: a key of a properties file),
``directory`` (DirectoryConfigProvider: the contents of a file in a directory) and ``env``
(EnvVarConfigProvider: an environment variable, ``${env::NAME}``). ``allowed.paths`` limits what
the file and directory providers read (checked on real paths), ``allowlist.pattern`` which
environment variables resolve. Only these classes can be configured as providers.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from connectrt.config.configdef import ConfigException
from connectrt.config.properties import load_properties

log = logging.getLogger(__name__)

PATTERN = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")


class ConfigProvider(ABC):
    ALIASES: ClassVar[tuple[str, ...]] = ()

    def configure(self, params: Mapping[str, str]) -> None:  # noqa: B027 (optional, as Java's default)
        """Take the provider's ``config.providers.<name>.param.*`` settings."""

    @abstractmethod
    def get(self, path: str, keys: set[str]) -> dict[str, str]: ...


class _FileSystemProvider(ConfigProvider):
    """``allowed.paths`` (Java's AllowedPaths): absolute, existing paths a provider may read under.

    Unlike Java, which only normalises the text of a path, every file is checked by its real path
    (symbolic links and ``..`` resolved), so neither a link nor a key can lead out of them.
    """

    allowed_paths: list[Path] | None = None

    def configure(self, params: Mapping[str, str]) -> None:
        allowed = params.get("allowed.paths")
        if not allowed:
            self.allowed_paths = None
            return
        paths: list[Path] = []
        for text in allowed.split(","):
            normalised = os.path.normpath(text.strip())
            if not os.path.isabs(normalised):
                raise ConfigException(f"Path {normalised} is not absolute")
            if not os.path.exists(normalised):
                raise ConfigException(f"Path {normalised} does not exist")
            paths.append(Path(os.path.realpath(normalised)))
        self.allowed_paths = paths

    def _allowed(self, path: str | Path) -> Path | None:
        """The real path of ``path`` if it may be read, else None."""
        real = Path(os.path.realpath(path))
        if self.allowed_paths is None:
            return real
        if any(real == a or a in real.parents for a in self.allowed_paths):
            return real
        return None


class FileConfigProvider(_FileSystemProvider):
    """``${file:<properties file>:<key>}``."""

    ALIASES = ("org.apache.kafka.common.config.provider.FileConfigProvider",)

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        if not path:
            return {}
        real = self._allowed(path)
        if real is None:
            log.warning("The path %s is not allowed to be accessed", path)
            return {}
        try:
            props = load_properties(real)
        except (OSError, UnicodeDecodeError):
            log.error("Could not read properties from file %s", path)
            raise ConfigException(f"Could not read properties from file {path}")
        return {k: props[k] for k in keys if k in props}


class DirectoryConfigProvider(_FileSystemProvider):
    """``${dir:<directory>:<file name>}``: the contents of a regular file directly in the directory."""

    ALIASES = ("org.apache.kafka.common.config.provider.DirectoryConfigProvider",)

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        if not path:
            return {}
        directory = self._allowed(path)
        if directory is None:
            log.warning("The path %s is not allowed to be accessed", path)
            return {}
        if not directory.is_dir():
            log.warning("The path %s is not a directory", path)
            return {}
        out: dict[str, str] = {}
        for key in keys:
            # As Java, which lists the directory: a key is the name of a file in it, never a path.
            if not key or key in (".", "..") or "/" in key or os.sep in key or "\0" in key:
                continue
            real = self._allowed(directory / key)
            if real is None:
                log.warning("The file %s in %s is not allowed to be accessed", key, path)
                continue
            if not real.is_file():
                continue
            try:
                out[key] = real.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                log.error("Could not read file %s for property %s", directory / key, key)
                raise ConfigException(f"Could not read file {directory / key} for property {key}")
        return out


class EnvVarConfigProvider(ConfigProvider):
    """``${env::<NAME>}``; ``allowlist.pattern`` (a regular expression over the whole name) limits
    which variables resolve (Java's default ``.*`` allows every one)."""

    ALIASES = ("org.apache.kafka.common.config.provider.EnvVarConfigProvider",)

    def configure(self, params: Mapping[str, str]) -> None:
        pattern = params.get("allowlist.pattern", ".*")
        try:
            self.allowlist = re.compile(pattern)
        except re.error as e:
            raise ConfigException("allowlist.pattern", pattern, f"Not a valid regular expression: {e}")

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        if path:
            log.error("Path is not supported for EnvVarConfigProvider, invalid value '%s'", path)
            raise ConfigException(f"Path is not supported for EnvVarConfigProvider, invalid value '{path}'")
        return {k: os.environ[k] for k in keys if k in os.environ and self.allowlist.fullmatch(k)}


_BUILTIN: dict[str, type[ConfigProvider]] = {}
for _cls in (FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider):
    _BUILTIN[_cls.__name__] = _cls
    _BUILTIN[f"{_cls.__module__}.{_cls.__name__}"] = _cls
    for _alias in _cls.ALIASES:
        _BUILTIN[_alias] = _cls


def provider_class(name: str) -> type[ConfigProvider]:
    cls = _BUILTIN.get(name.strip())
    if cls is None:
        raise ConfigException(f"Config provider class {name} could not be found.")
    return cls


class ResolvedValues:
    """Every value a provider resolved, with the placeholder it came from: :meth:`redact` puts the
    placeholder back wherever such a value would be shown (logs, status traces, error answers).

    Values shorter than :attr:`MIN_LENGTH` characters are not tracked (they would blank out
    ordinary words); at most :attr:`MAX_VALUES` are kept, the oldest dropped first.
    """

    MIN_LENGTH = 6
    MAX_VALUES = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._longest_first: tuple[str, ...] = ()

    def add(self, value: str, placeholder: str) -> None:
        if len(value.strip()) < self.MIN_LENGTH or value == placeholder:
            return
        forms = {value, value.strip()}
        with self._lock:
            if all(self._values.get(f) == placeholder for f in forms):
                return
            for form in forms:
                self._values.pop(form, None)
                self._values[form] = placeholder
            while len(self._values) > self.MAX_VALUES:
                del self._values[next(iter(self._values))]
            self._longest_first = tuple(sorted(self._values, key=len, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._longest_first)

    def redact(self, text: str) -> str:
        values = self._longest_first
        if not values or not text:
            return text
        placeholders = self._values
        for value in values:
            if value in text:
                text = text.replace(value, placeholders.get(value, "[hidden]"))
        return text


#: The process's resolved values (a worker has one set of providers).
RESOLVED_VALUES = ResolvedValues()


def redact(text: str) -> str:
    """``text`` with every value a config provider resolved replaced by its placeholder."""
    return RESOLVED_VALUES.redact(text)


class ConfigTransformer:
    """Resolves ``${provider:path:key}`` placeholders using the worker's configured providers."""

    def __init__(self, providers: Mapping[str, ConfigProvider]) -> None:
        self.providers = dict(providers)

    @classmethod
    def from_worker_props(cls, props: Mapping[str, Any]) -> ConfigTransformer:
        names = [n.strip() for n in str(props.get("config.providers", "") or "").split(",") if n.strip()]
        providers: dict[str, ConfigProvider] = {}
        for name in names:
            class_name = props.get(f"config.providers.{name}.class")
            if not class_name:
                raise ConfigException(f"Missing config.providers.{name}.class for config provider '{name}'")
            provider = provider_class(str(class_name))()
            prefix = f"config.providers.{name}.param."
            provider.configure({k[len(prefix) :]: str(v) for k, v in props.items() if k.startswith(prefix)})
            providers[name] = provider
        return cls(providers)

    def transform(self, configs: Mapping[str, str]) -> dict[str, str]:
        """The configs with every known placeholder replaced; unknown providers are left as they are."""
        wanted: dict[tuple[str, str], set[str]] = {}
        for value in configs.values():
            if not isinstance(value, str) or "${" not in value:
                continue
            for m in PATTERN.finditer(value):
                provider, path, key = m.group(1), m.group(3) or "", m.group(4)
                if provider in self.providers:
                    wanted.setdefault((provider, path), set()).add(key)
        if not wanted:
            return dict(configs)
        resolved: dict[tuple[str, str], dict[str, str]] = {
            (provider, path): self.providers[provider].get(path, keys)
            for (provider, path), keys in wanted.items()
        }

        def repl(m: re.Match[str]) -> str:
            provider, path, key = m.group(1), m.group(3) or "", m.group(4)
            data = resolved.get((provider, path))
            if data is None or key not in data:
                return m.group(0)
            RESOLVED_VALUES.add(data[key], m.group(0))
            return data[key]

        return {
            k: (PATTERN.sub(repl, v) if isinstance(v, str) and "${" in v else v) for k, v in configs.items()
        }


def resolve_config_variables(props: Mapping[str, Any]) -> dict[str, Any]:
    """Worker properties with their ``${provider:path:key}`` placeholders resolved by the providers
    the same properties configure (``config.providers``), as Java's ``AbstractConfig`` resolves a
    ``WorkerConfig``'s; the ``config.providers*`` keys themselves are kept as written. Resolved
    values are tracked for :func:`redact`, so they never reach a log line."""
    if not str(props.get("config.providers", "") or "").strip():
        return dict(props)
    transformer = ConfigTransformer.from_worker_props(props)
    own = {k for k in props if k == "config.providers" or k.startswith("config.providers.")}
    resolved = transformer.transform({k: v for k, v in props.items() if k not in own})
    return {k: (props[k] if k in own else resolved[k]) for k in props}
