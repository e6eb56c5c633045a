"""A fake SMS gateway for tests: a real HTTP server on a free loopback port that takes the JSON
POST helpdesk.booking.sms.HttpSmsGateway sends, records it, and answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gateway:
    url: str = ""
    #: (JSON body, Authorization header) of every POST received, in order.
    received: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    #: The status to answer with (503: the gateway is down).
    status: int = 200
    #: Seconds to take over each message (to make concurrent senders overlap).
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [body for body, _ in self.received]

    def to(self, phone: str) -> list[str]:
        return [m["message"] for m in self.messages if m["to"] == phone]


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            time.sleep(gateway.delay)
            status = gateway.status
            if status < 300:
                with gateway.lock:
                    gateway.received.append((body, self.headers.get("Authorization")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "queued"}' if status < 300 else b'{"error": "down"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
