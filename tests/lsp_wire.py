"""A minimal JSON-RPC-over-stdio peer for robustness tests that need to send what
no well-behaved client would (malformed frames, bursts)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import queue


class RawServer:
    def __init__(self, *args: str, cwd: str | None = None, env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        command = command or [sys.executable, "-m", "typelens.cli"]
        self.proc = subprocess.Popen([*command, "lsp", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
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
