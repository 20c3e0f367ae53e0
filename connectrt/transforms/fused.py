"""Steps: a transform's effect as an in-place edit of a private record copy, so a chain copies once.

Java's ``newRecord`` semantics give every transform its own copy of the record; a chain of three
transforms makes three. A transform that can say what it does as a *step* lets the runtime's
TransformationChain copy the record once and apply consecutive steps to that copy (the *draft*).

A step is ``step(draft, flags) -> flags``. ``draft`` is a record only this run of the chain holds
(``record.new_record(...)`` with every field unchanged: a fresh SourceRecord or SinkRecord whose
headers are a copy-on-write duplicate), so the step may assign its fields. It must not change any object the draft merely *refers to* (the value dict, a
Struct, the headers' list), because those are shared with the input record, unless ``flags`` says
this run made that object itself:

- ``OWN_KEY`` / ``OWN_VALUE``: ``draft.key`` / ``draft.value`` is a plain dict or Struct an earlier
  step of this run built and nothing else refers to: a later step may change it in place.
- ``CHANGED``: some step gave the draft new content (Java's transform would have returned a new
  record); without it the chain returns the input record itself, as the transforms would.

A step returns the flags with its own additions (a step that builds a new value sets ``OWN_VALUE``
and ``CHANGED``; one that leaves the record alone returns ``flags`` unchanged). It raises exactly
what the transform's ``apply`` raises; the chain then replays the record through the transforms
one by one, so the failure is reported against the transform that failed. Steps never drop a
record and never touch headers.

A transform offers its step through ``fused_step()`` (None when it has none); ``step_apply(step)``
turns a step into the transform's own ``apply``: a copy of the record, the step,
and the copy or the record returned. The transforms that offer steps use it, so ``apply`` alone and
the fused chain run the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connectrt.api.records import ConnectRecord, SinkRecord, SourceRecord
from connectrt.transforms.util import R

OWN_KEY = 1
OWN_VALUE = 2
CHANGED = 4

Step = Callable[[Any, int], int]

_new = object.__new__


def _slot_names(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return tuple(n for n in names if n not in ("__dict__", "__weakref__"))


def _apply_other(step: Step, record: ConnectRecord) -> Any:
    """A step on a record of another class (a subclass of the runtime's records): the step runs on a
    scratch object of the record's own class holding the same attributes (not ``new_record``'s copy:
    a subclass's ``new_record`` may make something else), and the class's ``new_record`` makes the
    result, as the transform's ``record.new_record(...)`` would."""
    cls = type(record)
    scratch: Any = _new(cls)
    for name in _slot_names(cls):
        if hasattr(record, name):
            setattr(scratch, name, getattr(record, name))
    if hasattr(record, "__dict__"):
        scratch.__dict__.update(record.__dict__)
    if not step(scratch, 0) & CHANGED:
        return record
    return record.new_record(
        scratch.topic,
        scratch.kafka_partition,
        scratch.key_schema,
        scratch.key,
        scratch.value_schema,
        scratch.value,
        scratch.timestamp,
    )


def compile_step(name: str, body: list[str], env: dict[str, Any]) -> Step:
    """``def step(draft, flags):`` with ``body`` (lines indented by four spaces), compiled.

    Generated steps are a transform's schemaless hot path written out for its configuration: its
    excluded, renamed or inserted fields as straight-line code rather than loops over them. The source
    names every value it uses (field names included) through ``env``, never as a literal.
    """
    step: Step = compile_function(f"<{name} step>", ["def step(draft, flags):", *body], env, "step")
    return step


def schemaless_step_start(is_key: bool, structured: Step, env: dict[str, Any]) -> list[str]:
    """The first lines of a generated step on the record's key (``is_key``) or value: a null passes
    unchanged, a value with a schema goes to ``structured``; then ``value`` holds the schemaless value.
    Adds what they name to ``env``, with ``OWN`` (this run made the value) and ``MADE`` (the flags of a
    step that made a new value)."""
    own = OWN_KEY if is_key else OWN_VALUE
    env.update(structured=structured, OWN=own, MADE=own | CHANGED)
    attr = "key" if is_key else "value"
    return [
        f"    value = draft.{attr}",
        "    if value is None:",
        "        return flags",
        f"    if draft.{attr}_schema is not None:",
        "        return structured(draft, flags)",
    ]


def compile_function(label: str, lines: list[str], env: dict[str, Any], name: str) -> Callable[..., Any]:
    """The function ``name`` defined by the source ``lines``, compiled with globals ``env``."""
    namespace = dict(env)
    exec(compile("\n".join(lines), label, "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def step_apply(step: Step) -> Callable[[R], R | None]:
    """The transform's ``apply`` for ``step``: the input record untouched, a new record when it changed."""
    return fuse([step], lambda record, source_record, consumed: _apply_other(step, record))


def fuse(
    steps: Sequence[Step],
    other: Callable[[Any, Any, Any], Any],
    replay: Callable[[Any, Any, Any], Any] | None = None,
) -> Callable[..., Any]:
    """``apply(record, source_record=None, consumed=None)``: ``steps`` in order on one copy of the record.

    Returns the copy when a step changed it, else the record itself. A record of a class other than
    SourceRecord and SinkRecord goes to ``other(record, source_record, consumed)``; so does the record
    when a step raises and ``replay`` is given (else the exception propagates).
    """
    # Written out for these steps (see compile_function): each step called in turn, no loop over them
    # and no dispatch on their number, and the replay branch only when there is a replay.
    env: dict[str, Any] = {"SourceRecord": SourceRecord, "SinkRecord": SinkRecord, "CHANGED": CHANGED,
                           "other": other, "replay": replay}  # fmt: skip
    calls = [f"flags = S{i}(out, {'flags' if i else 0})" for i in range(len(steps))] or ["flags = 0"]
    env.update((f"S{i}", step) for i, step in enumerate(steps))
    lines = [
        "def apply(record, source_record=None, consumed=None):",
        "    cls = type(record)",
        "    if cls is not SourceRecord and cls is not SinkRecord:",
        "        return other(record, source_record, consumed)",
        "    out = record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,",
        "                            record.value_schema, record.value, record.timestamp)",
    ]
    if replay is None:
        lines += [f"    {call}" for call in calls]
    else:
        lines += ["    try:", *(f"        {call}" for call in calls), "    except Exception:",
                  "        return replay(record, source_record, consumed)"]  # fmt: skip
    lines.append("    return out if flags & CHANGED else record")
    return compile_function(f"<{len(steps)} fused steps>", lines, env, "apply")
