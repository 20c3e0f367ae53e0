"""The one error type of ``connectrt dev``: a sentence for the user, optionally with log lines."""

from __future__ import annotations

from connectrt.model.command_error import CommandError


class DevError(CommandError):
    """A dev service could not be prepared, started, checked or stopped."""
