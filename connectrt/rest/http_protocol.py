"""The HTTP/1.1 protocol of the REST listeners: uvicorn's h11 protocol, with Connect's error JSON for
requests refused before they reach the app.

uvicorn answers a request h11 cannot parse with a plain-text ``400 Invalid HTTP request received.``
Here every such answer is ``{"error_code": N, "message": "..."}`` as the app's errors are, with
Jetty's statuses (Java Connect's REST server runs on Jetty):

- a request line longer than :data:`MAX_REQUEST_HEAD_BYTES` -> 414 URI Too Long;
- request headers larger than :data:`MAX_REQUEST_HEAD_BYTES` -> 431 Request Header Fields Too Large;
- anything else h11 refuses -> 400 Bad Request.

h11 checks its size bound only when a head arrives in several reads, so a large head received in
one read was accepted before; the head is now bounded whatever the reads.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# uvicorn's and h11's bound on an incomplete request head (Jetty's default is 8 KiB).
MAX_REQUEST_HEAD_BYTES = 16 * 1024

_REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


class _HeadTooLarge(h11.RemoteProtocolError):
    pass


def _head_end(window: bytes) -> int:
    """Where the blank line ending the head starts in ``window`` (-1 when there is none); h11 accepts
    bare LF line ends as well as CRLF."""
    ends = [i for i in (window.find(b"\n\r\n"), window.find(b"\n\n")) if i >= 0]
    return min(ends) if ends else -1


def _head_error(buffer: bytes) -> _HeadTooLarge | None:
    """The error for a request head over the bound at the start of ``buffer`` (None when it fits)."""
    window = buffer[: MAX_REQUEST_HEAD_BYTES + 4]
    end = _head_end(window)
    if 0 <= end <= MAX_REQUEST_HEAD_BYTES:
        return None
    if end < 0 and len(buffer) <= MAX_REQUEST_HEAD_BYTES:
        return None
    line_end = window.find(b"\n")
    if line_end < 0 or line_end > MAX_REQUEST_HEAD_BYTES:
        return _HeadTooLarge(
            f"The request line is longer than {MAX_REQUEST_HEAD_BYTES} bytes; shorten the URL.",
            error_status_hint=414,
        )
    return _HeadTooLarge(
        f"The request headers are larger than {MAX_REQUEST_HEAD_BYTES} bytes; send fewer or shorter headers.",
        error_status_hint=431,
    )


class _BoundedConnection(h11.Connection):
    """An h11 server connection that bounds each request head and remembers why it refused one."""

    def __init__(self) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES)
        self.refusal: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            if self.their_state is h11.IDLE:
                error = _head_error(self.trailing_data[0])
                if error is not None:
                    raise error
            return super().next_event()
        except h11.RemoteProtocolError as e:
            self.refusal = e
            raise


def error_response_body(status: int, message: str) -> bytes:
    return json.dumps({"error_code": status, "message": message}).encode()


class ConnectH11Protocol(H11Protocol):
    """uvicorn's h11 protocol whose refusals of unparseable requests are Connect's error JSON."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _BoundedConnection()

    def send_400_response(self, msg: str) -> None:
        refusal = self.conn.refusal if isinstance(self.conn, _BoundedConnection) else None
        status = refusal.error_status_hint if refusal is not None else 400
        if status not in _REASONS:
            status = 400
        if isinstance(refusal, _HeadTooLarge):
            message = str(refusal)
        else:
            message = "The request is not valid HTTP/1.1; check its request line and headers."
        body = error_response_body(status, message)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            out = self.conn.send(h11.Response(status_code=status, headers=headers, reason=_REASONS[status]))
            out = (out or b"") + (self.conn.send(h11.Data(data=body)) or b"")
            out += self.conn.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            out = None  # h11 cannot answer on this connection any more: just close it
        if out:
            self.transport.write(out)
        self.transport.close()
