"""Config providers and the ``${provider:path:key}`` transformer (Java's ConfigTransformer).

Built in, by their Java names too: ``file`` (FileConfigProvider: a key of a properties file),
``directory`` (DirectoryConfigProvider: the contents of a file in a directory) and ``env``
(EnvVarConfigProvider: an environment variable, ``${env::NAME}``).
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from connectrt.config.configdef import ConfigException
from connectrt.config.properties import load_properties

PATTERN = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")


class ConfigProvider(ABC):
    ALIASES: ClassVar[tuple[str, ...]] = ()

    def configure(self, params: Mapping[str, str]) -> None:
        allowed = params.get("allowed.paths")
        self.allowed_paths = [Path(p.strip()).resolve() for p in allowed.split(",")] if allowed else None

    def _check_path(self, path: str) -> Path:
        p = Path(path)
        allowed = getattr(self, "allowed_paths", None)
        if allowed is not None:
            resolved = p.resolve()
            if not any(resolved == a or a in resolved.parents for a in allowed):
                raise ConfigException(f"The path {path} is not allowed to be accessed")
        return p

    @abstractmethod
    def get(self, path: str, keys: set[str]) -> dict[str, str]: ...


class FileConfigProvider(ConfigProvider):
    ALIASES = ("org.apache.kafka.common.config.provider.FileConfigProvider",)

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        p = self._check_path(path)
        try:
            props = load_properties(p)
        except OSError:
            raise ConfigException(f"Could not read properties from file {path}")
        return {k: props[k] for k in keys if k in props}


class DirectoryConfigProvider(ConfigProvider):
    ALIASES = ("org.apache.kafka.common.config.provider.DirectoryConfigProvider",)

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        d = self._check_path(path)
        if not d.is_dir():
            raise ConfigException(f"Could not read directory {path}")
        out: dict[str, str] = {}
        for k in keys:
            f = d / k
            if f.is_file():
                out[k] = f.read_text(encoding="utf-8")
        return out


class EnvVarConfigProvider(ConfigProvider):
    ALIASES = ("org.apache.kafka.common.config.provider.EnvVarConfigProvider",)

    def configure(self, params: Mapping[str, str]) -> None:
        self.allowlist = re.compile(params.get("allowlist.pattern", ".*"))

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        if path:
            raise ConfigException("EnvVarConfigProvider does not support paths; use ${env::NAME}")
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
            (provider, path): self.providers[provider].get(path, keys) for (provider, path), keys in wanted.items()
        }

        def repl(m: re.Match[str]) -> str:
            provider, path, key = m.group(1), m.group(3) or "", m.group(4)
            data = resolved.get((provider, path))
            if data is None or key not in data:
                return m.group(0)
            return data[key]

        return {
            k: (PATTERN.sub(repl, v) if isinstance(v, str) and "${" in v else v) for k, v in configs.items()
        }
