"""The error a ``connectrt`` command ends with: one sentence for the user, no traceback."""

from __future__ import annotations

from collections.abc import Sequence


class CommandError(Exception):
    """An error the user can act on; ``main`` prints its message (one sentence) without a traceback.

    ``details`` are extra lines (for example the last lines of a service's log) printed indented
    below the sentence.
    """

    exit_code = 1

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)
