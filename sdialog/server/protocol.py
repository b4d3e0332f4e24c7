"""Connection-level guards for uvicorn: a deadline for request headers and a connection limit.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but waits forever for the
headers of a request, so a client that sends one byte a minute holds a socket (and a file
descriptor) for good. :func:`guarded_protocol` makes an ``H11Protocol`` subclass that

- closes a connection whose request line and headers are not complete within
  ``header_timeout`` seconds of their first byte (or of the connection opening), answering
  ``408 Request Timeout``;
- keeps at most ``max_connections`` open: a new connection beyond the limit evicts the one
  that has waited longest without sending a request (slow headers or idle keep-alive), so
  slow clients cannot starve prompt ones; when every connection is busy with a request, the new
  one is closed at once.

Bodies have their own deadline in :class:`~sdialog.server.security.GuardMiddleware`.

Example:
    >>> protocol = guarded_protocol(header_timeout=5, max_connections=100)
    >>> protocol.header_timeout, protocol.max_connections
    (5, 100)
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from sdialog._extras import needs_extra

logger = logging.getLogger("sdialog.server")

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 32\r\n"
    b"connection: close\r\n\r\nrequest headers took too long.\r\n"
)


def guarded_protocol(header_timeout: float, max_connections: int) -> type:
    """An ``H11Protocol`` subclass (pass it as uvicorn's ``http=``) with these limits."""
    with needs_extra("server"):
        import h11
        from uvicorn.protocols.http.h11_impl import H11Protocol

    order = itertools.count()

    class GuardedH11Protocol(H11Protocol):
        """uvicorn's h11 protocol with a header deadline and a connection limit."""

        _header_timer: Any = None
        _waiting_since: int = 0
        """When this connection began to wait (an order: the clock may tie within a burst)."""

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > self.max_connections:
                waiting = [c for c in self.connections if c is not self and c._is_waiting()]
                if not waiting:
                    logger.warning("connection limit (%d) reached: closing a new connection",
                                   self.max_connections)  # fmt: skip
                    transport.close()
                    return
                min(waiting, key=lambda c: c._waiting_since)._evict()
            self._arm()

        def _is_waiting(self) -> bool:
            """Open, and not in the middle of a request (waiting for headers, or idle)."""
            if self.transport is None or self.transport.is_closing():
                return False
            busy = self.cycle is not None and not self.cycle.response_complete
            return not busy and self.conn.their_state is h11.IDLE

        def _evict(self) -> None:
            self._disarm()
            self._unset_keepalive_if_required()
            self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing():
                self._disarm()
            elif self.conn.their_state is h11.IDLE:
                if self._header_timer is None:  # the next request's headers have begun
                    self._arm()
            else:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # keep-alive: uvicorn's own idle timer runs until the next byte
            self._waiting_since = next(order)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._waiting_since = next(order)
            self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a response is still being written (pipelined bytes arrived meanwhile)
            self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

    GuardedH11Protocol.header_timeout = header_timeout
    GuardedH11Protocol.max_connections = max_connections
    return GuardedH11Protocol
