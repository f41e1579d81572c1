"""Peers for bench/features.py --score: what jedi and pyright say at a position.

Both are asked as an editor asks them: jedi through ``jedi.Script.infer`` (and
``execute`` for a function's return), pyright through its language server's
``textDocument/hover`` over stdio.  Their answers are normalised to typelens's
notation (``typeinfer.normalize``; pyright's ``(x: int) -> str`` becomes
``Callable[[int], str]``, ``Literal[1]`` becomes ``int``; a part that is
``Unknown`` is left out, as typelens leaves it out).

Install: ``pip install jedi`` (the test extras already bring it) and
``npm install pyright`` (pass its ``node_modules/.bin/pyright-langserver`` as
``--pyright``).  Nothing the peers are given is ever run.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from typelens.typeinfer.normalize import normalise, split_top, split_union

_LITERAL = re.compile(r"Literal\[([^\]]*)\]")


# -- jedi ---------------------------------------------------------------------------------
def jedi_answer(source: str, path: Path, line: int, column: int, is_return: bool) -> str | None:
    """jedi's type at 1-based ``line``, 0-based ``column``; a def's return if ``is_return``."""
    import jedi

    try:
        names = jedi.Script(source, path=str(path)).infer(line, column)
        if is_return:
            names = [r for n in names if n.type == "function" for r in n.execute()]
        hints = {_jedi_hint(n) for n in names}
    except Exception as err:  # a peer's crash is its answer missing, not the benchmark's end
        print(f"jedi failed at {path.name}:{line}: {err!r}")
        return None
    hints.discard(None)
    return normalise(" | ".join(sorted(hints))) if hints else None


def _jedi_hint(name) -> str | None:
    try:
        hint = name.get_type_hint()
    except Exception:  # jedi raises on some values it cannot describe
        hint = ""
    if name.type == "function" and not hint.startswith("Callable"):
        return "Callable"
    return hint or None


# -- pyright ------------------------------------------------------------------------------
class PyrightServer:
    """A pyright language server over stdio, for hovers (``with`` closes it)."""

    def __init__(self, executable: str, root: Path) -> None:
        self.process = subprocess.Popen(
            [executable, "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root
        )
        self._id = 0
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.resolve().as_uri(),
                "capabilities": {"textDocument": {"hover": {"contentFormat": ["plaintext"]}}},
                "workspaceFolders": [{"uri": root.resolve().as_uri(), "name": "bench"}],
            },
        )
        self.notify("initialized", {})
        self._opened: set[str] = set()

    def __enter__(self) -> PyrightServer:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            self.process.kill()

    def hover(self, path: Path, source: str, line: int, column: int) -> str | None:
        uri = path.resolve().as_uri()
        if uri not in self._opened:
            self.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": source}},
            )
            self._opened.add(uri)
        result = self.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line - 1, "character": column}}
        )
        if not result:
            return None
        contents = result.get("contents")
        if isinstance(contents, dict):
            contents = contents.get("value", "")
        return contents if isinstance(contents, str) else None

    # -- JSON-RPC ----------------------------------------------------------------------------
    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params):
        self._id += 1
        wanted = self._id
        self._send({"jsonrpc": "2.0", "id": wanted, "method": method, "params": params})
        while True:
            message = self._read()
            if message.get("id") == wanted and "method" not in message:
                return message.get("result")
            if "method" in message and "id" in message:  # the server asks: configuration, progress...
                answer = (
                    [{}] * len(message.get("params", {}).get("items", []))
                    if message["method"] == "workspace/configuration"
                    else None
                )
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": answer})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> dict:
        length = 0
        while True:
            header = self.process.stdout.readline()
            if not header:
                raise OSError("pyright closed its output")
            if header in (b"\r\n", b"\n"):
                break
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        return json.loads(self.process.stdout.read(length))


def pyright_type(hover: str | None, is_return: bool) -> str | None:
    """The type in a pyright hover text (``(variable) x: int``), in typelens notation."""
    if not hover:
        return None
    text = hover.strip().removeprefix("```python").removesuffix("```").strip()
    text = re.sub(r"^\([a-z ]+\)\s*", "", text)  # (variable), (parameter), (function)...
    if text.startswith(("def ", "async def ")) or is_return:
        signature = text.split("def ", 1)[-1]
        signature = signature[signature.find("(") :] if "(" in signature else signature
        return _callable(signature, is_return)
    name, sep, annotation = text.partition(": ")
    if not sep:
        return None
    return _clean(annotation)


def _callable(signature: str, is_return: bool) -> str | None:
    depth, arrow = 0, -1
    for i, ch in enumerate(signature):
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and signature.startswith(" -> ", i):
            arrow = i
            break
    if arrow < 0:
        return None
    ret = _clean(signature[arrow + 4 :])
    if is_return:
        return ret
    params = []
    for part in split_top(signature[1 : arrow - 1], ","):
        part = part.strip()
        if not part or part in ("/", "*") or part.startswith("*"):
            return f"Callable[..., {ret or 'Any'}]"
        annotation = part.partition(":")[2].split("=")[0].strip()
        params.append(_clean(annotation) or "Any")
    return f"Callable[[{', '.join(params)}], {ret or 'Any'}]"


def _clean(annotation: str) -> str | None:
    """pyright's type text in typelens notation; None when nothing is known."""
    text = _LITERAL.sub(lambda m: _literal_class(m.group(1)), annotation.strip())
    text = _nested_callables(text)
    text = re.sub(r"\bSelf@\w+", "Self", text)
    text = re.sub(r"\[Unknown(, Unknown)*\]", "", text)
    parts = [p.strip() for p in split_union(text) if p.strip() and p.strip() != "Unknown"]
    if not parts:
        return None
    return normalise(" | ".join(parts))


def _nested_callables(text: str) -> str:
    """``list[(n: int) -> str]`` -> ``list[Callable[[int], str]]``: each ``(`` that opens
    a type (after ``[``, ``, ``, ``| `` or at the start), innermost last."""
    for _ in range(8):
        start = next((i for i, ch in enumerate(text) if ch == "(" and (i == 0 or text[i - 1] in "[ ")), None)
        if start is None:
            return text
        depth, close = 0, -1
        for i in range(start, len(text)):
            depth += text[i] in "(["
            depth -= text[i] in ")]"
            if depth == 0:
                close = i
                break
        if close < 0 or not text.startswith(" -> ", close + 1):
            return text
        end, depth = close + 5, 0
        while end < len(text) and not (depth == 0 and (text[end] in ",]" or text.startswith(" | ", end))):
            depth += text[end] in "(["
            depth -= text[end] in ")]"
            end += 1
        converted = _callable(text[start:end], False) or "Callable"
        text = text[:start] + converted + text[end:]
    return text


def _literal_class(values: str) -> str:
    first = values.split(",")[0].strip()
    if first.startswith(("'", '"')):
        return "str"
    if first.startswith(("b'", 'b"')):
        return "bytes"
    if first in ("True", "False"):
        return "bool"
    if re.fullmatch(r"-?\d+", first):
        return "int"
    return first.rsplit(".", 1)[0] if "." in first else first
