"""A minimal JSON-RPC-over-stdio peer for robustness tests that need to send what
no well-behaved client would (malformed frames, bursts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import queue


class RawServer:
    def __init__(
        self, *args: str, command: list[str] | None = None, cwd: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        """``command`` starts the server (default: this Python's ``-m typelens.cli lsp``);
        ``TYPELENS_TEST_STDERR=1`` shows its stderr."""
        command = command or [sys.executable, "-m", "typelens.cli", "lsp"]
        stderr = None if os.environ.get("TYPELENS_TEST_STDERR") else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [*command, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, env=env
        )
        self.messages: "queue.Queue[dict]" = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers.get("content-length", 0)))
            self.messages.put(json.loads(body))

    def send_raw(self, payload: bytes) -> None:
        self.proc.stdin.write(payload)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, method: str, params) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def response(self, request_id: int, timeout: float = 30) -> dict:
        while True:
            message = self.messages.get(timeout=timeout)
            if message.get("id") == request_id and "method" not in message:
                return message

    def initialize(self, root_uri: str | None) -> None:
        rid = self.request("initialize", {"processId": None, "rootUri": root_uri, "capabilities": {}})
        self.response(rid)
        self.notify("initialized", {})

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.stdin.close()
        return self.proc.wait(timeout=30)


# -- the client's side of positions: an independent reference ------------------------------
def code_units(text: str, encoding: str) -> int:
    """How many code units ``text`` is in the LSP position encoding ``encoding``."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def string_index(text: str, line: int, character: int, encoding: str) -> int:
    """The index into ``text`` of an LSP position, as an editor resolves it (the
    line clamped to the document, the column to the line, ``\\r\\n`` a line end)."""
    raw_lines = text.split("\n")
    if line >= len(raw_lines):
        return len(text)
    start = sum(len(raw) + 1 for raw in raw_lines[:line])
    line_text = raw_lines[line]
    if line_text.endswith("\r") and line < len(raw_lines) - 1:
        line_text = line_text[:-1]
    fit = max(k for k in range(len(line_text) + 1) if code_units(line_text[:k], encoding) <= character)
    return start + fit


def apply_text_edits(text: str, edits: list[dict], encoding: str) -> str:
    """``text`` with LSP ``TextEdit`` dicts applied (all ranges against ``text``)."""
    spans = []
    for edit in edits:
        r = edit["range"]
        start = string_index(text, r["start"]["line"], r["start"]["character"], encoding)
        end = string_index(text, r["end"]["line"], r["end"]["character"], encoding)
        spans.append((start, end, edit["newText"]))
    for start, end, new in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text
