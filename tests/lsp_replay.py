"""Replaying a typing session against a language server: the edits an editor
sends while someone types a file in, and the questions to compare afterwards.

Example::

    final = Path(graphlib.__file__).read_text()
    opened, steps = typing_session(final, seed=1)     # opened == ""
    for step in steps:
        ...   # send step.changes as one textDocument/didChange
"""

from __future__ import annotations

import keyword
import random
import re
from typing import NamedTuple

TYPOS = ["x", "((", "é", "\U0001f600", ":", "\n", "  ", "'"]


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def lsp_position(text: str, offset: int) -> dict:
    """The LSP position (UTF-16) of character ``offset`` of ``text``."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": utf16_units(text[start:offset])}


class Step(NamedTuple):
    """One ``didChange``: its content changes, and the line count they leave."""

    changes: list[dict]
    lines: int


class _Typist:
    def __init__(self, text: str) -> None:
        self.text = text
        self.steps: list[Step] = []

    def change(self, start: int, end: int, new: str) -> dict:
        change = {"range": {"start": lsp_position(self.text, start), "end": lsp_position(self.text, end)}, "text": new}
        self.text = self.text[:start] + new + self.text[end:]
        return change

    def send(self, *changes: dict) -> None:
        self.steps.append(Step(list(changes), self.text.count("\n") + 1))


def typing_session(
    final: str,
    *,
    seed: int = 0,
    lines: tuple[int, int] | None = None,
    block_lines: int = 30,
    typo_rate: float = 0.05,
    longest: int = 8,
) -> tuple[str, list[Step]]:
    """The text to open and the ``didChange`` steps that type ``final``'s ``lines``
    (``(first, stop)``, default: all of them) back into it: blocks of
    ``block_lines`` lines in a shuffled order (so most edits land with text after
    them), each in pieces of 1 to ``longest`` characters, with typos (non-ASCII
    ones among them) deleted again, sometimes in the same notification."""
    rng = random.Random(seed)
    all_lines = final.splitlines(keepends=True)
    first, stop = lines or (0, len(all_lines))
    head, tail = "".join(all_lines[:first]), "".join(all_lines[stop:])
    blocks = ["".join(all_lines[i : min(i + block_lines, stop)]) for i in range(first, stop, block_lines)]
    order = list(range(len(blocks)))
    rng.shuffle(order)
    typed = [False] * len(blocks)
    typist = _Typist(head + tail)
    for b in order:
        at = len(head) + sum(len(blocks[i]) for i in range(b) if typed[i])
        text, i = blocks[b], 0
        while i < len(text):
            if rng.random() < typo_rate:
                typo = rng.choice(TYPOS)
                insert = typist.change(at + i, at + i, typo)
                if rng.random() < 0.3:
                    typist.send(insert, typist.change(at + i, at + i + len(typo), ""))
                else:
                    typist.send(insert)
                    typist.send(typist.change(at + i, at + i + len(typo), ""))
            piece = text[i : i + rng.randint(1, longest)]
            typist.send(typist.change(at + i, at + i, piece))
            i += len(piece)
        typed[b] = True
    assert typist.text == final
    return head + tail, typist.steps


def identifier_positions(text: str) -> list[dict]:
    """The LSP position of every name's first character (keywords left out)."""
    return [
        lsp_position(text, m.start()) for m in re.finditer(r"\b[^\W\d]\w*", text) if not keyword.iskeyword(m.group())
    ]


def gather(server, ids: list[int], timeout: float = 120) -> dict[int, dict]:
    """The responses to ``ids`` of a :class:`~tests.lsp_wire.RawServer`, in any order."""
    wanted, found = set(ids), {}
    while wanted - found.keys():
        message = server.messages.get(timeout=timeout)
        if "method" not in message and message.get("id") in wanted:
            found[message["id"]] = message
    return found
