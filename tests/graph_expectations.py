"""Reading ``# expect:`` comments of graph data files and matching node descriptors.

A descriptor names a node by kind, optional name or text prefix, and 1-based line:
``name_store:x@3``, ``if_statement@2``, ``attribute_store:self.top@10``.
``entry:QUALNAME`` and ``exit:QUALNAME`` name a scope's synthetic CFG nodes
(``entry:`` for the module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from typelens.analyzer import ProgramGraph

EXPECT = re.compile(r"#\s*(expect|expect-not):\s*(\S+)\s+(\S+)\s*->\s*(\S+)\s*$")
SYMBOL = re.compile(r"#\s*symbol:\s*(\S+)\s+scope=(\S*)\s+kind=(\S+)\s+defs=(\d+)\s+uses=(\d+)\s*$")
SCOPE = re.compile(r"#\s*scope:\s*(\S+)\s+(\S+)\s*$")


@dataclass(frozen=True)
class Expectation:
    line: int
    text: str


def expectations(path: Path) -> list[Expectation]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if EXPECT.match(stripped) or SYMBOL.match(stripped) or SCOPE.match(stripped):
            found.append(Expectation(number, stripped))
    return found


def find_nodes(g: ProgramGraph, descriptor: str) -> list[int]:
    if descriptor.startswith(("entry:", "exit:")):
        kind, qualname = descriptor.split(":", 1)
        return [getattr(s, kind) for s in g.scopes if s.qualname == qualname]
    head, _, line = descriptor.rpartition("@")
    kind, _, name = head.partition(":")
    row = int(line) - 1
    hits = []
    for n, k in enumerate(g.kinds):
        if k != kind or g.span(n).start_row != row:
            continue
        if name and g.names.get(n) != name and not g.text(n).startswith(name):
            continue
        hits.append(n)
    return hits


def check(g: ProgramGraph, exp: Expectation) -> None:
    m = EXPECT.match(exp.text)
    if m:
        mode, kind, src, dst = m.groups()
        srcs, dsts = find_nodes(g, src), find_nodes(g, dst)
        assert srcs, f"no node matches {src}"
        assert dsts, f"no node matches {dst}"
        pairs = {(a, b) for k, a, b in g.iter_edges() if k.value == kind}
        present = any((a, b) in pairs for a in srcs for b in dsts)
        if mode == "expect":
            assert present, f"missing {kind} edge {src} -> {dst}"
        else:
            assert not present, f"unexpected {kind} edge {src} -> {dst}"
        return
    m = SYMBOL.match(exp.text)
    if m:
        name, scope, kind, defs, uses = m.groups()
        candidates = [
            s
            for s in g.symbols
            if s.name == name
            and ((scope == "<none>" and s.scope < 0) or (s.scope >= 0 and g.scopes[s.scope].qualname == scope))
        ]
        assert candidates, f"no symbol {name} in scope {scope!r}"
        got = [(s.kind.value, len(s.definitions), len(s.uses)) for s in candidates]
        assert (kind, int(defs), int(uses)) in got, f"symbol {name}: got {got}"
        return
    m = SCOPE.match(exp.text)
    assert m, exp.text
    qualname, kind = m.groups()
    assert any(s.qualname == qualname and s.kind.value == kind for s in g.scopes), (
        f"no {kind} scope {qualname}; have {[s.qualname for s in g.scopes]}"
    )
