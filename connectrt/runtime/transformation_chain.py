"""The transformation chain: ``transforms`` applied in order, each optionally guarded by a predicate."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from connectrt.api.plugin import Predicate, Transformation
from connectrt.api.records import ConnectRecord
from connectrt.config.configdef import ConfigException, Type, parse_type
from connectrt.runtime.connector_config import NEGATE_CONFIG, PREDICATE_CONFIG
from connectrt.runtime.errors import FAILED, ConsumedRecord, RetryWithToleranceOperator, Stage
from connectrt.runtime.plugins import Plugins
from connectrt.transforms.fused import Step, fuse

R = TypeVar("R", bound=ConnectRecord)

log = logging.getLogger(__name__)


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


class TransformationChain(Generic[R]):
    """The stages in order, as Java's TransformationChain applies them.

    Consecutive stages without a predicate whose transforms offer a step (``fused_step()``, see
    connectrt.transforms.fused) are applied together: one copy of the record, then each step edits
    that copy, where one by one each transform would copy the record again. The result is the same
    record. When a step raises, the record goes through those stages one by one instead, so the
    failure is handled (retried, tolerated, reported) against the stage that failed, exactly as
    without fusing.
    """

    def __init__(
        self, stages: list[TransformationStage[R]], operator: RetryWithToleranceOperator | None = None
    ):
        self.stages = stages
        self.operator = operator
        self._runs: list[Callable[[R, ConnectRecord | None, ConsumedRecord | None], R | None]] = []
        for run_stages, steps in _plan(stages):
            one_by_one = self._one_by_one(run_stages)
            self._runs.append(one_by_one if steps is None else fuse(steps, one_by_one, one_by_one))
        if len(self._runs) == 1:
            self.apply = self._runs[0]  # type: ignore[method-assign,assignment]  # the hot path skips a call

    def __bool__(self) -> bool:
        return bool(self.stages)

    def apply(
        self, record: R, source_record: ConnectRecord | None = None, consumed: ConsumedRecord | None = None
    ) -> R | None:
        """The transformed record, or None when a transform dropped it or its failure was tolerated.

        ``source_record`` / ``consumed``: the record as the task produced or consumed it, for error reports.
        """
        out: R | None = record
        for run in self._runs:
            out = run(out, source_record, consumed)  # type: ignore[arg-type]
            if out is None:
                return None
        return out

    def _one_by_one(
        self, stages: list[TransformationStage[R]]
    ) -> Callable[[R, ConnectRecord | None, ConsumedRecord | None], R | None]:
        """Apply ``stages`` one by one, each failure handled by the operator against its stage."""

        def apply(
            record: R, source_record: ConnectRecord | None = None, consumed: ConsumedRecord | None = None
        ) -> R | None:
            for stage in stages:
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
                        consumed,
                        source_record,
                    )
                    if out is FAILED:
                        return None
                if out is None:
                    return None
                record = out
            return record

        return apply

    def close(self) -> None:
        """``close()`` every transform and predicate once (stages may share a predicate), as Java's
        TransformationChain does when its task stops."""
        close_each(
            [(f"transform {s.alias}", p) for s in self.stages for p in (s.transformation, s.predicate)], log
        )


def close_each(plugins: Iterable[tuple[str, Any]], logger: Any) -> None:
    """``close()`` each plugin once (the same object may be listed twice); a failing close is logged with
    the plugin's description, and the others are still closed (Java's Utils.closeQuietly)."""
    closed: set[int] = set()
    for what, plugin in plugins:
        if plugin is None or id(plugin) in closed:
            continue
        closed.add(id(plugin))
        try:
            plugin.close()
        except Exception as e:
            logger.warning("Failed to close %s (%s): %s", what, type(plugin).__name__, e)


def _plan(
    stages: list[TransformationStage[R]],
) -> list[tuple[list[TransformationStage[R]], list[Step] | None]]:
    """The chain as runs of stages: (stages, their steps) for two or more consecutive fusable stages,
    (stages, None) for stages applied one by one."""
    runs: list[tuple[list[TransformationStage[R]], list[Step] | None]] = []
    fused: list[tuple[TransformationStage[R], Step]] = []

    def end_fused() -> None:
        if len(fused) >= 2:
            runs.append(([stage for stage, _ in fused], [step for _, step in fused]))
        else:
            for stage, _ in fused:
                add_single(stage)
        fused.clear()

    def add_single(stage: TransformationStage[R]) -> None:
        if runs and runs[-1][1] is None:
            runs[-1][0].append(stage)
        else:
            runs.append(([stage], None))

    for stage in stages:
        make_step = getattr(stage.transformation, "fused_step", None)
        step = make_step() if stage.predicate is None and callable(make_step) else None
        if step is not None:
            fused.append((stage, step))
        else:
            end_fused()
            add_single(stage)
    end_fused()
    return runs


def build_chain(
    plugins: Plugins, props: Mapping[str, Any], operator: RetryWithToleranceOperator | None = None
) -> TransformationChain[Any]:
    """Instantiate and configure the transforms and predicates named in a connector config."""
    aliases = parse_type("transforms", props.get("transforms", ""), Type.LIST) or []
    stages: list[TransformationStage[Any]] = []
    predicates: dict[str, Predicate[Any]] = {}
    configured: list[Transformation[Any] | Predicate[Any]] = []  # closed again if a later one fails
    try:
        for alias in aliases:
            prefix = f"transforms.{alias}."
            type_name = props.get(prefix + "type")
            if not type_name:
                raise ConfigException(
                    f'Missing required configuration "{prefix}type" which has no default value.'
                )
            transform: Transformation[Any] = plugins.new_instance(
                str(type_name), Transformation, prefix + "type"
            )
            configs = {
                k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix) and k != prefix + "type"
            }
            predicate_alias = configs.pop(PREDICATE_CONFIG, None)
            negate_raw = configs.pop(NEGATE_CONFIG, None)
            transform.configure(configs)
            configured.append(transform)
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
                        {
                            k[len(pprefix) :]: v
                            for k, v in props.items()
                            if k.startswith(pprefix) and k != pprefix + "type"
                        }
                    )
                    predicates[str(predicate_alias)] = predicate
                    configured.append(predicate)
            elif negate_raw is not None:
                raise ConfigException(
                    f"Config '{prefix}negate' was provided but there is no config '{prefix}predicate' defining a "
                    "predicate to be negated."
                )
            negate = (
                bool(parse_type(prefix + NEGATE_CONFIG, negate_raw, Type.BOOLEAN))
                if negate_raw is not None
                else False
            )
            stages.append(TransformationStage(str(alias), transform, predicate, negate))
    except BaseException:
        close_each([("a transform being built", plugin) for plugin in configured], log)
        raise
    return TransformationChain(stages, operator)
