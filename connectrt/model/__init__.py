"""The ground floor: value types every other package shares, importing nothing from connectrt.

- :mod:`connectrt.model.entities`: ``ConnectorTaskId`` and one class per Connect REST JSON shape
  (Java's ``runtime.rest.entities``), each with ``to_json()``.
- :mod:`connectrt.model.errors`: Connect's errors that carry an HTTP status (Java's
  ``runtime.rest.errors``), raised by the herder and the runtime, mapped to error JSON by the REST layer.
- :mod:`connectrt.model.states`: ``TargetState``, ``InitialState`` and ``RestartRequest``.
- :mod:`connectrt.model.command_error`: ``CommandError``, the one-sentence error a ``connectrt``
  command ends with.
"""
