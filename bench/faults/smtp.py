"""An SMTP server on loopback (aiosmtpd) that misbehaves on demand, and counts what it
received by Message-ID, so that a lost mail and a duplicate show.

Faults, each switched on and off while the workers run:
- `down()` / `up()`: the port is closed (connection refused), then open again;
- `mode = "greeting-421"`: every connection is greeted with 421 and closed;
- `mode = "rcpt-451"` / `"data-451"`: RCPT TO or the end of DATA answer 451;
- `reject`: recipients whose address contains one of these words get 550 at RCPT;
- `drop_after_data = n`: the next n messages are received in full, then the connection
  is cut before the reply (the server has the mail; the client cannot know);
- `slow_after_data = n`: the next n messages are received in full, then the reply
  waits longer than the client's timeout (`slow_seconds`);
- `delay_seconds`: every reply to DATA waits this long, as a real server's does.
A mail received more than once is a duplicate: acceptable only where the server never
confirmed it (the last two faults).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from email import message_from_bytes

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from bench.faults.processes import free_port, port_open, wait_until

MODES = ("ok", "greeting-421", "rcpt-451", "data-451")


class Greeting421(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(b"421 4.3.2 Service not available, closing channel\r\n")
        transport.close()


class Faults:
    """The handler: what the server does, and what it received."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.reject: tuple[str, ...] = ()
        self.drop_after_data = 0
        self.slow_after_data = 0
        self.slow_seconds = 0.0
        self.delay_seconds = 0.0  # every message: the time a real server takes
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()  # Message-ID -> times received
        self.cut = 0  # messages received whose reply was never sent (dropped or too late)
        self.refused = Counter()  # reply code -> times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.mode == "rcpt-451":
            self.refused["451"] += 1
            return "451 4.3.0 Temporary failure, try again later"
        if any(word in address for word in self.reject):
            self.refused["550"] += 1
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.mode == "data-451":
            self.refused["451"] += 1
            return "451 4.3.0 Temporary failure, try again later"
        message_id = message_from_bytes(envelope.content).get("Message-ID", "?")
        with self.lock:
            self.received[message_id] += 1
            drop = self.drop_after_data > 0
            slow = not drop and self.slow_after_data > 0
            if drop:
                self.drop_after_data -= 1
            if slow:
                self.slow_after_data -= 1
            if drop or slow:
                self.cut += 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if drop:
            server.transport.abort()
            return "250 OK (never sent: the connection is gone)"
        if slow:
            await asyncio.sleep(self.slow_seconds)
        return "250 Message accepted for delivery"

    def delivered(self) -> int:
        return len(self.received)

    def duplicates(self) -> int:
        return sum(count - 1 for count in self.received.values())


class FaultController(Controller):
    def factory(self):
        if self.handler.mode == "greeting-421":
            return Greeting421()
        return SMTP(self.handler, hostname="faults.test", **self.SMTP_kwargs)


class FaultySmtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.faults = Faults()
        self.controller: FaultController | None = None

    def up(self) -> FaultySmtp:
        mode, self.faults.mode = self.faults.mode, "ok"  # the start-up probe needs a 220
        self.controller = FaultController(self.faults, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.faults.mode = mode
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        wait_until(lambda: not port_open(self.port), 10, "SMTP server stop")

    def __enter__(self) -> FaultySmtp:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()
