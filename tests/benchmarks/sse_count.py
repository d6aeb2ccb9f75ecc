"""Counts the events of one or many SSE streams (a child process of the benchmarks).

``python -m tests.benchmarks.sse_count URL CONNECTIONS [HEADER: VALUE ...]`` opens CONNECTIONS
streams on URL (plain HTTP, 127.0.0.1 only), prints ``{"event": "ready"}`` once every stream has
its response head, then counts the messages of each: SSE frames with a ``data:`` line and no
``event:`` line (the relay's ``gap``, smee's ``ready``/``ping`` are not events). It reads one line
from stdin, the number of events each stream must see, and ends when every stream has that many
or after 30 s, printing ``{"counts": [...], "last_ms": ...}``: the counts, and how long after
that line the last event arrived. A lean asyncio protocol with its own chunked decoder, so that
a thousand streams cost little.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

DEADLINE_S = 30.0


class Stream(asyncio.Protocol):
    """One SSE stream over HTTP/1.1, chunked or not; counts message frames."""

    def __init__(self, head: bytes, changed: asyncio.Event) -> None:
        self.head = head
        self.changed = changed
        self.count = 0
        self.last_at = 0.0
        self.ready = asyncio.Event()
        self.chunked = False
        self._raw = b""  # bytes not yet de-chunked
        self._text = b""  # de-chunked bytes not yet split into frames
        self._in_head = True
        self._left = 0  # data bytes left in the current chunk
        self._skip = 0  # bytes of CRLF left to skip after a chunk

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.head)

    def data_received(self, data: bytes) -> None:
        self._raw += data
        if self._in_head:
            end = self._raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self._raw = self._raw[:end].lower(), self._raw[end + 4 :]
            if b" 200 " not in head.split(b"\r\n", 1)[0] + b" ":
                raise SystemExit(f"stream refused: {head[:200]!r}")
            self.chunked = b"transfer-encoding: chunked" in head
            self._in_head = False
            self.ready.set()
        self._text += self._dechunk() if self.chunked else self._take_all()
        frames = self._text.split(b"\n\n")
        self._text = frames.pop()
        got = sum(1 for f in frames if b"data:" in f and not f.startswith(b"event:")
                  and b"\nevent:" not in f)  # fmt: skip
        if got:
            self.count += got
            self.last_at = time.perf_counter()
            self.changed.set()

    def _take_all(self) -> bytes:
        out, self._raw = self._raw, b""
        return out

    def _dechunk(self) -> bytes:
        out = []
        raw = self._raw
        while raw:
            if self._skip:  # the CRLF after a chunk's data
                cut = min(self._skip, len(raw))
                raw, self._skip = raw[cut:], self._skip - cut
                continue
            if self._left == 0:
                line_end = raw.find(b"\r\n")
                if line_end < 0:
                    break
                self._left = int(raw[:line_end].split(b";")[0] or b"0", 16)
                raw = raw[line_end + 2 :]
                if self._left == 0:  # the last chunk: the stream ended
                    raw = b""
                    break
            take = raw[: self._left]
            raw = raw[len(take) :]
            self._left -= len(take)
            out.append(take)
            if self._left == 0:
                self._skip = 2
        self._raw = raw
        return b"".join(out)

    def connection_lost(self, exc: Exception | None) -> None:
        self.changed.set()


async def main(argv: list[str]) -> None:
    url, connections, header_args = argv[0], int(argv[1]), argv[2:]
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    assert host in {"127.0.0.1", "localhost"}, "benchmarks talk to loopback only"
    port = parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = "".join(f"{h}\r\n" for h in header_args)
    head = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n{extra}\r\n"
    ).encode()
    changed = asyncio.Event()
    loop = asyncio.get_running_loop()
    streams: list[Stream] = []
    transports = []
    for _ in range(connections):
        transport, stream = await loop.create_connection(lambda: Stream(head, changed), host, port)
        transports.append(transport)
        streams.append(stream)
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), DEADLINE_S)
    print(json.dumps({"event": "ready"}), flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    expected = int(line.strip() or "0")
    told = time.perf_counter()
    deadline = told + DEADLINE_S
    while any(s.count < expected for s in streams) and time.perf_counter() < deadline:
        changed.clear()
        try:
            await asyncio.wait_for(changed.wait(), max(0.0, deadline - time.perf_counter()))
        except TimeoutError:
            break
    last = max((s.last_at for s in streams), default=told)
    print(
        json.dumps({"counts": [s.count for s in streams], "last_ms": max(0.0, last - told) * 1000}),
        flush=True,
    )
    for t in transports:
        t.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
