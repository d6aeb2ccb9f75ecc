"""A lean HTTP/1.1 keep-alive POST sender (asyncio streams) so that the sender, not the relay,
is not the bottleneck of a loopback benchmark on a small machine."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit


class RawConnection:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def reopen(self) -> None:
        """A new connection in place of one the server closed (an idle keep-alive timeout)."""
        await self.close()
        await self.open()

    async def post_json(self, body: dict[str, object]) -> int:
        assert self.reader is not None
        assert self.writer is not None
        data = json.dumps(body).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n{self.extra}\r\n"
        ).encode()
        self.writer.write(head + data)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):  # already closed by the server
                await self.writer.wait_closed()
