"""A real webhook receiver on loopback, for tests: an HTTP server in a thread that keeps
every request it gets (raw body and headers) and answers as it is told to. Signatures
are checked by the tests with `standardwebhooks`, the library a partner would use."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> dict:
        """The payload, once the library has checked its signature and timestamp."""
        return Webhook(secret).verify(self.body, self.headers)


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@dataclass
class Receiver:
    received: list[Received] = field(default_factory=list)
    # Status codes for the next requests, in order; 204 once they run out.
    answers: list[int] = field(default_factory=list)
    # Seconds to wait before answering.
    delay: float = 0.0
    # Where it listens: 127.0.0.1, or ::1 for an IPv6 endpoint.
    host: str = "127.0.0.1"
    # The most requests it was answering at the same time.
    most_at_once: int = 0
    server: ThreadingHTTPServer | None = None
    _at_once: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver._at_once += 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver._at_once)
                receiver.received.append(Received(self.path, headers, body))
                time.sleep(receiver.delay)
                with receiver._lock:
                    receiver._at_once -= 1
                status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server_class = _IPv6Server if ":" in self.host else ThreadingHTTPServer
        self.server = server_class((self.host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hook"

    def events(self, secret: str) -> list[dict]:
        """Every payload received, each verified with `secret` (raises if one is not)."""
        return [request.verified(secret) for request in self.received]
