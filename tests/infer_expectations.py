"""``# ? name: type`` comments of inference data files.

The comment sits above the line it checks; ``name`` is ``return`` for the return
of the ``def`` on that line, otherwise the parameter, variable or attribute named
there (``self.x`` is written ``x``); ``?`` expects no answer.  Consecutive
comments all check the first non-comment line below them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

EXPECT = re.compile(r"^\s*#\s*\?\s*([\w]+)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class TypeExpectation:
    comment_line: int  # 1-based
    target_line: int  # 1-based
    name: str
    type: str


def type_expectations(path: Path, pattern: re.Pattern = EXPECT, passes=None) -> list[TypeExpectation]:
    """The file's expectations; ``pattern`` reads one comment, ``passes(line)`` says
    whether a line between it and its target is stepped over (default: another
    expectation or a decorator; the script tests pass their own ``// ?`` form)."""
    if passes is None:

        def passes(line: str) -> bool:
            return bool(EXPECT.match(line)) or line.strip().startswith("@")

    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = pattern.match(line)
        if not m:
            continue
        j = i + 1
        while j < len(lines) and passes(lines[j]):
            j += 1
        found.append(TypeExpectation(i + 1, j + 1, m.group(1), m.group(2)))
    return found
