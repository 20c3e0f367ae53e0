"""The transformation chain: ``transforms`` applied in order, each optionally guarded by a predicate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from connectrt.api.plugin import Predicate, Transformation
from connectrt.api.records import ConnectRecord
from connectrt.config.configdef import ConfigException, Type, parse_type
from connectrt.config.connector_config import NEGATE_CONFIG, PREDICATE_CONFIG
from connectrt.runtime.errors import FAILED, RetryWithToleranceOperator, Stage
from connectrt.runtime.plugins import Plugins

R = TypeVar("R", bound=ConnectRecord)


class TransformationStage(Generic[R]):
    """One transform with its optional predicate (Java's TransformationStage)."""

    __slots__ = ("alias", "negate", "predicate", "transformation")

    def __init__(
        self,
        alias: str,
        transformation: Transformation[R],
        predicate: Predicate[R] | None = None,
        negate: bool = False,
    ) -> None:
        self.alias = alias
        self.transformation = transformation
        self.predicate = predicate
        self.negate = negate

    def apply(self, record: R) -> R | None:
        p = self.predicate
        if p is None or (p.test(record) != self.negate):
            return self.transformation.apply(record)
        return record

    def close(self) -> None:
        self.transformation.close()
        if self.predicate is not None:
            self.predicate.close()


class TransformationChain(Generic[R]):
    def __init__(self, stages: list[TransformationStage[R]], operator: RetryWithToleranceOperator | None = None):
        self.stages = stages
        self.operator = operator

    def __bool__(self) -> bool:
        return bool(self.stages)

    def apply(self, record: R, **error_context: Any) -> R | None:
        """The transformed record, or None when a transform dropped it or its failure was tolerated."""
        for stage in self.stages:
            try:
                out = stage.apply(record)
            except Exception as e:
                if self.operator is None:
                    raise
                out = self.operator.handle(
                    lambda s=stage, r=record: s.apply(r),  # type: ignore[misc]
                    e,
                    Stage.TRANSFORMATION,
                    stage.transformation,
                    error_context.get("consumed"),
                    error_context.get("source_record"),
                )
                if out is FAILED:
                    return None
            if out is None:
                return None
            record = out
        return record

    def close(self) -> None:
        for stage in self.stages:
            stage.close()


def build_chain(
    plugins: Plugins, props: Mapping[str, Any], operator: RetryWithToleranceOperator | None = None
) -> TransformationChain[Any]:
    """Instantiate and configure the transforms and predicates named in a connector config."""
    aliases = parse_type("transforms", props.get("transforms", ""), Type.LIST) or []
    stages: list[TransformationStage[Any]] = []
    predicates: dict[str, Predicate[Any]] = {}
    for alias in aliases:
        prefix = f"transforms.{alias}."
        type_name = props.get(prefix + "type")
        if not type_name:
            raise ConfigException(f'Missing required configuration "{prefix}type" which has no default value.')
        transform: Transformation[Any] = plugins.new_instance(str(type_name), Transformation, prefix + "type")
        configs = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix) and k != prefix + "type"}
        predicate_alias = configs.pop(PREDICATE_CONFIG, None)
        negate_raw = configs.pop(NEGATE_CONFIG, None)
        transform.configure(configs)
        predicate: Predicate[Any] | None = None
        if predicate_alias:
            predicate = predicates.get(str(predicate_alias))
            if predicate is None:
                pprefix = f"predicates.{predicate_alias}."
                ptype = props.get(pprefix + "type")
                if not ptype:
                    raise ConfigException(
                        f'Missing required configuration "{pprefix}type" which has no default value.'
                    )
                predicate = plugins.new_instance(str(ptype), Predicate, pprefix + "type")
                predicate.configure(
                    {k[len(pprefix) :]: v for k, v in props.items() if k.startswith(pprefix) and k != pprefix + "type"}
                )
                predicates[str(predicate_alias)] = predicate
        elif negate_raw is not None:
            raise ConfigException(
                f"Config '{prefix}negate' was provided but there is no config '{prefix}predicate' defining a "
                "predicate to be negated."
            )
        negate = bool(parse_type(prefix + NEGATE_CONFIG, negate_raw, Type.BOOLEAN)) if negate_raw is not None else False
        stages.append(TransformationStage(str(alias), transform, predicate, negate))
    return TransformationChain(stages, operator)
