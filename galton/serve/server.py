"""Running the service on uvicorn, with the limits a public port needs.

uvicorn's HTTP/1.1 protocol has a keep-alive timeout (between requests) and a connection
limit (``limit_concurrency``: over it, requests are answered 503), but no deadline for
reading a request: a client that sends its headers a byte at a time (slowloris) or trickles
its body holds its connection, and a slot under the limit, for as long as it likes; each byte
even cancels the keep-alive timer. ``RequestTimeoutProtocol`` adds that deadline: every request
(headers and body) must arrive within ``timeout_request`` seconds of the connection opening
or the previous response ending, or the connection gets 408 and is closed.

>>> sock = listen("127.0.0.1", 8000)          # one clear error when the port is taken
>>> run(create_app("runs/mnist"), sock)        # serves until Ctrl-C

A public service belongs behind a reverse proxy (nginx, Caddy) that buffers requests; the
README shows one. These limits keep galton standing without one.
"""
import socket

__all__ = ["listen", "run", "request_timeout_protocol", "TIMEOUT_REQUEST",
           "TIMEOUT_KEEP_ALIVE", "LIMIT_CONCURRENCY", "MAX_HEADER_BYTES"]

TIMEOUT_REQUEST = 10.0      # seconds to send one whole request (headers and body)
TIMEOUT_KEEP_ALIVE = 5      # seconds an idle keep-alive connection stays open
LIMIT_CONCURRENCY = 100     # open connections (and running requests); above: 503
MAX_HEADER_BYTES = 16384    # a request head still incomplete at this size: 400 (h11)
TIMEOUT_GRACEFUL_SHUTDOWN = 10


def listen(host, port):
    """A listening TCP socket on (host, port); OSError with one line when it cannot be had
    (the port in use, an address not of this machine, a port that needs root)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") \
            from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # as uvicorn does: a restart may take over a port whose old connections linger
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = " (another galton serve?): choose another with --port" \
            if exc.errno in (98, 48, 10048) else ""
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") \
            from None
    sock.set_inheritable(True)
    return sock


def request_timeout_protocol(seconds):
    """uvicorn's h11 protocol class with a ``seconds`` deadline for reading each request."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting = (h11.IDLE, h11.SEND_BODY)  # the client's states while its request is incomplete

    class RequestTimeoutProtocol(H11Protocol):
        """uvicorn's HTTP/1.1 protocol; each request must arrive within the deadline."""
        timeout_request = float(seconds)

        def connection_made(self, transport):
            self._deadline = None
            super().connection_made(transport)
            self._arm()

        def _arm(self):
            self._disarm()
            self._started = False  # no byte of the next request yet
            self._deadline = self.loop.call_later(self.timeout_request, self._timed_out)

        def _disarm(self):
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def data_received(self, data):
            self._started = True
            super().data_received(data)
            if self.conn.their_state not in waiting:
                self._disarm()  # the request is in: the app's time is not the client's

        def on_response_complete(self):
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state in waiting:
                self._arm()  # the next request's deadline starts now

        def connection_lost(self, exc):
            self._disarm()
            super().connection_lost(exc)

        def _timed_out(self):
            self._deadline = None
            if self.transport.is_closing():
                return
            # a request begun and not answered (the app may be waiting for its body): say why
            # we hang up; an idle connection is closed quietly, as the keep-alive timeout does
            if self._started and self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                body = b"Request Timeout: the request did not arrive in time\n"
                self.transport.write(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; "
                    b"charset=utf-8\r\nconnection: close\r\ncontent-length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
            self.transport.close()

    return RequestTimeoutProtocol


def run(app, sock, *, timeout_request=TIMEOUT_REQUEST, timeout_keep_alive=TIMEOUT_KEEP_ALIVE,
        limit_concurrency=LIMIT_CONCURRENCY, log_level="info"):
    """Serve the ASGI ``app`` on the listening socket ``sock`` until Ctrl-C; True when it
    started and stopped cleanly."""
    import uvicorn
    for label, value in (("timeout_request", timeout_request),
                         ("timeout_keep_alive", timeout_keep_alive),
                         ("limit_concurrency", limit_concurrency)):
        if not value > 0:
            raise ValueError(f"{label} must be positive, got {value}")
    config = uvicorn.Config(
        app, http=request_timeout_protocol(timeout_request), log_level=log_level,
        timeout_keep_alive=timeout_keep_alive, limit_concurrency=int(limit_concurrency),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_graceful_shutdown=TIMEOUT_GRACEFUL_SHUTDOWN, lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return bool(server.started)
