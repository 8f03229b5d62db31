"""A small SMTP server on a loopback port, for tests that send real mail and stop the server.

It speaks just what Django's SMTP backend says (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
without TLS or authentication, and keeps (recipient, subject) of every message it accepts. An
address in `refuse_once` is refused with a temporary error the first time it is offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from email.parser import BytesParser
from email.policy import default as default_policy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[tuple[str, str]] = []
        self.refuse_once: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def to(self, address: str) -> list[str]:
        """The subjects of the messages `address` received, in order."""
        return [subject for recipient, subject in self.received if recipient == address]

    def start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
            ready.set()
            async with server:
                await server.serve_forever()

        def run() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(serve())

        self._loop = loop
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"The test mail server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop listening: from now on a connection to the port is refused."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        for running in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(running.cancel)
        thread.join(10)
        loop.close()
        self._loop = self._thread = None

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        recipients: list[str] = []
        reply("220 localhost test mail server")
        try:
            while line := await reader.readline():
                command = line.decode("ascii", "replace").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    reply("250 localhost")
                elif verb == "MAIL":
                    recipients = []
                    reply("250 OK")
                elif verb == "RCPT":
                    address = command.split(":", 1)[1].strip().strip("<>")
                    if address in self.refuse_once:
                        self.refuse_once.discard(address)
                        reply("451 4.3.0 Mailbox busy, try again later")
                    else:
                        recipients.append(address)
                        reply("250 OK")
                elif verb == "DATA":
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    message = BytesParser(policy=default_policy).parsebytes(data[:-5])
                    self.received.extend((to, str(message["Subject"])) for to in recipients)
                    recipients = []
                    reply("250 Message accepted")
                elif verb in ("RSET", "NOOP"):
                    reply("250 OK")
                elif verb == "QUIT":
                    reply("221 Bye")
                    await writer.drain()
                    break
                else:
                    reply("502 Command not implemented")
                await writer.drain()
        finally:
            writer.close()
