"""Exceptions that map onto Connect's REST error JSON ``{"error_code": N, "message": "..."}``."""

from __future__ import annotations


class ConnectRestException(Exception):
    """An error with an HTTP status; the REST layer answers ``{"error_code", "message"}``."""

    status: int = 500

    def __init__(self, message: str, status: int | None = None, error_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.error_code = error_code if error_code is not None else self.status


class BadRequestException(ConnectRestException):
    status = 400


class ForbiddenException(ConnectRestException):
    status = 403


class NotFoundException(ConnectRestException):
    status = 404


class AlreadyExistsException(ConnectRestException):
    status = 409


class ConflictException(ConnectRestException):
    status = 409


class ServiceUnavailableException(ConnectRestException):
    status = 503


class RequestTargetException(ConnectRestException):
    """The request must be served by another worker (the leader or the instance's owner)."""

    status = 409

    def __init__(self, message: str, forward_url: str | None) -> None:
        super().__init__(message)
        self.forward_url = forward_url


class NotLeaderException(RequestTargetException):
    pass


class NotAssignedException(RequestTargetException):
    pass


class RebalanceNeededException(ConflictException):
    def __init__(self, message: str = "Request cannot be completed because a rebalance is expected") -> None:
        super().__init__(message)


STALE_CONFIG_MESSAGE = "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"
NO_LEADER_MESSAGE = (
    "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
)
CONFLICTING_OPERATION_MESSAGE = (
    "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
)
