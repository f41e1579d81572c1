"""Which project files a file's imports reach, directly or through other files.

A class can be written in a file's annotations only if the file can name it: it is
defined there, or in a module the file imports, or one those import in turn (an
``import`` also runs the packages above the module).  When a parameter's uses fit
several project classes (``ctx.make_formatter()``: a ``Context`` in ``click`` and a
vendored copy in ``typer._click``), the ones the file's imports reach are its
candidates.

The import graph of the project is read once: its strongly connected components
(Tarjan, iterative) in reverse topological order, each with the set of files it
reaches as a bit set.

Example::

    # pkg/a.py: from .b import B      pkg/b.py: from .c import C      pkg/c.py: class C: ...
    reach = ImportReach(engine)
    reach.reaches("/p/pkg/a.py", "/p/pkg/c.py")     # True
    reach.reaches("/p/pkg/c.py", "/p/pkg/a.py")     # False
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .contract import Engine


class ImportReach:
    """Reachability over the project's imports (see the module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._files: dict[str, int] | None = None
        self._reach: list[int] = []

    def reaches(self, path: str, target: str) -> bool:
        """Whether ``path``'s imports reach ``target`` (True for the file itself, and
        for either one outside the project: nothing to tell them apart by)."""
        if self._files is None:
            with self.engine.untracked():  # what an answer reads is its file's reach, below
                self._files, self._reach = self._build()
        source, goal = self._files.get(path), self._files.get(target)
        if source is None or goal is None:
            return True
        # the files ``path`` reaches decide what it reaches: their imports are read
        self.engine.read_project(self._reach[source])
        return bool(self._reach[source] >> goal & 1)

    def count(self, path: str) -> int:
        """How many project files ``path``'s imports reach (itself included; 0 for a
        file outside the project)."""
        if self._files is None:
            with self.engine.untracked():
                self._files, self._reach = self._build()
        source = self._files.get(path)
        return 0 if source is None else self._reach[source].bit_count()

    def _build(self) -> tuple[dict[str, int], list[int]]:
        paths = list(self.engine.project_paths)
        files = {p: i for i, p in enumerate(paths)}
        # project module name -> file number (a package's name: its __init__)
        modules = {name: files.get(str(Path(at).resolve())) for name, at in self.engine.index.modules.items()}
        numbered = {name: i for name, i in modules.items() if i is not None}
        edges = [self._imported(p, numbered) for p in paths]
        return files, _closure(edges)

    def _imported(self, path: str, modules: dict[str, int]) -> list[int]:
        """The project files ``path`` imports, and the packages above each."""
        index = self.engine.index
        g = self.engine.graph(path)
        found: set[int] = set()
        for binding in g.imports if g is not None else ():
            module = index.imported_module(path, binding)
            names = [module, f"{module}.{binding.name}" if binding.name else ""]
            names += [module.rsplit(".", i)[0] for i in range(1, module.count(".") + 1)]  # its packages
            found.update(modules[name] for name in names if name in modules)
        return sorted(found)


def _closure(edges: list[list[int]]) -> list[int]:
    """Each node's reachable set (itself included) as a bit set: Tarjan's strongly
    connected components, iteratively; a component's set is its members' and the sets
    of the components it points to (finished first, in Tarjan's order)."""
    n = len(edges)
    index, low, on_stack = [-1] * n, [0] * n, [False] * n
    component, reach = [-1] * n, [0] * n
    stack: list[int] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if index[nxt] < 0:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                _close_component(node, stack, on_stack, component, reach, edges)
            if work:  # back in the caller (the frame below): pass the low link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return [reach[component[v]] for v in range(n)]


def _close_component(
    head: int, stack: list[int], on_stack: list[bool], component: list[int], reach: list[int], edges: list[list[int]]
) -> None:
    members = []
    while True:
        v = stack.pop()
        on_stack[v] = False
        component[v] = head
        members.append(v)
        if v == head:
            break
    bits = 0
    for v in members:
        bits |= 1 << v
    for v in members:
        for w in edges[v]:
            if component[w] != head and component[w] >= 0:
                bits |= reach[component[w]]
    reach[head] = bits
